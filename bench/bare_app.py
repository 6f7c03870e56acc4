"""The cached-hit limit: a bare Starlette handler answering the same bytes from memory.

Run under uvicorn with the settings `signet serve` uses (factory, no server header, same
worker count, one SO_REUSEPORT socket per worker: bench.servers.bare_handler), so the
gap to Signet is Signet's own per-request work.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app() -> Starlette:
    body = Path(os.environ["BENCH_BARE_FILE"]).read_bytes()
    media_type = os.environ.get("BENCH_BARE_TYPE", "image/jpeg")
    headers = {
        "ETag": '"bench"',
        "Cache-Control": "public, max-age=31536000",
        "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
    }

    async def cached(request: Request) -> Response:
        return Response(body, headers=headers, media_type=media_type)

    return Starlette(routes=[Route("/{path:path}", cached, methods=["GET", "HEAD"])])
