"""The byte-bounded LRUs (cachetools) of the memory tier and the mark cache, sized by settings."""

from __future__ import annotations

from app.cache.memory import MAX_ENTRY_SHARE, MemoryTier
from app.runtime import Runtime
from app.settings import load_settings
from transforms.marks import MARK_CACHE_BYTES, MARKS, MarkCache


def test_memory_tier_evicts_the_least_recently_used_by_bytes():
    tier = MemoryTier(max_bytes=800)
    tier.put("a", b"a" * 100)
    tier.put("b", b"b" * 100)
    assert tier.get("a") is not None  # now "b" is the least recently used
    for key in "cdefghi":
        tier.put(key, key.encode() * 100)
    assert tier.get("b") is None and tier.get("a") is not None
    assert tier.size == 800 and len(tier) == 8


def test_memory_tier_refuses_an_entry_over_its_share_and_drops_the_old_one():
    tier = MemoryTier(max_bytes=800)
    tier.put("k", b"x" * 10)
    tier.put("k", b"x" * (800 // MAX_ENTRY_SHARE + 1))
    assert tier.get("k") is None and tier.size == 0


def test_mark_cache_is_bounded_by_cost():
    cache = MarkCache(max_bytes=100)
    cache.put("a", "A", 60)
    cache.put("b", "B", 60)  # evicts "a"
    assert cache.get("a") is None and cache.get("b") == "B"
    cache.put("huge", "H", 101)
    assert cache.get("huge") is None and cache.size == 60
    assert (cache.hits, cache.misses) == (1, 2)


def test_mark_cache_is_sized_by_settings():
    settings = load_settings(None, limits={"mark_cache_bytes": 1000})
    try:
        Runtime.build(settings)
        assert MARKS.max_bytes == 1000
        MARKS.put("k", "v", 1001)
        assert MARKS.get("k") is None
    finally:
        MARKS.resize(MARK_CACHE_BYTES)
    assert MARKS.max_bytes == MARK_CACHE_BYTES
