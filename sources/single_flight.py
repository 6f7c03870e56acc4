"""Single flight: concurrent requests for the same key share one computation.

One implementation for the fetches of originals (sources.cache) and for renders
(app.cache.result), with one cancellation rule: the computation runs in a task of its own,
not in the first requester's, so a requester that times out or whose client goes away
stops waiting, but the work others wait on goes on (and its result still fills the cache
for the retry). Each waiter bounds its own wait; the work is bounded by its own limits
(a source's timeout, a render's deadline). It lives in `sources` because `app` may
import `sources`, never the other way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Coalescer(Generic[T]):
    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(
        self,
        key: Hashable,
        work: Callable[[], Coroutine[Any, Any, T]],
        timeout: float | None = None,
    ) -> tuple[T, bool]:
        """`work()`'s result, and whether it was shared with an earlier caller.

        Every caller gets the same result or the same exception. Raises TimeoutError when
        `timeout` seconds pass first; the work itself is left to finish.
        """
        task = self._flights.get(key)
        shared = task is not None
        if task is None:
            task = asyncio.ensure_future(work())
            self._flights[key] = task
            task.add_done_callback(partial(self._landed, key))
        # shield: cancelling or timing out this waiter must not cancel the shared task.
        return await asyncio.wait_for(asyncio.shield(task), timeout), shared

    def _landed(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved: all its waiters may have gone, that is not a bug
