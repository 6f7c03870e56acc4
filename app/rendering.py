"""Render an image, or take it from the result cache: the one call the service makes.

Time limits, and what happens to work nobody waits for any more:
- a request waits at most `limits.transform_timeout` seconds for its render (queue wait
  included), then answers 504;
- Python cannot kill a thread, so the render itself is bounded instead: by the pixel
  limits, and by a check of the same deadline between pipeline steps (measured from when
  the render starts), after which it stops at the next step;
- a render whose requesters have all gone (timed out, or their clients disconnected,
  which uvicorn does not turn into a cancellation) still runs to its end in its own task,
  holding its worker slot, so the limiter keeps counting it and overload still answers 503
  rather than piling up threads; its result goes to the cache for the retry.

Memory: the original is read only once the limiter has admitted the render and it is
among the next in line for a worker (app.limiter), so a burst of requests answers 503
before reading anything, and requests waiting in the queue hold no originals.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from transforms.errors import TooSlow

if TYPE_CHECKING:
    from app.runtime import Runtime

# After a large render, freed memory goes back to the system. glibc keeps freed blocks in
# its arenas (and raises its mmap threshold after the first large free, so later image
# buffers come from the arenas too): a worker stayed at gigabytes after big renders.
# Measured on 2 renders at once of a 25 MP RGBA PNG: 198 MiB resident after them, 22 MiB
# after malloc_trim(0), which costs 0.1 to 0.2 ms; MALLOC_ARENA_MAX=2 left 150 MiB.
# A fixed M_MMAP_THRESHOLD of 1 MiB also worked (23 MiB) but makes every large buffer a
# fresh mmap, paid on every render; the trim is paid only after large ones.
# Large: its original or output is large, or it took long (a big decode, even of a small,
# well-compressed file); thumbnails of ordinary photos take a few ms and are not trimmed for.
# Not an ordinary photo's 1-3 MB: trimming after each one (1 MiB was the mark) cost about
# 0.4 ms of CPU per render (issue 16), the trim itself and the page faults of the next
# render, which gets its buffers from the system again. What such a render leaves in an
# arena is reused by the next one; glibc mmaps buffers above its threshold (at most 32 MiB).
TRIM_AFTER_BYTES = 4 << 20
TRIM_AFTER_PIXELS = 1_000_000
TRIM_AFTER_SECONDS = 0.05


def _malloc_trim() -> Callable[[], object]:
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


release_memory = _malloc_trim()


async def render_cached(
    runtime: Runtime,
    key: str,
    load: Callable[[], Awaitable[bytes]],
    fn: Callable[..., Any],
    *args: object,
) -> tuple[bytes, str]:
    """`fn(await load(), *args).data` through the result cache; the render runs in a worker
    thread under the limiter, and `load` (the original's bytes) is only awaited on a miss.

    Returns the bytes and the `X-Signet-Cache` value (hit-memory, hit-disk, hit-s3, miss).
    `key` is the response's ETag, which names everything the output depends on.
    """
    metrics = runtime.metrics

    def timed(data: bytes) -> bytes:
        started = time.perf_counter()
        large = len(data) >= TRIM_AFTER_BYTES
        try:
            rendered = fn(data, *args)
            large = large or rendered.width * rendered.height >= TRIM_AFTER_PIXELS
            return rendered.data
        finally:
            took = time.perf_counter() - started
            metrics.transforms.inc()
            metrics.transform_seconds.observe(took)
            if large or took >= TRIM_AFTER_SECONDS:
                release_memory()

    async def work() -> bytes:
        # Admitted (or 503) before `load` reads the original; waiting, it holds none.
        return await runtime.limiter.run_after(load, timed)

    timeout = runtime.settings.limits.transform_timeout
    try:
        return await runtime.results.get_or_render(key, work, timeout)
    except TimeoutError:
        raise TooSlow("the image took too long to render") from None  # answered 504
