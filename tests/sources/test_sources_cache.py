"""The originals cache: LRU by bytes, TTL, oversize items, one fetch for concurrent misses."""

from __future__ import annotations

import anyio
import pytest

from sources.base import NotFound, Original
from sources.cache import OriginalsCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def original(size: int, tag: bytes = b"x") -> Original:
    return Original(data=tag * size)


def counting_fetch(result: Original, calls: list[int], delay: float = 0.0):
    async def fetch() -> Original:
        calls.append(1)
        await anyio.sleep(delay)
        return result

    return fetch


def test_lru_eviction_by_bytes():
    cache = OriginalsCache(max_bytes=100, ttl=60)
    cache.put(("s", "a"), original(40, b"a"))
    cache.put(("s", "b"), original(40, b"b"))
    assert cache.get(("s", "a")) is not None  # now "b" is the least recently used
    cache.put(("s", "c"), original(40, b"c"))
    assert cache.get(("s", "b")) is None
    assert cache.get(("s", "a")) is not None and cache.get(("s", "c")) is not None
    assert cache.size == 80 and len(cache) == 2


def test_replacing_a_key_keeps_the_byte_count():
    cache = OriginalsCache(max_bytes=100, ttl=60)
    cache.put("k", original(60))
    cache.put("k", original(30))
    assert cache.size == 30 and len(cache) == 1


def test_item_over_the_budget_is_not_cached_and_evicts_nothing():
    cache = OriginalsCache(max_bytes=100, ttl=60)
    cache.put("small", original(10))
    cache.put("huge", original(101))
    assert cache.get("huge") is None
    assert cache.get("small") is not None and cache.size == 10


def test_ttl_expiry():
    clock = Clock()
    cache = OriginalsCache(max_bytes=100, ttl=30, clock=clock)
    cache.put("k", original(10))
    clock.now += 29.9
    assert cache.get("k") is not None
    clock.now += 0.2
    assert cache.get("k") is None
    assert cache.size == 0


def test_get_or_fetch_caches_and_refetches_after_expiry():
    clock = Clock()
    cache = OriginalsCache(max_bytes=100, ttl=30, clock=clock)
    calls: list[int] = []
    fetch = counting_fetch(original(10), calls)

    async def main():
        await cache.get_or_fetch("k", fetch)
        await cache.get_or_fetch("k", fetch)
        clock.now += 31
        await cache.get_or_fetch("k", fetch)

    anyio.run(main)
    assert len(calls) == 2


def test_concurrent_misses_fetch_once():
    cache = OriginalsCache(max_bytes=1000, ttl=30)
    calls: list[int] = []
    fetch = counting_fetch(original(10), calls, delay=0.05)
    results: list[Original] = []

    async def main():
        async def one():
            results.append(await cache.get_or_fetch(("s", "k"), fetch))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one)

    anyio.run(main)
    assert len(calls) == 1
    assert len(results) == 20 and all(r is results[0] for r in results)


def test_concurrent_misses_share_the_error_and_do_not_cache_it():
    cache = OriginalsCache(max_bytes=1000, ttl=30)
    calls: list[int] = []

    async def failing() -> Original:
        calls.append(1)
        await anyio.sleep(0.05)
        raise NotFound("no such image: k")

    async def main():
        errors: list[Exception] = []

        async def one():
            try:
                await cache.get_or_fetch("k", failing)
            except NotFound as err:
                errors.append(err)

        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(one)
        assert len(errors) == 5
        with pytest.raises(NotFound):
            await cache.get_or_fetch("k", failing)

    anyio.run(main)
    assert len(calls) == 2


def test_a_requester_that_goes_away_leaves_the_fetch_to_the_others():
    # One cancellation rule with the render single flight (sources.single_flight): the
    # fetch runs in its own task, so the first requester hanging up does not cancel it.
    cache = OriginalsCache(max_bytes=1000, ttl=30)
    calls: list[int] = []
    fetch = counting_fetch(original(10), calls, delay=0.2)

    async def main():
        got: list[Original] = []

        async def waiter():
            await anyio.sleep(0.01)  # the first task is already fetching
            got.append(await cache.get_or_fetch("k", fetch))

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            with anyio.move_on_after(0.05):
                await cache.get_or_fetch("k", fetch)  # its client hangs up
        assert len(got) == 1
        assert cache.get("k") is got[0]  # the fetch nobody waited for still filled the cache

    anyio.run(main)
    assert len(calls) == 1
