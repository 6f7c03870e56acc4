"""One GET over HTTP for the web sources: redirects, status mapping, a byte limit, a deadline."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime

import anyio
import httpx

from sources.base import NotFound, Original, TimedOut, TooLarge, Unreachable

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REQUEST_HEADERS = {"User-Agent": "Signet", "Accept": "image/*,*/*;q=0.8"}


def new_client(
    timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A client shared by one source for its whole life (its connection pool is the point)."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,  # followed by hand, so that every hop is checked
        # Proxy variables from the environment would route around the checks on where we
        # connect; an operator who needs an egress proxy must say so explicitly.
        trust_env=False,
        headers=REQUEST_HEADERS,
    )


def _last_modified(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(f"the original is over the limit of {max_bytes} bytes")


async def _read_body(response: httpx.Response, max_bytes: int) -> Original:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            # Closing the response mid-body drops the connection: the rest is never read.
            raise _too_large(max_bytes)
    content_type = response.headers.get("content-type")
    return Original(
        data=bytes(body),
        content_type=content_type.split(";", 1)[0].strip().lower() if content_type else None,
        etag=response.headers.get("etag"),
        last_modified=_last_modified(response.headers.get("last-modified")),
    )


def _status_error(status: int, path: str) -> Exception:
    if status in (404, 410):
        return NotFound(f"no such image: {path}")
    if 400 <= status < 500:
        return Unreachable(f"the source refused the request (status {status})")
    if status >= 500:
        return Unreachable(f"the source failed (status {status})")
    return Unreachable(f"the source answered with an unexpected status ({status})")


async def _follow(
    client: httpx.AsyncClient,
    url: httpx.URL,
    path: str,
    max_bytes: int,
    max_redirects: int,
    check_url: Callable[[httpx.URL], None],
) -> Original:
    for _ in range(max_redirects + 1):
        check_url(url)
        response = await client.send(client.build_request("GET", url), stream=True)
        try:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise Unreachable("the source redirected without a location")
                try:
                    url = url.join(location)
                except httpx.InvalidURL:
                    raise Unreachable("the source redirected to an invalid URL") from None
                continue
            if response.status_code != 200:
                raise _status_error(response.status_code, path)
            return await _read_body(response, max_bytes)
        finally:
            await response.aclose()
    raise Unreachable("the source redirected too many times")


async def fetch_url(
    client: httpx.AsyncClient,
    url: httpx.URL,
    *,
    path: str,
    max_bytes: int,
    timeout: float,
    max_redirects: int,
    check_url: Callable[[httpx.URL], None],
) -> Original:
    """GET `url`, following up to `max_redirects` redirects, each vetted by `check_url`.

    `timeout` bounds the whole fetch, redirects and body included, so a slow trickle of
    bytes cannot hold a request open past it. `path` is what error messages name.
    """
    try:
        with anyio.fail_after(timeout):
            return await _follow(client, url, path, max_bytes, max_redirects, check_url)
    except (TimeoutError, httpx.TimeoutException):
        raise TimedOut("the source did not answer in time") from None
    except httpx.HTTPError:
        # httpx's messages can carry resolved addresses; say only what happened.
        raise Unreachable("the source could not be reached") from None
    except httpx.InvalidURL:
        raise Unreachable("the source URL is invalid") from None
