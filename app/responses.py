"""Building answers: images with caching headers, and plain-text errors."""

from __future__ import annotations

import functools
import hashlib
from email.utils import formatdate

from starlette.requests import Request
from starlette.responses import Response

from app.errors import HTTPError
from app.limiter import Overloaded

ERROR_404_MAX_AGE = 60  # a short TTL so a CDN absorbs repeated misses without pinning them


def error_response(err: HTTPError) -> Response:
    cache = f"public, max-age={ERROR_404_MAX_AGE}" if err.status == 404 else "no-store"
    headers = {"Cache-Control": cache, **err.headers}
    return Response(err.message + "\n", err.status, headers=headers, media_type="text/plain")


async def overloaded_response(request: Request, exc: Exception) -> Response:
    """The exception handler for Overloaded: 503 with Retry-After."""
    assert isinstance(exc, Overloaded)
    return error_response(HTTPError(503, str(exc), {"Retry-After": str(exc.retry_after)}))


def make_etag(*parts: str) -> str:
    return '"' + hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest() + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (t.strip().removeprefix("W/") for t in if_none_match.split(","))
    return etag in tags


def cache_control(ttl: int, seconds_left: int | None) -> str:
    max_age = ttl if seconds_left is None else max(0, min(ttl, seconds_left))
    return f"public, max-age={max_age}"


@functools.lru_cache(maxsize=4096)  # one per original's mtime: the same few, over and over
def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)
