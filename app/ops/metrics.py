"""Prometheus metrics: what is counted, the ASGI middleware that counts requests, and where
the numbers are served (a path on the main listener, or a listener of their own).

Each app has its own registry (tests build several apps in one process). With several
uvicorn workers, `signet serve` sets PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode): each worker writes its numbers to files there and whichever worker
answers a scrape adds them all up. On a separate port, the first worker to bind it serves.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache.outcomes import CACHE_RESULTS
from app.settings import MetricsConfig

log = logging.getLogger("signet")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
TRANSFORM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    def __init__(self) -> None:
        if multiprocess_mode():  # prometheus_client writes there from the first metric on
            os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "signet_requests", "HTTP requests answered", ["source", "status"], registry=r
        )
        self.cache = Counter(
            "signet_cache_results", "Result cache lookups by outcome", ["result"], registry=r
        )
        # Children looked up once: labels() takes a lock and builds a key on every call,
        # which on a cached hit costs as much as the rest of the answer's bookkeeping.
        self.cache_result = {result: self.cache.labels(result) for result in CACHE_RESULTS}
        self._request_counters: dict[tuple[str, int], Any] = {}
        self.coalesced = Counter(
            "signet_coalesced", "Requests served by another request's render", registry=r
        )
        self.transforms = Counter("signet_transforms", "Renders run", registry=r)
        self.transform_seconds = Histogram(
            "signet_transform_seconds",
            "Time rendering in a worker thread (queue wait excluded)",
            buckets=TRANSFORM_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "signet_transform_queue_depth",
            "Renders waiting for a worker thread",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.running = Gauge(
            "signet_transforms_running",
            "Renders running in worker threads",
            multiprocess_mode="livesum",
            registry=r,
        )

    def count_request(self, source: str, status: int) -> None:
        counter = self._request_counters.get((source, status))
        if counter is None:
            counter = self.requests.labels(source, str(status))
            self._request_counters[(source, status)] = counter
        counter.inc()

    def observe_limiter(self, running: int, waiting: int) -> None:
        """WorkLimiter's on_change hook; called from the loop and from worker threads."""
        self.running.set(running)
        self.queue_depth.set(waiting)

    def exposition(self) -> bytes:
        return generate_latest(self.collecting_registry())

    def collecting_registry(self) -> CollectorRegistry:
        """This process's registry, or in multiprocess mode one that adds up every worker's."""
        if multiprocess_mode():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return registry
        return self.registry


class RequestMetrics:
    """Pure ASGI middleware: counts every answer by source and status, 500s included.

    `source_of(scope)` names the source a request was routed to (or "none").
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        source_of: Callable[[Scope], str],
        skip: frozenset[str],
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.source_of = source_of
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.skip:
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers if the app raises before starting a response

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.count_request(self.source_of(scope), status)


def metrics_endpoint(metrics: Metrics) -> Callable[[Request], Awaitable[Response]]:
    async def serve_metrics(request: Request) -> Response:
        return Response(
            metrics.exposition(),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )

    return serve_metrics


@contextlib.contextmanager
def metrics_listener(config: MetricsConfig, metrics: Metrics) -> Iterator[None]:
    """Serve the metrics on `config.port` for the life of the app, when a port is set."""
    if not config.enabled or config.port is None:
        yield
        return
    try:
        server, thread = start_http_server(
            config.port, config.host, registry=metrics.collecting_registry()
        )
    except OSError as err:
        # With several workers only one can bind; in multiprocess mode it serves them all.
        level = logging.DEBUG if multiprocess_mode() else logging.WARNING
        log.log(level, "metrics: not listening on port %s: %s", config.port, err.strerror)
        yield
        return
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def prepare_multiprocess() -> None:
    """Before starting several workers: give prometheus_client an empty folder to share."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        # Files left by an earlier run would be added to this one's numbers. Only ours go:
        # the folder is the operator's.
        os.makedirs(folder, exist_ok=True)
        for stale in glob.glob(os.path.join(folder, "*.db")):
            with contextlib.suppress(OSError):
                os.remove(stale)
    else:
        folder = tempfile.mkdtemp(prefix="signet-metrics-")
        os.environ[MULTIPROC_ENV] = folder
        # Removed when `signet serve` exits (the workers are separate interpreters).
        atexit.register(shutil.rmtree, folder, ignore_errors=True)


def worker_exited() -> None:
    """A worker's live gauges (queue depth, running) must stop counting when it exits."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())
