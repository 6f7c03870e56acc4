"""The ASGI application: one handler for images, plus health checks.

An image request runs its stages in order: route, verify, parse (app.request), look up,
render and respond (app.answer).
Errors are exceptions: HTTPError, and the sources' and transforms' own, each answered by
a handler registered in create_app.
"""

from __future__ import annotations

import functools
import logging
import os
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.answer import find, image_headers, render_image
from app.errors import HTTPError, from_source_error, from_transform_error
from app.hit_path import EARLY_ERROR_KEY, LOOKED_UP_KEY, hit_path_middleware
from app.limiter import Overloaded
from app.media.console import console_routes
from app.media.listener import console_listener
from app.media.routes import MediaAPI, serve_media
from app.ops.routes import ops_lifespan, ops_middleware, ops_routes
from app.origin_auth import origin_middleware
from app.request import plan, with_client_hints
from app.responses import error_response, etag_matches, overloaded_response
from app.runtime import Runtime
from app.settings import Settings, load_settings
from sources.base import SourceError
from transforms.errors import TransformError
from transforms.formats import CONTENT_TYPES

log = logging.getLogger("signet")


async def serve_image(request: Request) -> Response:
    if (early := request.scope.pop(EARLY_ERROR_KEY, None)) is not None:
        raise early  # app.hit_path ran the stages below for this request and met it
    runtime: Runtime = request.app.state.runtime
    looked_up = request.scope.pop(LOOKED_UP_KEY, None)  # app.hit_path got this far: a miss
    if looked_up is None:
        planned = plan(request, runtime, request.app.state.media.serves)
        if planned is None:  # ImageKit's file API
            return await serve_media(request)
        target, signed, wanted = planned
        wanted = with_client_hints(wanted, request, runtime.limits)
        wanted, found = await find(request, runtime, target, wanted, signed)
    else:
        target, wanted, found = looked_up
    headers = image_headers(target.src, wanted, found)
    if etag_matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    body, headers["X-Signet-Cache"] = await render_image(runtime, target, wanted, found)
    return Response(body, 200, headers=headers, media_type=CONTENT_TYPES[found.fmt])


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPError)
    return error_response(exc)


async def _source_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SourceError)
    return error_response(from_source_error(exc))


async def _transform_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TransformError)
    return error_response(from_transform_error(exc))


async def _routing_error(request: Request, exc: Exception) -> Response:
    # Starlette's own answers (no route matched, a method other than GET/HEAD) get the
    # same plain-text, cache-safe shape as ours.
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "no such path", 405: "only GET and HEAD are supported"}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(HTTPError(exc.status_code, message, dict(exc.headers or {})))


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to our log only; the client learns nothing about internals.
    log.exception("unexpected error on %s", request.url.path)
    return error_response(HTTPError(500, "internal error"))


def create_app(settings: Settings, *, console: bool = False) -> Starlette:
    """Build the ASGI app. Raises ConfigError if a key cannot be resolved.

    `console`: the app of the console's own listener (app.media.listener), which adds
    the console's routes; the public app starts that listener when `[console] port` is set.
    """
    runtime = Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if console:
            yield
        else:
            build_console = functools.partial(create_app, settings, console=True)
            with ops_lifespan(runtime), console_listener(settings.console, build_console):
                yield
        await runtime.close()

    routes = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        *(console_routes() if console else []),  # /console/...
        *ops_routes(runtime),  # /readyz, /metrics
        Route("/{path:path}", serve_image, methods=["GET", "HEAD"]),
        Route("/{path:path}", serve_media, methods=["POST", "PATCH", "DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            *origin_middleware(settings, runtime),
            *ops_middleware(runtime),
            *hit_path_middleware(runtime, routes),  # innermost: answers hits before routing
        ],
        exception_handlers={
            HTTPError: _http_error,
            Overloaded: overloaded_response,
            SourceError: _source_error,  # a fetch failed: 404, 413, 502, 504...
            TransformError: _transform_error,  # a bad parameter (400), image (422), 504
            StarletteHTTPException: _routing_error,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.media = MediaAPI(runtime)
    return app


def create_app_from_env() -> Starlette:
    """Factory for uvicorn workers: config from `SIGNET_CONFIG`, or the demo."""
    if os.environ.get("SIGNET_DEMO") == "1":
        from app.ops.demo import demo_settings

        return create_app(demo_settings())
    return create_app(load_settings())
