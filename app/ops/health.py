"""`/readyz`: is this worker ready for traffic? Cheap enough for a probe every second.

Folder sources must have their root folder; remote sources (S3, web) count as ready once
configured and built: checking them would put a probe's load, and a remote outage, on
every instance at once, and their failures already answer 502/504 per request. The answer
is kept for a few seconds so a busy prober costs one check per interval.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.runtime import Runtime, SourceRuntime
from app.settings_sources import FolderSourceConfig

KEEP_SECONDS = 3.0


def _source_problem(src: SourceRuntime) -> str | None:
    if isinstance(src.config, FolderSourceConfig) and not Path(src.config.root).is_dir():
        # The name only: the folder's path is an internal detail.
        return f"source {src.name!r}: its folder is missing"
    return None


def _problems(runtime: Runtime) -> list[str]:
    found = [_source_problem(s) for s in runtime.sources.values()]
    if not runtime.sources:
        found.append("no source is configured")
    return [p for p in found if p]


class _Checked:
    at = float("-inf")
    problems: list[str] = []


def readiness_endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    checked = _Checked()

    async def readyz(request: Request) -> Response:
        now = time.monotonic()
        if now - checked.at > KEEP_SECONDS:
            # A stat on a hung network mount must not stall the event loop.
            checked.problems = await anyio.to_thread.run_sync(_problems, runtime)
            checked.at = now
        problems = checked.problems
        headers = {"Cache-Control": "no-store"}
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems) + "\n", 503, headers)
        return PlainTextResponse("ready\n", headers=headers)

    return readyz
