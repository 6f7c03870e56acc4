"""A folder on a web server: `/{source}/a/b.jpg` fetches `{base_url}a/b.jpg`.

Redirects are followed (up to 3) only within the base URL's origin: the operator chose
that server, not whatever it points at, and an open redirect on it must not turn this
source into a proxy for arbitrary URLs.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from sources.base import Original, Unreachable
from sources.http_fetch import fetch_url, new_client
from sources.paths import decode_path

MAX_REDIRECTS = 3
# Sub-delimiters and ':' '@' are legal in a path segment; '?', '#' and '%' must be escaped
# or the decoded name would turn into a query, a fragment or a different escape.
_PATH_SAFE = "/!$&'()*+,;=:@~"


class WebFolderSource:
    requires_signature = False
    cache_originals = True

    def __init__(self, name: str, *, base_url: str, max_bytes: int, timeout: float) -> None:
        base = httpx.URL(base_url)
        if base.scheme not in ("http", "https") or not base.host:
            raise ValueError("base_url must be an absolute http or https URL")
        if base.query or base.fragment:
            raise ValueError("base_url may not have a query or fragment")
        self.name = name
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._base = str(base) if str(base).endswith("/") else f"{base}/"
        self._origin = (base.scheme, base.host, base.port)
        self._client = new_client(timeout)

    def path_from_url(self, raw_path: str) -> str:
        return decode_path(raw_path)

    def _same_origin(self, url: httpx.URL) -> None:
        if (url.scheme, url.host, url.port) != self._origin:
            raise Unreachable("the source redirected to another server")

    async def fetch(self, path: str) -> Original:
        url = httpx.URL(self._base + quote(path, safe=_PATH_SAFE))
        return await fetch_url(
            self._client,
            url,
            path=path,
            max_bytes=self.max_bytes,
            timeout=self.timeout,
            max_redirects=MAX_REDIRECTS,
            check_url=self._same_origin,
        )

    async def close(self) -> None:
        await self._client.aclose()
