"""The first tier of the result cache: rendered images in this process's memory, LRU."""

from __future__ import annotations

from cachetools import LRUCache

from app.cache.outcomes import HIT_MEMORY

# One entry may take at most this share of the budget: a single huge render (a full-size
# PNG, say) would otherwise push out hundreds of thumbnails that are asked for far more.
MAX_ENTRY_SHARE = 8


class MemoryTier(LRUCache[str, bytes]):
    """A byte-bounded LRU map of cache key -> rendered bytes: cachetools' LRUCache, each
    entry counted by its length. Event-loop only, no locking."""

    result = HIT_MEMORY  # app.cache.result.Tier
    in_thread = False
    read_timeout = None
    write_behind = False

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, getsizeof=len)
        self.max_bytes = max_bytes

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self.currsize)

    def put(self, key: str, data: bytes) -> None:
        self.pop(key, None)
        if len(data) > self.max_bytes // MAX_ENTRY_SHARE:
            return
        self[key] = data

    def close(self) -> None:
        pass  # nothing outside the process to release
