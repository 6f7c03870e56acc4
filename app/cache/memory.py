"""The first tier of the result cache: rendered images in this process's memory, LRU."""

from __future__ import annotations

from cachetools import LRUCache

from app.cache.outcomes import HIT_MEMORY

# One entry may take at most this share of the budget: a single huge render (a full-size
# PNG, say) would otherwise push out hundreds of thumbnails that are asked for far more.
MAX_ENTRY_SHARE = 8


class MemoryTier:
    """A byte-bounded LRU map of cache key -> rendered bytes. Event-loop only, no locking."""

    result = HIT_MEMORY  # app.cache.result.Tier
    in_thread = False
    read_timeout = None
    write_behind = False

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[str, bytes] = LRUCache(max_bytes, getsizeof=len)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self._entries.currsize)

    def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    def put(self, key: str, data: bytes) -> None:
        self._entries.pop(key, None)
        if len(data) > self.max_bytes // MAX_ENTRY_SHARE:
            return
        self._entries[key] = data

    def close(self) -> None:
        pass  # nothing outside the process to release
