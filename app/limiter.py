"""Runs CPU-bound work in worker threads, a bounded number at a time, with a bounded queue.

Past the queue it raises `Overloaded`; the edge answers that 503 with Retry-After
(app.responses.overloaded_response, registered in app.service.create_app).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

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
        self._limiter = anyio.CapacityLimiter(workers)
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

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` in a worker thread; Overloaded at once when the queue is full."""
        if self.in_flight >= self.workers + self.max_queue:
            raise Overloaded()
        self.in_flight += 1
        self._changed()
        try:
            return await anyio.to_thread.run_sync(self._counted, fn, args, limiter=self._limiter)
        finally:
            self.in_flight -= 1
            self._changed()

    def _counted(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        with self._lock:
            self.running += 1
        self._changed()
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.running -= 1
