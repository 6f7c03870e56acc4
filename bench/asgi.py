"""One ASGI request in-process (no server, no socket), for the in-process measurements
(bench/cpu_inprocess.py, bench/hit_inprocess.py)."""

from __future__ import annotations

from typing import Any

Headers = list[tuple[bytes, bytes]]


def scope(path: str, query: bytes = b"", headers: Headers | None = None) -> dict[str, Any]:
    """A GET of `path?query` from 127.0.0.1 to 127.0.0.1:8080, with `headers` after Host."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "root_path": "", "headers": [(b"host", b"127.0.0.1:8080"), *(headers or [])],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080),
    }


async def call(app: Any, request: dict[str, Any]) -> tuple[int, Headers, bytes]:
    """The status, the raw headers and the body `app` answers `request` with."""
    status, headers, body = 0, [], []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.extend(message["headers"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(dict(request), receive, send)
    return status, headers, b"".join(body)


def header(headers: Headers, name: str) -> str | None:
    wanted = name.lower().encode()
    return next((v.decode() for k, v in headers if k.lower() == wanted), None)
