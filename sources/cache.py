"""A small in-memory cache of fetched originals, so one image rendered at many sizes is
fetched once. Bounded by the sum of the originals' sizes, least recently used out first.

Entries expire `ttl` seconds after they were fetched and are then fetched again whole:
there is no conditional revalidation (If-None-Match), since sources have no way to take a
validator yet. Errors are never cached. Concurrent misses for one key share one fetch.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

import anyio
from cachetools import LRUCache

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
        self._entries: LRUCache[Hashable, _Entry] = LRUCache(
            max_bytes, getsizeof=lambda entry: len(entry.original.data)
        )
        self._flights: dict[Hashable, _Flight] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self._entries.currsize)

    def get(self, key: Hashable) -> Original | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            del self._entries[key]
            return None
        return entry.original

    def put(self, key: Hashable, original: Original) -> None:
        self._entries.pop(key, None)
        if len(original.data) > self.max_bytes or self.ttl <= 0:
            return  # would evict everything else for one item
        self._entries[key] = _Entry(original, self._clock() + self.ttl)

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
