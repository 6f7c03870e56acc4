"""A small in-memory cache of fetched originals, so one image rendered at many sizes is
fetched once. Bounded by the sum of the originals' sizes, least recently used out first.

Entries expire `ttl` seconds after they were fetched and are then fetched again whole:
there is no conditional revalidation (If-None-Match), since sources have no way to take a
validator yet. Errors are never cached. Concurrent misses for one key share one fetch
(sources.single_flight): a requester that goes away stops waiting, the fetch goes on.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from cachetools import LRUCache

from sources.base import Original
from sources.single_flight import Coalescer


@dataclass
class _Entry:
    original: Original
    expires: float


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
        self._flights: Coalescer[Original] = Coalescer()

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

    def discard(self, key: Hashable) -> None:
        """Forget an original (the media library replaced or purged it)."""
        self._entries.pop(key, None)

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[Original]]
    ) -> Original:
        """The cached original for `key`, else the result of `fetch()`, shared by every task
        that asks for `key` while that fetch runs. Its error, if any, is raised to all of them.
        """
        cached = self.get(key)
        if cached is not None:
            return cached

        async def fetch_and_keep() -> Original:
            original = await fetch()
            self.put(key, original)
            return original

        original, _ = await self._flights.run(key, fetch_and_keep)
        return original
