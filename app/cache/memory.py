"""The first tier of the result cache: rendered images in this process's memory, LRU."""

from __future__ import annotations

from collections import OrderedDict

# One entry may take at most this share of the budget: a single huge render (a full-size
# PNG, say) would otherwise push out hundreds of thumbnails that are asked for far more.
MAX_ENTRY_SHARE = 8


class MemoryTier:
    """A byte-bounded LRU map of cache key -> rendered bytes. Event-loop only, no locking."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        data = self._entries.get(key)
        if data is not None:
            self._entries.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old)
        if len(data) > self.max_bytes // MAX_ENTRY_SHARE:
            return
        while self._entries and self.size + len(data) > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted)
        self._entries[key] = data
        self.size += len(data)
