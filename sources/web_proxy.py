"""Any public image on the web: the whole remote URL is the path after the source prefix.

`/{source}/https%3A%2F%2Fh.example%2Fa+b.jpg%3Fx%3D1` (the form imgix's client libraries
build: the URL form-encoded whole) or, plainly, `/{source}/https://h.example/a.jpg`.
Because anyone could otherwise use Signet as an open proxy, the app must require a valid
signature on every URL of this source (`requires_signature`), and `sources.ssrf` keeps it
away from private, loopback, link-local and metadata addresses on every redirect hop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote_plus

import httpx

from sources.base import BadPath, Original
from sources.http_fetch import fetch_url, new_client
from sources.paths import BAD_ESCAPE, has_control_character
from sources.pinned import PinnedBackend, PinnedTransport, Resolver, resolve_host
from sources.ssrf import AddressPolicy

_ENCODED_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*%3[Aa]")
_PLAIN_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/*")


def decode_remote_url(raw_path: str) -> str:
    """The remote URL a raw (still percent-encoded) path after the source prefix names."""
    if BAD_ESCAPE.search(raw_path):
        raise BadPath("the path has a malformed percent-escape")
    if _ENCODED_URL.match(raw_path):
        try:
            url = unquote_plus(raw_path, errors="strict")
        except UnicodeDecodeError:
            raise BadPath("the URL is not valid UTF-8") from None
    elif match := _PLAIN_URL.match(raw_path):
        # Proxies and servers often merge `//` into `/`, so `https:/h.example/x` is accepted.
        # The plain form is used as sent: its escapes and '+' belong to the remote URL.
        url = f"{match.group(1)}://{raw_path[match.end() :]}"
    else:
        raise BadPath("the path must be a whole http or https URL")
    if has_control_character(url):
        raise BadPath("the URL contains a control character")
    if "\\" in url:
        raise BadPath("the URL may not contain a backslash")  # parsers disagree on its meaning
    return url


class WebProxySource:
    requires_signature = True
    cache_originals = True

    def __init__(
        self,
        name: str,
        *,
        max_bytes: int,
        timeout: float,
        allowed_hosts: Sequence[str] = (),
        allowed_networks: Sequence[str] = (),
        max_redirects: int = 3,
        resolver: Resolver = resolve_host,
    ) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.policy = AddressPolicy(allowed_hosts, allowed_networks)
        transport = PinnedTransport(PinnedBackend(self.policy, resolver), httpx.Limits())
        self._client = new_client(timeout, transport)

    def path_from_url(self, raw_path: str) -> str:
        return decode_remote_url(raw_path)

    async def fetch(self, path: str) -> Original:
        try:
            url = httpx.URL(path)
        except (httpx.InvalidURL, ValueError):
            raise BadPath("the path is not a valid URL") from None
        return await fetch_url(
            self._client,
            url.copy_with(fragment=None),
            path=path,
            max_bytes=self.max_bytes,
            timeout=self.timeout,
            max_redirects=self.max_redirects,
            check_url=self.policy.check_url,
        )

    async def close(self) -> None:
        await self._client.aclose()
