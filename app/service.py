"""The ASGI application: one handler for images, plus health checks.

An image request runs its stages in order, each a small function below: route (which
source), verify (signature, Referer), parse (the original's path, and the query through
transforms.parser: presets and both dialects), look up (name the answer by its ETag,
without reading the original where the source can tell its validator), then render
(fetch and transform, or the result cache) and respond.
Errors are exceptions: HTTPError, and the sources' and transforms' own, each answered by
a handler registered in create_app.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.default_image import HEADER as DEFAULT_IMAGE_HEADER
from app.default_image import default_path
from app.errors import HTTPError, from_source_error, from_transform_error
from app.limiter import Overloaded
from app.marks import MarkRequest, fetch_marks, spec_images, with_marks
from app.media.console import console_routes
from app.media.listener import console_listener
from app.media.routes import MediaAPI, serve_media
from app.ops.routes import ops_lifespan, ops_middleware, ops_routes
from app.origin_auth import origin_middleware
from app.referer import add_referer_vary, check_referer
from app.rendering import render_cached
from app.responses import (
    cache_control,
    error_response,
    etag_matches,
    http_date,
    make_etag,
    overloaded_response,
)
from app.runtime import SOURCE_SCOPE_KEY, Runtime, SourceRuntime
from app.settings import Settings, load_settings
from app.signing import EXPIRY_PARAM, Signature, verify_signature
from app.signing_imagekit import EXPIRY_PARAM as IK_EXPIRY_PARAM
from app.signing_imagekit import is_imagekit_expiry
from sources.base import NotFound, Original, Peek, SourceError
from transforms.delivery import add_output_headers
from transforms.dialects.imagekit import split_path_transforms
from transforms.errors import TransformError
from transforms.formats import CONTENT_TYPES, choose_format, sniff
from transforms.hints import apply_client_hints
from transforms.marks import MarkData
from transforms.parser import Parser
from transforms.pipeline import render
from transforms.query import CACHED_QUERIES, CACHED_QUERY_BYTES, split_query
from transforms.spec import Chain, Limits

log = logging.getLogger("signet")


@dataclass(frozen=True)
class Target:
    """What a URL reaches: its source, and its path and query exactly as sent."""

    src: SourceRuntime
    raw_path: str  # from the domain root, still percent-encoded
    rel_path: str  # after the source's prefix (or domain), still percent-encoded
    raw_query: bytes

    @property
    def imagekit(self) -> bool:
        return self.src.config.scheme == "imagekit"

    @property
    def signed_path(self) -> str:
        # ImageKit signs the URL relative to its endpoint, which a /tr:.../ segment is part of.
        return self.rel_path if self.imagekit else self.raw_path


@dataclass(frozen=True)
class Wanted:
    """What the URL asks for: the original's decoded path, the chain, the expiry."""

    path: str
    chain: Chain
    seconds_left: int | None  # before the URL's expiry, or None
    default: bool = False  # the original is missing: path is the default image's


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(request.scope["path"])


def route_request(request: Request, runtime: Runtime) -> Target:
    raw_path = _raw_path(request)
    route = runtime.route(request.headers.get("host", ""), raw_path)
    if route is None:
        raise HTTPError(404, "no source serves this URL")
    request.scope[SOURCE_SCOPE_KEY] = route.source.name  # for the request metrics
    return Target(route.source, raw_path, route.rel_path, request.scope.get("query_string", b""))


def verify(request: Request, target: Target) -> bool:
    """Whether the URL is signed (403 for a bad signature, or a missing one where one is
    needed), and the Referer check."""
    signed = _check_signature(target.src, target.signed_path, target.raw_query)
    check_referer(target.src.config, request.headers.get("referer"))
    return signed


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


def parse(target: Target, signed: bool, limits: Limits) -> Wanted:
    """The original's path (a private one needs a signed URL), the chain, the expiry."""
    src = target.src
    rel_path, path_tr = target.rel_path, None
    if target.imagekit:
        rel_path, path_tr = split_path_transforms(rel_path)
    path = src.source.path_from_url(rel_path)
    if src.config.is_private_path(path):
        _refuse_private(signed)
    pairs = split_query(target.raw_query)
    seconds_left = _seconds_left(src, pairs)
    chain = _parse_chain(src.parser, path_tr, pairs, limits)
    if chain.original and not signed and not src.config.allow_original:
        # The stored file keeps its EXIF and GPS: its owner decides who may have it.
        raise HTTPError(403, "orig: serving the stored file needs a signed URL on this source")
    return Wanted(path, chain, seconds_left)



def with_client_hints(wanted: Wanted, request: Request, limits: Limits) -> Wanted:
    """`ch=width,dpr,save-data`: the request's hint headers set the last stage's width, dpr
    or quality, before the look-up, so the ETag (the cache key) names what they chose."""
    final = wanted.chain.final
    hinted = apply_client_hints(final, request.headers, limits)
    if hinted is final:
        return wanted
    return replace(wanted, chain=Chain((*wanted.chain.stages[:-1], hinted)))


