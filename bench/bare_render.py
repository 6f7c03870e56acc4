"""The cold-render ceiling of a Python server: a bare Starlette handler around the limit.

Each request names a file of the bench folder (`/<anything>/<its path>`); the handler
reads it and runs the workload's limit function (bench/workloads.py) on it, both in one
worker thread, and answers the bytes. No signature, no peek, no cache, no limiter, one
thread hand-off where Signet's design makes three (peek, read, render): what uvicorn,
Starlette, HTTP and the hand-off cost on top of the limit's decode, resize and encode,
with wrk on the same cores. Served as Signet is (bench/reuseport.py, one SO_REUSEPORT
socket per worker, one thread per core in each), so the gap between the two is Signet's
own work.

    BENCH_RENDER_ROOT=DIR BENCH_RENDER_LIMIT=fit_300_jpeg \\
        python -m bench.reuseport --app bench.bare_render:create_app --port P --workers 2
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bench.workloads import LIMIT_FUNCTIONS

MARK = "logo.png"  # the workloads' watermark, in the same folder (bench/images.py)


def create_app() -> Starlette:
    root = Path(os.environ["BENCH_RENDER_ROOT"]).resolve()
    limit = LIMIT_FUNCTIONS[os.environ["BENCH_RENDER_LIMIT"]]
    media_type = os.environ.get("BENCH_RENDER_TYPE", "image/jpeg")
    logo = (root / MARK).read_bytes() if (root / MARK).exists() else None
    pool = ThreadPoolExecutor(os.cpu_count() or 1)

    def work(name: str) -> bytes | None:
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return limit(path.read_bytes(), logo)

    async def render(request: Request) -> Response:
        name = request.path_params["path"].partition("/")[2]  # after the source's name
        body = await asyncio.get_running_loop().run_in_executor(pool, work, name)
        if body is None:
            return PlainTextResponse("no such file", 404)
        return Response(body, media_type=media_type)

    async def ready(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthz", ready), Route("/{path:path}", render)])
