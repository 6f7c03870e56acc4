"""Runtime.peek runs a source's look in that source's own threads (issue 16): bounded by
source_timeout, abandoned past it, and a stalled source starves only its own peeks."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from app.runtime import PEEK_THREADS, Runtime, SourceRuntime
from app.settings import load_settings
from sources.base import Peek, TimedOut


class StallingSource:
    """A source whose peek blocks (a stalled disk) until `released` is set."""

    name = "stalling"
    requires_signature = False
    cache_originals = False

    def __init__(self) -> None:
        self.released = threading.Event()
        self.threads: set[str] = set()

    def path_from_url(self, raw_path: str) -> str:
        return raw_path

    def peek(self, path: str) -> Peek:
        self.threads.add(threading.current_thread().name)
        self.released.wait(30)
        return Peek("v-" + path, b"", None, False)

    async def close(self) -> None:
        return None


@pytest.fixture
def runtime(tmp_path) -> Runtime:
    settings = load_settings(
        None,
        limits={"source_timeout": 0.3},
        sources=[{"name": "m", "type": "folder", "root": str(tmp_path)}],
    )
    return Runtime.build(settings)


def test_a_stalled_peek_times_out_and_another_source_still_peeks(runtime, tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 300)
    stalling = StallingSource()
    stalled = SourceRuntime(runtime.sources["m"].config, stalling, ())
    healthy = runtime.sources["m"]

    async def main() -> tuple[list[float], Peek]:
        took = []
        for i in range(PEEK_THREADS + 2):  # more than its threads: the rest wait, then 504
            began = time.monotonic()
            with pytest.raises(TimedOut):
                await runtime.peek(stalled, f"x{i}.jpg")
            took.append(time.monotonic() - began)
        return took, await runtime.peek(healthy, "a.jpg")  # its own threads: not starved

    took, peek = anyio.run(main)
    assert max(took) < 2, took  # each within about one source_timeout
    assert peek.head.startswith(b"\xff\xd8\xff") and peek.validator.startswith("b2-")
    assert len(stalling.threads) <= PEEK_THREADS  # the stalled ones are bounded
    assert all(name.startswith("signet-peek-m") for name in stalling.threads)
    stalling.released.set()  # the disk comes back: the source peeks again

    async def again() -> Peek:
        return await runtime.peek(stalled, "y.jpg")

    assert anyio.run(again).validator == "v-y.jpg"
    anyio.run(runtime.close)