def _seconds_left(src: SourceRuntime, pairs: list[tuple[str, str]]) -> int | None:
    """Seconds before the URL's `expires` (`ik-t`), or None; raises the expiry answer past it.

    An `ik-t` must be 10 digits, as ImageKit's SDKs write it (see app.signing_imagekit).
    An expiry further ahead than the source's `max_expiry_ahead` answers 400: a URL that
    lives for centuries is a mistake or a forgery, never what a backend meant to sign.
    """
    imagekit = src.config.scheme == "imagekit"
    name = IK_EXPIRY_PARAM if imagekit else EXPIRY_PARAM
    values = [v for k, v in pairs if k == name]
    if not values:
        return None
    if len(values) > 1:
        raise HTTPError(400, f"{name}: given more than once")
    if imagekit and not is_imagekit_expiry(values[0]):
        raise HTTPError(400, f"{name}: must be a time in unix seconds, exactly 10 digits")
    if not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 12:
        raise HTTPError(400, f"{name}: must be a time in unix seconds")
    left = int(values[0]) - int(time.time())
    if left <= 0:
        raise HTTPError(src.config.expired_status, "this URL has expired")
    horizon = src.config.max_expiry_ahead
    if left > horizon:
        raise HTTPError(
            400, f"{name}: more than {horizon} seconds ahead, this source's max_expiry_ahead"
        )
    return left


def _parse_chain(
    parser: Parser, path_tr: str | None, pairs: list[tuple[str, str]], limits: Limits
) -> Chain:
    """The source's parser (its dialect and presets) on the URL. Parsing is pure and hot
    URLs repeat; only short ones are cached, so the cache stays bounded in bytes (as
    transforms.query's split cache)."""
    size = len(path_tr or "") + sum(len(k) + len(v) for k, v in pairs)
    if size > CACHED_QUERY_BYTES:
        return parser.parse(path_tr, pairs, limits)
    return _parse_cached(parser, path_tr, tuple(pairs), limits)


@functools.lru_cache(maxsize=CACHED_QUERIES)  # errors are not cached
def _parse_cached(
    parser: Parser, path_tr: str | None, pairs: tuple[tuple[str, str], ...], limits: Limits
) -> Chain:
    """The parser is the source's (hashed by identity)."""
    return parser.parse(path_tr, list(pairs), limits)


@dataclass(frozen=True)
class Found:
    """What the look-up found: the answer's ETag (the result cache's key) and format."""

    etag: str
    fmt: str
    negotiated: bool  # the format came from Accept
    peek: Peek
    original: Original | None  # when it had to be fetched to be named
    marks: dict[str, MarkData]


async def look_up(
    request: Request, runtime: Runtime, target: Target, wanted: Wanted, signed: bool
) -> Found:
    """Name the answer. The original's validator comes from a peek where the source can
    tell it cheaply (then the original is read only if the render is not cached), else
    from fetching it; the marks' validators join it, so a new logo is a new ETag."""
    src, path, chain = target.src, wanted.path, wanted.chain
    original = None
    peek = await runtime.peek(src, path)
    if peek is None:
        # Admitted by the limiter before it is read: past the queue limit, 503 at once.
        original = await runtime.limiter.read(lambda: runtime.fetch(src, path))
        peek = Peek.of(original)
        original = runtime.keep(src, path, original)
    if peek.private:
        _refuse_private(signed)
    marks = await fetch_marks(
        MarkRequest(runtime, src, signed, target.signed_path, target.raw_query),
        chain.overlays,
        [image for stage in chain.stages for image in spec_images(stage)],  # mask, blend
    )
    accept = request.headers.get("accept", "")
    fmt, negotiated = choose_format(chain.final, sniff(peek.head), accept)
    validator = with_marks(peek.validator, marks)
    etag = make_etag(src.name, path, validator, chain.canonical(), fmt)
    return Found(etag, fmt, negotiated, peek, original, marks)


async def render_image(
    runtime: Runtime, target: Target, wanted: Wanted, found: Found
) -> tuple[bytes, str]:
    """The rendered bytes and where they came from (X-Signet-Cache)."""

    async def fetch_original() -> bytes:
        # On a miss after a peek: should the file change between the two, this render is
        # of the newer bytes; the next request's peek names it by its own validator.
        return (found.original or await runtime.fetch(target.src, wanted.path)).data

    args = (wanted.chain, found.fmt, runtime.limits, found.marks)
    return await render_cached(runtime, found.etag, fetch_original, render, *args)


def image_headers(src: SourceRuntime, wanted: Wanted, found: Found) -> dict[str, str]:
    headers = {"ETag": found.etag}
    ttl = src.config.default_image_ttl if wanted.default else src.config.ttl
    headers["Cache-Control"] = cache_control(ttl, wanted.seconds_left)
    if wanted.default:
        headers[DEFAULT_IMAGE_HEADER] = "true"
    if found.peek.last_modified is not None:
        headers["Last-Modified"] = http_date(found.peek.last_modified)
    if found.negotiated:
        headers["Vary"] = "Accept"
    add_output_headers(headers, wanted.chain.final, found.fmt, wanted.path)  # dl, ch, fallbacks
    add_referer_vary(headers, src.config)
    return headers


async def serve_image(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    target = route_request(request, runtime)
    if request.app.state.media.serves(target.src, target.rel_path):  # ImageKit's file API
        return await serve_media(request)
    signed = verify(request, target)
    wanted = parse(target, signed, runtime.limits)
    wanted = with_client_hints(wanted, request, runtime.limits)
    try:
        found = await look_up(request, runtime, target, wanted, signed)
    except NotFound:
        fallback = default_path(target.src, wanted.chain, wanted.path, signed)
        if fallback is None:
            raise
        wanted = replace(wanted, path=fallback, default=True)
        found = await look_up(request, runtime, target, wanted, signed)
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

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            *(console_routes() if console else []),  # /console/...
            *ops_routes(runtime),  # /readyz, /metrics
            Route("/{path:path}", serve_image, methods=["GET", "HEAD"]),
            Route("/{path:path}", serve_media, methods=["POST", "PATCH", "DELETE"]),
        ],
        middleware=[*origin_middleware(settings, runtime), *ops_middleware(runtime)],
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
