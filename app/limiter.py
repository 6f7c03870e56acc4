"""Runs CPU-bound work in worker threads, a bounded number at a time, with a bounded queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from app.errors import HTTPError

T = TypeVar("T")


class WorkLimiter:
    def __init__(self, workers: int, max_queue: int) -> None:
        self.workers = workers
        self.max_queue = max_queue
        self._limiter = anyio.CapacityLimiter(workers)
        self.in_flight = 0  # running plus waiting

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` in a worker thread; 503 at once when the queue is full."""
        if self.in_flight >= self.workers + self.max_queue:
            raise HTTPError(503, "overloaded, try again shortly", {"Retry-After": "1"})
        self.in_flight += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        finally:
            self.in_flight -= 1
