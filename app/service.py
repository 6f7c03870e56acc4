"""The ASGI application: one handler for images, plus health checks."""

from __future__ import annotations

import functools
import logging
import os
import time
from contextlib import asynccontextmanager
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.errors import HTTPError, from_source_error, from_transform_error
from app.marks import MarkRequest, fetch_marks, with_marks
from app.media.console import console_routes
from app.media.listener import console_listener
from app.media.routes import MediaAPI, serve_media
from app.ops.routes import ops_lifespan, ops_middleware, ops_routes
from app.presets import apply_preset
from app.referer import add_referer_vary, check_referer
from app.rendering import render_cached
from app.responses import cache_control, error_response, etag_matches, http_date, make_etag
from app.runtime import SOURCE_SCOPE_KEY, Runtime, SourceRuntime
from app.settings import Settings, load_settings
from app.signing import Signature, verify_signature
from app.signing_imagekit import EXPIRY_PARAM, SIGNATURE_PARAM
from sources.base import Peek, SourceError
from transforms.dialects.imagekit import parse_imagekit, split_path_transforms
from transforms.dialects.imgix import parse_params
from transforms.errors import TransformError
from transforms.formats import CONTENT_TYPES, choose_format, sniff
from transforms.pipeline import render
from transforms.query import split_query
from transforms.spec import Limits, TransformSpec

log = logging.getLogger("signet")

# Parameters that carry the signature, the expiry or the client library's name, not a transform.
NOT_TRANSFORMS = frozenset({"s", "expires", "ixlib"})
# An imagekit source signs with ik-s and expires with ik-t; there `s` and `expires` mean nothing.
IMAGEKIT_NOT_TRANSFORMS = (NOT_TRANSFORMS - {"s", "expires"}) | {SIGNATURE_PARAM, EXPIRY_PARAM}


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(request.scope["path"])


def _check_signature(src: SourceRuntime, raw_path: str, raw_query: bytes) -> bool:
    """True for a valid signature, False for none where none is needed; else 403."""
    state = verify_signature(src.config.scheme, src.keys, raw_path.encode("latin-1"), raw_query)
    if state is Signature.INVALID:
        raise HTTPError(403, "invalid signature")
    if state is Signature.ABSENT and (src.config.secure or src.source.requires_signature):
        raise HTTPError(403, "this URL must be signed")
    return state is Signature.VALID


def _refuse_private(signed: bool) -> None:
    if not signed:
        raise HTTPError(403, "this image is private: the URL must be signed")


def _seconds_left(src: SourceRuntime, pairs: list[tuple[str, str]]) -> int | None:
    """Seconds before the URL's `expires` (`ik-t`), or None; raises the expiry answer past it."""
    name = EXPIRY_PARAM if src.config.scheme == "imagekit" else "expires"
    values = [v for k, v in pairs if k == name]
    if not values:
        return None
    if len(values) > 1:
        raise HTTPError(400, f"{name}: given more than once")
    if not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 12:
        raise HTTPError(400, f"{name}: must be a time in unix seconds")
    left = int(values[0]) - int(time.time())
    if left <= 0:
        raise HTTPError(src.config.expired_status, "this URL has expired")
    return left


def _parse_spec(
    src: SourceRuntime, path_tr: str | None, pairs: list[tuple[str, str]], limits: Limits
) -> TransformSpec:
    return _parse_cached(src.config.scheme == "imagekit", path_tr, tuple(pairs), limits)


@functools.lru_cache(maxsize=4096)  # parsing is pure, and hot URLs repeat; errors not cached
def _parse_cached(
    imagekit: bool, path_tr: str | None, pairs: tuple[tuple[str, str], ...], limits: Limits
) -> TransformSpec:
    """An imagekit source reads `tr` (path or query) beside the imgix parameters."""
    if imagekit:
        return parse_imagekit(path_tr, list(pairs), limits, IMAGEKIT_NOT_TRANSFORMS)
    return parse_params(list(pairs), limits, NOT_TRANSFORMS)


async def serve_image(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    raw_path = _raw_path(request)
    route = runtime.route(request.headers.get("host", ""), raw_path)
    if route is None:
        raise HTTPError(404, "no source serves this URL")
    src = route.source
    if request.app.state.media.serves(src, route.rel_path):  # ImageKit's file API
        return await request.app.state.media.handle(request, route)
    request.scope[SOURCE_SCOPE_KEY] = src.name  # for the request metrics
    raw_query: bytes = request.scope.get("query_string", b"")
    imagekit = src.config.scheme == "imagekit"
    # ImageKit signs the URL relative to its endpoint, which a /tr:.../ segment is part of.
    signed_path = route.rel_path if imagekit else raw_path
    signed = _check_signature(src, signed_path, raw_query)
    check_referer(src.config, request.headers.get("referer"))
    try:
        rel_path, path_tr = (route.rel_path, None)
        if imagekit:
            rel_path, path_tr = split_path_transforms(route.rel_path)
        path = src.source.path_from_url(rel_path)
        if src.config.is_private_path(path):
            _refuse_private(signed)
        passthrough = IMAGEKIT_NOT_TRANSFORMS if imagekit else NOT_TRANSFORMS
        pairs = apply_preset(src.config, split_query(raw_query), passthrough, path_tr)
        seconds_left = _seconds_left(src, pairs)
        spec = _parse_spec(src, path_tr, pairs, runtime.limits)
        # A render is found by the original's validator; where the source can tell it
        # cheaply, the original itself is read only if the render is not cached.
        original = None
        peek = runtime.peek(src, path)
        if peek is None:
            original = await runtime.fetch(src, path)
            peek = Peek.of(original)
    except SourceError as err:
        raise from_source_error(err) from None
    except TransformError as err:
        raise from_transform_error(err) from None
    if peek.private:
        _refuse_private(signed)
    marks = await fetch_marks(
        MarkRequest(runtime, src, signed, signed_path, raw_query), spec.overlays
    )

    fmt, negotiated = choose_format(spec, sniff(peek.head), request.headers.get("accept", ""))
    validator = with_marks(peek.etag, marks)  # a new logo is a new ETag
    etag = make_etag(src.name, path, validator, spec.canonical(), fmt)
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control(src.config.ttl, seconds_left),
    }
    if peek.last_modified is not None:
        headers["Last-Modified"] = http_date(peek.last_modified)
    if negotiated:
        headers["Vary"] = "Accept"
    add_referer_vary(headers, src.config)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    async def original_data() -> bytes:
        # On a miss after a peek: should the file change between the two, this render is
        # of the newer bytes; the next request's peek names it by its own validator.
        return (original or await runtime.fetch(src, path)).data

    try:
        # The ETag names everything the output depends on: it is the result cache's key.
        body, headers["X-Signet-Cache"] = await render_cached(
            runtime, etag, original_data, render, spec, fmt, runtime.limits, marks
        )
    except SourceError as err:
        raise from_source_error(err) from None
    except TransformError as err:
        raise from_transform_error(err) from None
    return Response(body, 200, headers=headers, media_type=CONTENT_TYPES[fmt])


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPError)
    return error_response(exc)


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

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            *(console_routes() if console else []),  # /console/...
            *ops_routes(runtime),  # /readyz, /metrics
            Route("/{path:path}", serve_image, methods=["GET", "HEAD"]),
            Route("/{path:path}", serve_media, methods=["POST", "PATCH", "DELETE"]),
        ],
        middleware=ops_middleware(runtime),
        exception_handlers={
            HTTPError: _http_error,
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
