"""Runtime.peek, and Runtime.fetch of a source that can `read` (a folder), run in that
source's own threads (issue 16): bounded by source_timeout, abandoned past it, and a
stalled source starves only its own calls."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from app.runtime import SOURCE_THREADS, Runtime, SourceRuntime
from app.settings import load_settings
from sources.base import Original, Peek, TimedOut


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

    def read(self, path: str) -> Original:
        self.threads.add(threading.current_thread().name)
        self.released.wait(30)
        return Original(data=b"bytes of " + path.encode(), etag="v-" + path)

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

    healthy.source.read("a.jpg")  # read whole once: its digest is known, so a peek names it

    async def main() -> tuple[list[float], Peek]:
        took = []
        for i in range(SOURCE_THREADS + 2):  # more than its threads: the rest wait, then 504
            began = time.monotonic()
            with pytest.raises(TimedOut):
                await runtime.peek(stalled, f"x{i}.jpg")
            took.append(time.monotonic() - began)
        return took, await runtime.peek(healthy, "a.jpg")  # its own threads: not starved

    took, peek = anyio.run(main)
    assert max(took) < 2, took  # each within about one source_timeout
    assert peek.head.startswith(b"\xff\xd8\xff") and peek.validator.startswith("b2-")
    assert len(stalling.threads) <= SOURCE_THREADS  # the stalled ones are bounded
    assert all(name.startswith("signet-m") for name in stalling.threads)
    stalling.released.set()  # the disk comes back: the source peeks again

    async def again() -> Peek:
        return await runtime.peek(stalled, "y.jpg")

    assert anyio.run(again).validator == "v-y.jpg"
    anyio.run(runtime.close)


def test_a_stalled_read_times_out_past_source_timeout_and_its_margin(runtime, tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 300)
    stalling = StallingSource()
    stalled = SourceRuntime(runtime.sources["m"].config, stalling, ())

    async def main() -> tuple[float, Original]:
        began = time.monotonic()
        with pytest.raises(TimedOut):
            await runtime.fetch(stalled, "x.jpg")
        took = time.monotonic() - began
        return took, await runtime.fetch(runtime.sources["m"], "a.jpg")

    took, original = anyio.run(main)
    assert 1.0 < took < 3, took  # source_timeout 0.3 s + FETCH_MARGIN 1 s
    assert original.data.startswith(b"\xff\xd8\xff") and original.validator.startswith("b2-")
    assert all(name.startswith("signet-m") for name in stalling.threads)
    stalling.released.set()
    anyio.run(runtime.close)
