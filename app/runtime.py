"""What a worker process builds once from the settings: sources with their keys, limits."""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio

from app.cache.result import ResultCache
from app.config_messages import source_key
from app.keys import resolve_keys, s3_credentials
from app.limiter import WorkLimiter
from app.ops.metrics import Metrics
from app.presets import check_presets, source_parser
from app.routing import Route, choose_source
from app.settings import Settings
from app.settings_sources import S3_CREDENTIALS, SourceConfigBase
from app.threads import Threads
from sources.base import Original, Peek, Source, TimedOut
from sources.cache import OriginalsCache
from sources.registry import create_source
from transforms.marks import MARKS
from transforms.parser import Parser
from transforms.spec import Limits

T = TypeVar("T")

SOURCE_SCOPE_KEY = "signet.source"  # the ASGI scope key naming the source a request took
FETCH_MARGIN = 1.0  # seconds past source_timeout before the app gives up on a fetch
# Threads per source for its blocking calls (a folder's peeks and reads): a peek is a stat and
# a small read (tens of us), so a few serve thousands a second, and reads for renders are at
# most `transform_workers` at once (app.limiter); a stalled disk holds this many threads at
# most, and only its own source's calls wait.
SOURCE_THREADS = 8
LOCAL_ORIGINALS = "local"  # a key of Runtime.local_originals: (this, source, path)
# Local files read for a render (or as a mark) are kept for Runtime.fetch_seen, in a store
# of their own: files under LOCAL_KEPT_BYTES, LOCAL_ORIGINALS_BYTES of them at most per
# worker (or originals_cache_bytes, if less; 0 keeps none), and only on a second read
# within LOCAL_REREAD_SECONDS of the first (noted, LOCAL_READ_ONCE of them at most): the
# reuse is of a file asked for in several sizes at once, or a logo on every render, and a
# worker that reads each file now and then (the 2048 originals of the bench's cold runs)
# holds and copies no more than without the store. Not large files: their read is a small
# part of their render, and their memory goes back after it (app.rendering).
LOCAL_KEPT_BYTES = 4 << 20
LOCAL_ORIGINALS_BYTES = 32 << 20
LOCAL_READ_ONCE = 4096
LOCAL_REREAD_SECONDS = 2.0


@dataclass(frozen=True)
class SourceRuntime:
    config: SourceConfigBase
    source: Source
    keys: tuple[bytes, ...] = field(repr=False)

    @property
    def name(self) -> str:
        return self.config.name

    @functools.cached_property
    def parser(self) -> Parser:
        """How this source's URLs are parsed: its dialect and presets (built once)."""
        return source_parser(self.config)

    @functools.cached_property
    def threads(self) -> Threads:
        """The threads this source's blocking calls run in (Runtime.peek, Runtime.fetch of
        a source that can `read`); made on the first one."""
        return Threads(SOURCE_THREADS, f"signet-{self.name}")


