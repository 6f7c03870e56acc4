"""The first stages of an image request: route (which source), verify (signature,
Referer), parse (the original's path, and the query through transforms.parser: presets
and both dialects), each a small function; app.service runs them in order.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

from starlette.requests import Request

from app.errors import HTTPError
from app.referer import check_referer
from app.runtime import SOURCE_SCOPE_KEY, Runtime, SourceRuntime
from app.signing import EXPIRY_PARAM, Signature, verify_signature
from app.signing_imagekit import EXPIRY_PARAM as IK_EXPIRY_PARAM
from app.signing_imagekit import is_imagekit_expiry
from transforms.dialects.imagekit import split_path_transforms
from transforms.hints import apply_client_hints
from transforms.parser import Parser
from transforms.query import CACHED_QUERIES, CACHED_QUERY_BYTES, split_query
from transforms.spec import Chain, Limits


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
    expires: int | None = None  # the URL's expiry, unix seconds


# Kept plans (see `plan`): entries, and the longest request (Host, path, query, Referer)
# kept, so that they stay under 4096 x 2 KiB of keys (and their parsed values).
PLANNED = 4096
PLANNED_BYTES = 2048


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


def refuse_private(signed: bool) -> None:
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
        refuse_private(signed)
    pairs = split_query(target.raw_query)
    expires = _expiry(src, pairs)
    seconds_left = _time_left(src, expires)
    chain = _parse_chain(src.parser, path_tr, pairs, limits)
    if chain.original and not signed and not src.config.allow_original:
        # The stored file keeps its EXIF and GPS: its owner decides who may have it.
        raise HTTPError(403, "orig: serving the stored file needs a signed URL on this source")
    return Wanted(path, chain, seconds_left, expires=expires)


def plan(
    request: Request, runtime: Runtime, media_serves: Callable[[SourceRuntime, str], bool]
) -> tuple[Target, bool, Wanted] | None:
    """route_request, verify and parse, in that order; None when the media file API
    serves the URL (`media_serves`, asked between routing and verifying).

    What they make of a request depends only on its Host, path, query and Referer (and on
    the time, for an expiry, which is checked again on every request), so it is kept per
    distinct one, in `runtime.plans`: on a cached hit these three cost more than all the
    rest (issue 16). An error is not kept: it is met again. Bounded: PLANNED requests, of
    PLANNED_BYTES at most, least recently used first out.
    """
    key = _plan_key(request)
    kept = runtime.plans.get(key)
    if kept is not None:
        runtime.plans.move_to_end(key)
        target, signed, wanted = kept
        request.scope[SOURCE_SCOPE_KEY] = target.src.name  # for the request metrics
        if wanted.expires is not None:
            wanted = replace(wanted, seconds_left=_time_left(target.src, wanted.expires))
        return target, signed, wanted
    target = route_request(request, runtime)
    if media_serves(target.src, target.rel_path):
        return None
    signed = verify(request, target)
    wanted = parse(target, signed, runtime.limits)
    if sum(len(part or "") for part in key) <= PLANNED_BYTES:
        runtime.plans[key] = (target, signed, wanted)
        if len(runtime.plans) > PLANNED:
            runtime.plans.popitem(last=False)
    return target, signed, wanted


def _plan_key(request: Request) -> tuple[str, str, bytes, str | None]:
    headers = request.headers
    raw_query: bytes = request.scope.get("query_string", b"")
    return headers.get("host", ""), _raw_path(request), raw_query, headers.get("referer")


def is_kept(request: Request, runtime: Runtime, wanted: Wanted) -> bool:
    """Whether `wanted` is what `runtime.plans` keeps for this request (bounded there)."""
    kept = runtime.plans.get(_plan_key(request))
    return kept is not None and kept[2] is wanted


def with_client_hints(wanted: Wanted, request: Request, limits: Limits) -> Wanted:
    """`ch=width,dpr,save-data`: the request's hint headers set the last stage's width, dpr
    or quality, before the look-up, so the ETag (the cache key) names what they chose."""
    final = wanted.chain.final
    hinted = apply_client_hints(final, request.headers, limits)
    if hinted is final:
        return wanted
    return replace(wanted, chain=Chain((*wanted.chain.stages[:-1], hinted)))


def _expiry(src: SourceRuntime, pairs: list[tuple[str, str]]) -> int | None:
    """The URL's `expires` (`ik-t`) in unix seconds, or None; 400 for a malformed one.

    An `ik-t` must be 10 digits, as ImageKit's SDKs write it (see app.signing_imagekit).
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
    return int(values[0])


def _time_left(src: SourceRuntime, expires: int | None) -> int | None:
    """Seconds before `expires`, or None; raises the expiry answer past it.

    An expiry further ahead than the source's `max_expiry_ahead` answers 400: a URL that
    lives for centuries is a mistake or a forgery, never what a backend meant to sign.
    """
    if expires is None:
        return None
    left = expires - int(time.time())
    if left <= 0:
        raise HTTPError(src.config.expired_status, "this URL has expired")
    horizon = src.config.max_expiry_ahead
    if left > horizon:
        name = IK_EXPIRY_PARAM if src.config.scheme == "imagekit" else EXPIRY_PARAM
        raise HTTPError(
            400, f"{name}: more than {horizon} seconds ahead, this source's max_expiry_ahead"
        )
    return left


def _parse_chain(
    parser: Parser, path_tr: str | None, pairs: list[tuple[str, str]], limits: Limits
) -> Chain:
    """The source's parser (its dialect and presets) on the URL. Parsing is pure and hot
    URLs repeat; only short ones are cached, so the cache stays bounded in bytes (as
    transforms.query's split cache).

    The parser skips its `passthrough` keys (the signature, the expiry), so they are left
    out before it runs and of the cache's key: a site asks for the same few
    transformations of many images, each URL with its own signature, and a parse (about
    0.25 ms of CPU for a five-parameter imgix query) is then made once per transformation,
    not once per image (issue 16)."""
    pairs = [pair for pair in pairs if pair[0] not in parser.passthrough]
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
