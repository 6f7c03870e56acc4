"""The result cache: rendered images by cache key, in up to three tiers, with single flight.

The key is the image's ETag (app.answer): a hash of source, path, the original's
validator, the canonical transform spec and the output format. So `w=300&h=200` and
`h=200&w=300` share an entry, and a changed original (new validator) never meets a
render of the old one: its key is new. Old entries are not deleted; they age out.

Lookup order: memory (this process), disk (this host), S3 (every host). A hit in a lower
tier is copied into the tiers above it. A miss renders once per process however many
requests ask at the same time (sources.single_flight, the one the originals cache uses);
the disk and S3 lookups are inside that single flight too, so a burst of identical
requests costs one lookup.

Every tier has one shape (`Tier`: `get`, `put`, and how to call them) and the tiers are
one list, fastest first, walked by one loop. Blocking tiers (disk, S3) run in worker
threads: disk I/O is awaited (it is quick, and once one worker has answered, the others on
the host find the entry); S3 writes go on in the background after the answer (`write_behind`)
and S3 reads are bounded by their `read_timeout`, after which the tier counts as a miss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

import anyio
import anyio.to_thread

from app.cache.disk import DiskTier
from app.cache.memory import MemoryTier
from app.cache.outcomes import MISS
from app.cache.s3 import S3Tier
from app.keys import s3_credentials
from app.ops.metrics import Metrics
from app.settings import CacheConfig, ConfigError
from sources.single_flight import Coalescer

log = logging.getLogger("signet.cache")

CLOSE_TIMEOUT = 10.0  # seconds to finish background S3 writes at shutdown

Render = Callable[[], Coroutine[Any, Any, bytes]]


class Tier(Protocol):
    """One tier of the result cache. `get` and `put` may block when `in_thread` is set."""

    result: str  # what a hit here is counted and answered as (app.cache.outcomes)
    in_thread: bool  # get/put block: call them in a worker thread
    read_timeout: float | None  # a `get` slower than this is abandoned as a miss
    write_behind: bool  # `put` goes on in the background, after the answer

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...

    def close(self) -> None:
        """Release what the tier holds (a client); called once, at shutdown."""


class ResultCache:
    def __init__(self, metrics: Metrics, tiers: Sequence[Tier] = ()) -> None:
        self.metrics = metrics
        self.tiers = tuple(tiers)  # fastest first: memory, disk, S3
        self._flights: Coalescer[tuple[bytes, str]] = Coalescer()
        self._writes: set[asyncio.Task[None]] = set()

    @classmethod
    def from_config(cls, config: CacheConfig, metrics: Metrics) -> ResultCache:
        """The tiers `config` asks for; raises ConfigError if the disk folder cannot be made."""
        if not config.enabled:
            return cls(metrics)  # still coalesces identical renders
        disk = None
        if config.disk_dir:
            try:
                disk = DiskTier(config.disk_dir, config.disk_bytes)
            except OSError as err:
                raise ConfigError(
                    f"cache.disk_dir: cannot create the folder: {err.strerror}"
                ) from None
        s3 = None
        if config.s3_bucket:
            s3 = S3Tier(
                config.s3_bucket,
                config.s3_prefix,
                region=config.s3_region,
                endpoint_url=config.s3_endpoint_url,
                timeout=config.s3_timeout,
                credentials=s3_credentials(config.model_dump(), "cache", "s3_"),
            )
        memory = MemoryTier(config.memory_bytes) if config.memory_bytes else None
        return cls(metrics, [t for t in (memory, disk, s3) if t is not None])

    def hot(self, key: str) -> tuple[bytes, str] | None:
        """The memory tier's bytes for `key` (counted as its hit), or None. It answers on
        the event loop, before joining any flight: a hot hit costs no task."""
        if self.tiers and not self.tiers[0].in_thread:
            data = self.tiers[0].get(key)
            if data is not None:
                self.metrics.cache_result[self.tiers[0].result].inc()
                return data, self.tiers[0].result
        return None

    async def get_or_render(
        self, key: str, render: Render, timeout: float | None = None
    ) -> tuple[bytes, str]:
        """The bytes for `key` and where they came from (app.cache.outcomes: hit-memory ...).

        `render()` runs at most once at a time per key in this process. Raises what it
        raises, to every request that waited on it, or TimeoutError after `timeout`.
        """
        hit = self.hot(key)
        if hit is not None:
            return hit
        (data, result), shared = await self._flights.run(
            key, lambda: self._fill(key, render), timeout
        )
        if shared:
            self.metrics.coalesced.inc()
        self.metrics.cache_result[result].inc()
        return data, result

    async def _fill(self, key: str, render: Render) -> tuple[bytes, str]:
        """The first tier that has `key` (copied into the tiers above it), else a render
        (put into every tier)."""
        for depth, tier in enumerate(self.tiers):
            data = await self._get(tier, key)
            if data is not None:
                await self._put(self.tiers[:depth], key, data)
                return data, tier.result
        data = await render()
        await self._put(self.tiers, key, data)
        return data, MISS

    async def _get(self, tier: Tier, key: str) -> bytes | None:
        if not tier.in_thread:
            return tier.get(key)
        if tier.read_timeout is None:
            return await anyio.to_thread.run_sync(tier.get, key)
        with anyio.move_on_after(tier.read_timeout):
            # Abandoned on timeout: the thread ends on the tier's own timeouts, we move on.
            return await anyio.to_thread.run_sync(tier.get, key, abandon_on_cancel=True)
        log.warning("result cache: a %s read timed out", type(tier).__name__)
        return None

    async def _put(self, tiers: Sequence[Tier], key: str, data: bytes) -> None:
        for tier in tiers:
            if not tier.in_thread:
                tier.put(key, data)
            elif tier.write_behind:
                self._in_background(anyio.to_thread.run_sync(tier.put, key, data))
            else:
                await anyio.to_thread.run_sync(tier.put, key, data)

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._writes.add(task)  # a reference, or the task could be collected mid-flight
        task.add_done_callback(self._writes.discard)

    async def close(self) -> None:
        """Let background writes finish (bounded), then release the tiers' clients."""
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=CLOSE_TIMEOUT)
        for tier in self.tiers:
            tier.close()
