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

import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.to_thread

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
        self._limiter = anyio.CapacityLimiter(workers)  # the threads
        self._slots = anyio.Semaphore(workers)  # taken before the thread, by its task
        self._reading = anyio.Semaphore(workers)  # read-ahead: who may hold an original
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
        try:
            async with self._reading:
                call_args = (await load(), *args) if load is not None else args
                await self._slots.acquire()
            try:
                return await anyio.to_thread.run_sync(
                    self._counted, fn, call_args, limiter=self._limiter
                )
            finally:
                self._slots.release()
        finally:
            self._leave()

    async def read(self, fetch: Callable[[], Awaitable[T]]) -> T:
        """`await fetch()` of an original that must be read before its render is queued (to
        name it: a remote original's validator keys the result cache). 503 at once when the
        queue is full, else fetched among the `workers` next in line, as `run_after` reads.
        The caller should not hold on to the bytes while its render waits (app.runtime
        `keep`)."""
        self._admit()
        try:
            async with self._reading:
                return await fetch()
        finally:
            self._leave()

    def _counted(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        with self._lock:
            self.running += 1
        self._changed()
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.running -= 1
