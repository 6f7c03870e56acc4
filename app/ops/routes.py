"""What the service adds for operators: readiness and metrics routes, the request-counting
middleware and the metrics listener. `create_app` takes all of it from here.

These routes come before the image route and are never signed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Scope

from app.ops.health import readiness_endpoint
from app.ops.metrics import RequestMetrics, metrics_endpoint, metrics_listener, worker_exited
from app.runtime import SOURCE_SCOPE_KEY, Runtime


def ops_routes(runtime: Runtime) -> list[Route]:
    routes = [Route("/readyz", readiness_endpoint(runtime), methods=["GET", "HEAD"])]
    config = runtime.settings.metrics
    if config.enabled and config.path and config.port is None:
        routes.append(Route(config.path, metrics_endpoint(runtime.metrics), methods=["GET"]))
    return routes


def ops_middleware(runtime: Runtime) -> list[Middleware]:
    config = runtime.settings.metrics
    skip = {"/healthz", "/readyz"}
    if config.path and config.port is None:
        skip.add(config.path)

    def source_of(scope: Scope) -> str:
        # The image handler names the source it routed to (SOURCE_SCOPE_KEY), so the
        # request is not routed twice; a request no source took counts as "none".
        return scope.get(SOURCE_SCOPE_KEY, "none")

    return [Middleware(RequestMetrics, runtime.metrics, source_of, frozenset(skip))]


@contextlib.contextmanager
def ops_lifespan(runtime: Runtime) -> Iterator[None]:
    try:
        with metrics_listener(runtime.settings.metrics, runtime.metrics):
            yield
    finally:
        worker_exited()
