"""The library of a source, and calling it off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from sources.base import Source
from sources.folder import FolderSource
from sources.library import FolderLibrary
from sources.library_s3 import S3Library
from sources.s3 import S3Source

T = TypeVar("T")
Library = FolderLibrary | S3Library

# Library calls are short (a stat, a put, a listing); they get a small pool of threads of
# their own so that a burst of uploads cannot take the render threads, nor they its.
LIBRARY_THREADS = 8


def library_for(source: Source) -> Library | None:
    """The library of a source that can store files, else None."""
    if isinstance(source, FolderSource):
        return FolderLibrary(source.root, changed=source.forget)  # its kept peeks
    if isinstance(source, S3Source):
        return S3Library(source.client, source.bucket, source.prefix)
    return None


class Store:
    """A source's library, called in worker threads under its own limit."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._limiter: anyio.CapacityLimiter | None = None  # made in the serving loop

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(LIBRARY_THREADS)
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs), limiter=self._limiter)
