"""One GET over HTTP for the web sources: redirects, status mapping, a byte limit, a deadline."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime

import anyio
import httpx

from sources.base import (
    BadPath,
    NotFound,
    Original,
    TimedOut,
    TooLarge,
    Unreachable,
    http_time,
)
from sources.content_encoding import ACCEPT_ENCODING, BodyDecoder

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REQUEST_HEADERS = {
    "User-Agent": "Signet",
    "Accept": "image/*,*/*;q=0.8",
    "Accept-Encoding": ACCEPT_ENCODING,  # what sources.content_encoding decodes, bounded
}


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
        seconds = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return http_time(seconds)


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(f"the original is over the limit of {max_bytes} bytes")


async def _read_body(response: httpx.Response, max_bytes: int) -> Original:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), max_bytes)
    body = bytearray()
    raw_bytes = 0
    # Raw, decoded by us in bounded steps (httpx's own decoding inflates a chunk whole).
    async for chunk in response.aiter_raw():
        raw_bytes += len(chunk)
        if raw_bytes > max_bytes:
            # Closing the response mid-body drops the connection: the rest is never read.
            raise _too_large(max_bytes)
        body += decoder.feed(chunk)
    body += decoder.finish()
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


def _check_host(url: httpx.URL, redirected: bool) -> None:
    """httpx decodes an `xn--` host when it builds the request, and raises what idna raises
    (`http://xn--/`): find out first, and say which side was wrong."""
    try:
        url.host  # noqa: B018 - decoding it is the check
    except (UnicodeError, ValueError):
        if redirected:
            raise Unreachable("the source redirected to an invalid host name") from None
        raise BadPath("the URL's host is not a valid domain name") from None


async def _follow(
    client: httpx.AsyncClient,
    url: httpx.URL,
    path: str,
    max_bytes: int,
    max_redirects: int,
    check_url: Callable[[httpx.URL], None],
) -> Original:
    for hop in range(max_redirects + 1):
        _check_host(url, redirected=hop > 0)
        check_url(url)
        try:
            response = await client.send(client.build_request("GET", url), stream=True)
        except (UnicodeError, httpx.InvalidURL):
            # httpx builds a redirect's next request itself (even when not following it),
            # decoding the Location's host: an invalid `xn--` one raises there.
            raise Unreachable("the source redirected to an invalid URL") from None
        try:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise Unreachable("the source redirected without a location")
                try:
                    url = url.join(location)
                except (httpx.InvalidURL, UnicodeError, ValueError):  # idna's errors too
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
    except (httpx.InvalidURL, UnicodeError):
        raise Unreachable("the source URL is invalid") from None
