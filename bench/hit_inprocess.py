"""In-process cost of a cached hit: the ASGI call alone (no server, no socket), for the
hit path (app.hit_path) and the full path (the same app with the layer taken out), and
the bare Starlette handler of bench/bare_app.py. A quick check, not a load run:

    .venv/bin/python -m bench.hit_inprocess [ROUNDS]

Prints microseconds per request (the best of 5 rounds) for a hit of workload (d)'s URL
and for a 304 of it: wall time, CPU of the process, CPU of the event loop's thread
(the folder's peek runs in a worker thread: in the process's CPU, not the loop's).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from app.hit_path import HitPath
from app.service import create_app
from app.settings import load_settings
from bench import asgi
from bench.bare_app import create_app as bare_app
from tests import imagegen


async def _status(app, request: dict) -> int:
    return (await asgi.call(app, request))[0]


async def _per_request(app, scope: dict, n: int) -> tuple[float, float, float]:
    """Microseconds per request, the best of 5 rounds of `n`: wall time, CPU of the
    process (the peek's worker thread included) and CPU of the event loop's thread."""
    assert await _status(app, scope) in (200, 304)
    best = [float("inf")] * 3
    for _ in range(5):
        started = (time.perf_counter(), time.process_time(), time.thread_time())
        for _ in range(n):
            await _status(app, scope)
        ended = (time.perf_counter(), time.process_time(), time.thread_time())
        best = [min(b, (e - s) / n * 1e6) for b, s, e in zip(best, started, ended, strict=True)]
    return best[0], best[1], best[2]


async def main(n: int) -> None:
    root = Path(tempfile.mkdtemp())
    (root / "photo.jpg").write_bytes(imagegen.jpeg(2400, 1600))
    settings = lambda: load_settings(  # noqa: E731
        None, sources=[{"name": "bench", "type": "folder", "root": str(root)}]
    )
    fast = create_app(settings())
    full = create_app(settings())
    full.user_middleware = [m for m in full.user_middleware if m.cls is not HitPath]
    os.environ["BENCH_BARE_FILE"] = str(root / "photo.jpg")
    bare = bare_app()
    hit = asgi.scope("/bench/photo.jpg", b"w=300&h=300&fit=max&q=80", [])
    status = await _status(fast, hit)
    assert status == 200
    rows = [("bare Starlette handler", bare, hit)]
    etag = None
    for name, app in (("full path", full), ("hit path", fast)):
        rows.append((f"{name}, hit", app, hit))
    # A 304: the ETag of the render, as a CDN revalidates.
    captured: dict[str, str] = {}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            captured.update((k.decode(), v.decode()) for k, v in message["headers"])

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    await fast(dict(hit), receive, send)
    etag = captured["etag"]
    revalidate = asgi.scope(hit["path"], hit["query_string"], [(b"if-none-match", etag.encode())])
    for name, app in (("full path", full), ("hit path", fast)):
        rows.append((f"{name}, 304", app, revalidate))
    print(f"{'us per request':28} {'wall':>8} {'CPU':>8} {'loop CPU':>8}")
    for name, app, request in rows:
        wall, cpu, loop = await _per_request(app, request, n)
        print(f"{name:28} {wall:8.1f} {cpu:8.1f} {loop:8.1f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
