"""The result cache: rendered images by cache key, in up to three tiers, with single flight.

The key is the image's ETag (app.service): a hash of source, path, the original's
validator, the canonical transform spec and the output format. So `w=300&h=200` and
`h=200&w=300` share an entry, and a changed original (new validator) never meets a
render of the old one: its key is new. Old entries are not deleted; they age out.

Lookup order: memory (this process), disk (this host), S3 (every host). A hit in a lower
tier is copied into the tiers above it. A miss renders once per process however many
requests ask at the same time (app.cache.single_flight); the disk and S3 lookups are inside that
single flight too, so a burst of identical requests costs one lookup.

Disk I/O runs in worker threads and is awaited (it is quick, and once one worker has
answered, the others on the host find the entry). S3 writes go on in the background after
the answer; S3 reads are bounded by `s3_timeout`, after which the tier counts as a miss.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import anyio.to_thread

from app.cache.disk import DiskTier
from app.cache.memory import MemoryTier
from app.cache.s3 import S3Tier
from app.cache.single_flight import Coalescer
from app.keys import s3_credentials
from app.ops.metrics import Metrics
from app.settings import CacheConfig, ConfigError

log = logging.getLogger("signet.cache")

HIT_MEMORY, HIT_DISK, HIT_S3, MISS = "hit-memory", "hit-disk", "hit-s3", "miss"
CLOSE_TIMEOUT = 10.0  # seconds to finish background S3 writes at shutdown

Render = Callable[[], Coroutine[Any, Any, bytes]]


class ResultCache:
    def __init__(
        self,
        metrics: Metrics,
        memory: MemoryTier | None = None,
        disk: DiskTier | None = None,
        s3: S3Tier | None = None,
    ) -> None:
        self.metrics = metrics
        self.memory = memory
        self.disk = disk
        self.s3 = s3
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
        return cls(
            metrics,
            memory=MemoryTier(config.memory_bytes) if config.memory_bytes else None,
            disk=disk,
            s3=S3Tier(
                config.s3_bucket,
                config.s3_prefix,
                region=config.s3_region,
                endpoint_url=config.s3_endpoint_url,
                timeout=config.s3_timeout,
                credentials=s3_credentials(config.model_dump(), "cache", "s3_"),
            )
            if config.s3_bucket
            else None,
        )

    async def get_or_render(
        self, key: str, render: Render, timeout: float | None = None
    ) -> tuple[bytes, str]:
        """The bytes for `key` and where they came from (HIT_MEMORY ... MISS).

        `render()` runs at most once at a time per key in this process. Raises what it
        raises, to every request that waited on it, or TimeoutError after `timeout`.
        """
        if self.memory is not None:
            data = self.memory.get(key)
            if data is not None:
                self.metrics.cache_result[HIT_MEMORY].inc()
                return data, HIT_MEMORY
        (data, tier), shared = await self._flights.run(
            key, lambda: self._fill(key, render), timeout
        )
        if shared:
            self.metrics.coalesced.inc()
        self.metrics.cache_result[tier].inc()
        return data, tier

    async def _fill(self, key: str, render: Render) -> tuple[bytes, str]:
        if self.disk is not None:
            data = await anyio.to_thread.run_sync(self.disk.read, key)
            if data is not None:
                self._keep_in_memory(key, data)
                return data, HIT_DISK
        if self.s3 is not None:
            data = await self._s3_read(self.s3, key)
            if data is not None:
                self._keep_in_memory(key, data)
                await self._write_disk(key, data)
                return data, HIT_S3
        data = await render()
        self._keep_in_memory(key, data)
        await self._write_disk(key, data)
        if self.s3 is not None:
            self._in_background(self._s3_write(self.s3, key, data))
        return data, MISS

    def _keep_in_memory(self, key: str, data: bytes) -> None:
        if self.memory is not None:
            self.memory.put(key, data)

    async def _write_disk(self, key: str, data: bytes) -> None:
        if self.disk is not None:
            await anyio.to_thread.run_sync(self.disk.write, key, data)

    async def _s3_read(self, s3: S3Tier, key: str) -> bytes | None:
        with anyio.move_on_after(s3.timeout * 2):  # botocore's own timeouts come first
            # Abandoned on timeout: the thread ends on botocore's timeouts, we move on.
            return await anyio.to_thread.run_sync(s3.read, key, abandon_on_cancel=True)
        log.warning("S3 cache: read timed out")
        return None

    async def _s3_write(self, s3: S3Tier, key: str, data: bytes) -> None:
        await anyio.to_thread.run_sync(s3.write, key, data)

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._writes.add(task)  # a reference, or the task could be collected mid-flight
        task.add_done_callback(self._writes.discard)

    async def close(self) -> None:
        """Let background writes finish (bounded), then release the S3 client."""
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=CLOSE_TIMEOUT)
        if self.s3 is not None:
            self.s3.close()
