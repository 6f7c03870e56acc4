"""A small in-memory cache of fetched originals, so one image rendered at many sizes is
fetched once. Bounded by the sum of the originals' sizes, least recently used out first.

Entries expire `ttl` seconds after they were fetched and are then fetched again whole:
there is no conditional revalidation (If-None-Match), since sources have no way to take a
validator yet. Errors are never cached. Concurrent misses for one key share one fetch.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

import anyio

from sources.base import Original


@dataclass
class _Entry:
    original: Original
    expires: float


class _Flight:
    """One fetch in progress; the tasks that missed on the same key wait for it."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.original: Original | None = None
        self.error: Exception | None = None


class OriginalsCache:
    def __init__(
        self, max_bytes: int, ttl: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self.size = 0  # bytes held

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Original | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return entry.original

    def put(self, key: Hashable, original: Original) -> None:
        size = len(original.data)
        if key in self._entries:
            self._remove(key)
        if size > self.max_bytes or self.ttl <= 0:
            return  # would evict everything else for one item
        while self.size + size > self.max_bytes:
            self._remove(next(iter(self._entries)))
        self._entries[key] = _Entry(original, self._clock() + self.ttl)
        self.size += size

    def discard(self, key: Hashable) -> None:
        """Forget an original (the media library replaced or purged it)."""
        if key in self._entries:
            self._remove(key)

    def _remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self.size -= len(entry.original.data)

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[Original]]
    ) -> Original:
        """The cached original for `key`, else the result of `fetch()`, shared by every task
        that asks for `key` while that fetch runs. Its error, if any, is raised to all of them.
        """
        while True:
            cached = self.get(key)
            if cached is not None:
                return cached
            flight = self._flights.get(key)
            if flight is None:
                break
            await flight.done.wait()
            if flight.original is not None:
                return flight.original
            if flight.error is not None:
                raise flight.error
            # The fetching task was cancelled (its client went away): try again ourselves.

        flight = self._flights[key] = _Flight()
        try:
            original = await fetch()
            self.put(key, original)
            flight.original = original
            return original
        except Exception as err:
            flight.error = err
            raise
        finally:
            del self._flights[key]
            flight.done.set()
