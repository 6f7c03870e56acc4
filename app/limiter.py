"""Runs CPU-bound work in worker threads, a bounded number at a time, with a bounded queue.

Past the queue it raises `Overloaded`; the edge answers that 503 with Retry-After
(app.responses.overloaded_response, registered in app.service.create_app).

Memory follows the queue, not the connections: a request is admitted (or refused with 503)
before its original is read, and a waiting request holds no original. Only the `workers`
requests next in line read theirs (read-ahead, so that a worker that frees up finds its
input ready); the rest wait holding nothing. So at most 2 x `workers` originals are in
memory for renders at once, however many requests wait.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.threads import Threads

T = TypeVar("T")
D = TypeVar("D")

RETRY_AFTER = 1  # seconds a refused client is told to wait


class Overloaded(Exception):
    """Every worker is busy and the queue is full: refused before the work started."""

    def __init__(self, retry_after: int = RETRY_AFTER) -> None:
        super().__init__("overloaded, try again shortly")
        self.retry_after = retry_after


class WorkLimiter:
    def __init__(
        self,
        workers: int,
        max_queue: int,
        on_change: Callable[[int, int], None] | None = None,
    ) -> None:
        self.workers = workers
        self.max_queue = max_queue
        # The threads, one per slot, so a render handed to one starts at once. asyncio's
        # own primitives, not anyio's: these are on every render's path, and anyio's
        # semaphores and to_thread each add checkpoints (loop iterations), cancel scopes
        # and a limiter of their own, about 0.2 ms of CPU per render (issue 16); the
        # hand-off to a thread is app.threads' (a quarter less CPU than run_in_executor's).
        self._threads = Threads(workers, "signet-render")
        self._gates: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore, asyncio.Semaphore] | None
        self._gates = None  # made in the serving loop (asyncio's are bound to one)
        self.in_flight = 0  # running plus waiting
        self.running = 0  # in a worker thread now
        self._lock = threading.Lock()  # `running` changes in worker threads
        # Told (running, waiting) on every change, from the loop or a worker thread: metrics.
        self.on_change = on_change

    @property
    def waiting(self) -> int:
        return max(0, self.in_flight - self.running)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.running, self.waiting)

    def _semaphores(self) -> tuple[asyncio.Semaphore, asyncio.Semaphore]:
        """(read-ahead: who may hold an original; slots: taken before the thread, by its
        task), made in the running loop (a new loop, as a test's, gets new ones)."""
        loop = asyncio.get_running_loop()
        if self._gates is None or self._gates[0] is not loop:
            self._gates = (loop, asyncio.Semaphore(self.workers), asyncio.Semaphore(self.workers))
        return self._gates[1], self._gates[2]

    def _admit(self) -> None:
        if self.in_flight >= self.workers + self.max_queue:
            raise Overloaded()
        self.in_flight += 1
        self._changed()

    def _leave(self) -> None:
        self.in_flight -= 1
        self._changed()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` in a worker thread; 503 at once when the queue is full."""
        return await self.run_after(None, fn, *args)

    async def run_after(
        self, load: Callable[[], Awaitable[D]] | None, fn: Callable[..., T], *args: object
    ) -> T:
        """`fn(await load(), *args)` in a worker thread (`fn(*args)` without `load`).

        503 at once when the queue is full, before `load` (an original's bytes) is awaited;
        `load` runs only once this task is among the `workers` next in line.
        """
        self._admit()
        handed = False  # to a thread: then the thread's end releases its slot and leaves
        try:
            reading, slots = self._semaphores()
            async with reading:
                call_args = (await load(), *args) if load is not None else args
                await slots.acquire()
            try:
                future = self._threads.submit(self._counted, fn, call_args)
            except BaseException:
                slots.release()
                raise
            future.add_done_callback(lambda done: self._thread_ended(done, slots))
            handed = True
            # Shielded: a requester that goes away leaves the render running, its slot
            # held until it ends (counted, so overload still answers 503).
            return await asyncio.shield(future)
        finally:
            if not handed:
                self._leave()

    def _thread_ended(self, future: asyncio.Future[object], slots: asyncio.Semaphore) -> None:
        if not future.cancelled():
            future.exception()  # retrieved: a requester that left is not told, nor the log
        slots.release()
        self._leave()

    async def read(self, fetch: Callable[[], Awaitable[T]]) -> T:
        """`await fetch()` of an original that must be read before its render is queued (to
        name it: a remote original's validator keys the result cache). 503 at once when the
        queue is full, else fetched among the `workers` next in line, as `run_after` reads.
        The caller should not hold on to the bytes while its render waits (app.runtime
        `keep`)."""
        self._admit()
        try:
            async with self._semaphores()[0]:
                return await fetch()
        finally:
            self._leave()

    def close(self) -> None:
        """Let the render threads end once idle (a render under way finishes by itself)."""
        self._threads.shutdown()

    def _counted(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        with self._lock:
            self.running += 1
        self._changed()
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.running -= 1