@dataclass
class Runtime:
    settings: Settings
    sources: dict[str, SourceRuntime]
    domains: list[tuple[str, SourceRuntime]]
    default: SourceRuntime | None
    limits: Limits
    limiter: WorkLimiter
    originals: OriginalsCache
    local_originals: OriginalsCache  # folder files' bytes, by validator (fetch_seen)
    metrics: Metrics
    results: ResultCache
    # What app.request.plan made of recent requests (route, verify, parse), by request.
    # Local files read once lately: (key, validator) -> when (_keep_local).
    read_once: dict[tuple[tuple[str, str, str], str], float] = field(default_factory=dict)
    plans: OrderedDict[tuple[str, str, bytes, str | None], tuple] = field(
        default_factory=OrderedDict
    )

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Resolve keys and create sources; raises ConfigError naming a bad key."""
        lim = settings.limits
        sources = {}
        for cfg in settings.sources:
            options = cfg.source_options()
            if cfg.type == "s3":  # its own credentials, resolved from their references
                credentials = s3_credentials(options, source_key(cfg.name))
                options = {k: v for k, v in options.items() if k not in S3_CREDENTIALS}
                options["credentials"] = credentials
            source = create_source(
                cfg.type,
                cfg.name,
                options,
                max_bytes=lim.max_source_bytes,
                timeout=lim.source_timeout,
            )
            sources[cfg.name] = SourceRuntime(cfg, source, resolve_keys(cfg.keys, cfg.name))
            check_presets(cfg, Limits(max_dpr=lim.max_dpr))  # dpr: all parsing reads
        domains = [(d, s) for s in sources.values() for d in s.config.domains]
        default_name = settings.default_source_name()
        metrics = Metrics()
        MARKS.resize(lim.mark_cache_bytes)  # the decoded-watermark cache is per process
        return cls(
            settings=settings,
            sources=sources,
            domains=domains,
            default=sources[default_name] if default_name else None,
            limits=Limits(
                max_input_pixels=lim.max_input_pixels,
                max_output_pixels=lim.max_output_pixels,
                max_dpr=lim.max_dpr,
                max_seconds=lim.transform_timeout,
                max_frames=lim.max_frames,
                max_decoded_pixels=lim.max_decoded_pixels,
            ),
            limiter=WorkLimiter(lim.transform_workers, lim.max_queue, metrics.observe_limiter),
            originals=OriginalsCache(lim.originals_cache_bytes, lim.originals_cache_ttl),
            local_originals=OriginalsCache(
                min(LOCAL_ORIGINALS_BYTES, lim.originals_cache_bytes), lim.originals_cache_ttl
            ),
            metrics=metrics,
            results=ResultCache.from_config(settings.cache, metrics),
        )

    def route(self, host: str, raw_path: str) -> Route[SourceRuntime] | None:
        return choose_source(host, raw_path, self.sources, self.domains, self.default)

    async def peek(self, src: SourceRuntime, path: str) -> Peek | None:
        """Name an original without fetching it, where that is cheap: a remote original in
        the originals cache, or a source that can look (a folder's stat). None: fetch it.

        A source's look blocks (a stat and a small read), so it runs in a worker thread,
        under `source_timeout`, and is abandoned (left to end by itself) past it.
        """
        if src.source.cache_originals:
            cached = self.originals.get((src.name, path))
            return Peek.of(cached) if cached is not None else None
        look = getattr(src.source, "peek", None)  # an optional capability of a source
        if look is None:
            return None
        recent = getattr(src.source, "recent_peek", None)  # one it took a moment ago
        if recent is not None and (peek := recent(path)) is not None:
            return peek
        return await _in_thread(src, look, path, self.settings.limits.source_timeout)

    async def fetch(self, src: SourceRuntime, path: str) -> Original:
        """Fetch an original, through the originals cache where the source is worth caching.

        Each source bounds its own fetch by `source_timeout`; this bounds the whole, a little
        later, for a source that fails to (a remote source's own 504 comes first).
        """
        timeout = self.settings.limits.source_timeout + FETCH_MARGIN
        read = getattr(src.source, "read", None)  # a blocking read, where the source has one
        if read is not None and not src.source.cache_originals:
            return await _in_thread(src, read, path, timeout)  # a folder's: its own threads
        try:
            with anyio.fail_after(timeout):
                return await self._fetch(src, path)
        except TimeoutError:
            raise TimedOut("the source did not answer in time") from None

    async def fetch_seen(self, src: SourceRuntime, path: str, validator: str | None) -> Original:
        """`fetch`, except that a local file (a folder's) read a moment ago is reused from
        `local_originals` while it has the `validator` the request was named by (its
        peek's), so the render is of exactly the bytes its ETag names. A photo asked for in
        several sizes (a srcset) is read twice at most, and a render of a kept file needs no
        thread hand-off to read it (issue 16). See LOCAL_KEPT_BYTES for what is kept."""
        if not _local(src):
            return await self.fetch(src, path)
        key = (LOCAL_ORIGINALS, src.name, path)
        kept = self.local_originals.get(key) if validator is not None else None
        if kept is not None and kept.validator == validator:
            return kept
        original = await self.fetch(src, path)
        self._keep_local(key, original)
        return original

    async def fetch_mark(self, src: SourceRuntime, path: str) -> Original:
        """A watermark's (or mask's) original: `fetch_seen` under the validator of the
        folder's recent look at it (`recent_peek`, no I/O), if it has one. Every answer with
        a mark names the mark's validator, so without this a cached hit of a watermarked
        URL read the logo in a thread each time."""
        recent = getattr(src.source, "recent_peek", None)
        peek = recent(path) if recent is not None else None
        return await self.fetch_seen(src, path, peek.validator if peek is not None else None)

    def _keep_local(
        self, key: tuple[str, str, str], original: Original, at_once: bool = False
    ) -> None:
        """Keep a local file's bytes on its second read within LOCAL_REREAD_SECONDS
        (`at_once`: on its first, when the render that will use them is on its way)."""
        if len(original.data) >= LOCAL_KEPT_BYTES:
            return
        noted, now = (key, original.validator), time.monotonic()
        first = self.read_once.pop(noted, None)
        if not at_once and (first is None or now - first > LOCAL_REREAD_SECONDS):
            if len(self.read_once) >= LOCAL_READ_ONCE:
                self.read_once.clear()  # bounded: starts over
            self.read_once[noted] = now
            return
        self.local_originals.put(key, original)  # bounded by bytes

    async def _fetch(self, src: SourceRuntime, path: str) -> Original:
        if not src.source.cache_originals or self.originals.max_bytes == 0:
            return await src.source.fetch(path)
        return await self.originals.get_or_fetch((src.name, path), lambda: src.source.fetch(path))

    def keep(self, src: SourceRuntime, path: str, original: Original) -> Original | None:
        """What a request should hold of an original it fetched before queueing its render:
        nothing when the originals cache holds it (the render reads it from there, or fetches
        it again if it was evicted meanwhile), so requests waiting in the queue hold no bytes;
        nothing for a local file either (a folder's new file, read to hash it: kept at once
        in the local originals for `fetch_seen` if small, else read again for the render,
        from the page cache, rather than held while it waits); else the original, which
        would otherwise be fetched twice."""
        if src.source.cache_originals and self.originals.get((src.name, path)) is original:
            return None
        if _local(src):
            self._keep_local((LOCAL_ORIGINALS, src.name, path), original, at_once=True)
            return None
        return original

    async def close(self) -> None:
        await self.results.close()
        self.limiter.close()
        for s in self.sources.values():
            await s.source.close()
            if "threads" in s.__dict__:  # made: its idle threads end, a stalled one is left
                s.threads.shutdown()


def _local(src: SourceRuntime) -> bool:
    """The source reads local files (a folder): it can `read`, and keeps no originals itself."""
    return not src.source.cache_originals and getattr(src.source, "read", None) is not None


async def _in_thread(src: SourceRuntime, fn: Callable[[str], T], path: str, timeout: float) -> T:
    """`fn(path)` in one of the source's threads, within `timeout` (then TimedOut, the call
    abandoned: a queued one is cancelled, a running one left to end by itself).

    The call is handed to the thread directly (app.threads): anyio.to_thread, with its two
    checkpoints (loop iterations), its limiter and a cancel scope, and fail_after with
    another, cost more CPU than a peek itself, and run_in_executor a third more (issue 16).
    """
    try:
        return await src.threads.call(fn, path, timeout=timeout)
    except TimeoutError:
        raise TimedOut("the source did not answer in time") from None
