"""What every source returns and raises. A source is a small class with one async `fetch`."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Original:
    """An original image as fetched from a source."""

    data: bytes
    content_type: str | None = None
    etag: str | None = None  # a validator that changes when the bytes change
    last_modified: float | None = None  # unix seconds
    private: bool = False  # only served on a validly signed URL
    focus: Focus | None = None  # the media library's custom coordinates (ImageKit fo-custom)

    @functools.cached_property
    def validator(self) -> str:
        """The ETag, or for a source that sent none a hash of the bytes: computed once per
        Original, so an original kept in the originals cache is not hashed on every hit."""
        return self.etag or hashlib.blake2b(self.data, digest_size=16).hexdigest()


def http_time(seconds: float | None) -> float | None:
    """`seconds` if an HTTP date can state it (1970 to 9999: a Last-Modified in the year
    10000 cannot be written), else None: the original simply has no known date."""
    return seconds if seconds is not None and 0 <= seconds <= 253_402_300_799 else None


@dataclass(frozen=True)
class Focus:
    """The area a media library file was given at upload (`customCoordinates`), in pixels of
    the stored image, with that image's size: what ImageKit's `fo-custom` crops around."""

    box: tuple[int, int, int, int]  # x, y, width, height
    size: tuple[int, int]  # the stored image's width and height


HEAD_BYTES = 256  # enough of the start of a file to tell its format (transforms.formats.sniff)


@dataclass(frozen=True)
class Peek:
    """What names an original, known without reading it all: its validator, whether it is
    private, and its first bytes (for its format). Enough to find a cached render."""

    validator: str  # Original.validator: changes when the bytes change
    head: bytes
    last_modified: float | None = None
    private: bool = False
    focus: Focus | None = None

    @classmethod
    def of(cls, original: Original) -> Peek:
        return cls(
            original.validator, original.data[:HEAD_BYTES], original.last_modified,
            original.private, original.focus,
        )


class SourceError(Exception):
    """Base class. `str(err)` is safe to show a client: no keys, no internal addresses."""


class NotFound(SourceError):
    """No such original (HTTP 404)."""


class BadPath(SourceError):
    """The path is malformed or tries to leave the source (HTTP 400)."""


class Forbidden(SourceError):
    """The source refuses this target, e.g. an address the proxy may not reach (HTTP 403)."""


class TooLarge(SourceError):
    """The original is larger than the byte limit (HTTP 413)."""


class Unreachable(SourceError):
    """The source answered with an error or could not be reached (HTTP 502)."""


class TimedOut(SourceError):
    """The source did not answer in time (HTTP 504)."""


class Source(Protocol):
    name: str
    requires_signature: bool  # every URL must be signed, whatever the config says
    cache_originals: bool  # worth keeping in the in-memory originals cache

    def path_from_url(self, raw_path: str) -> str:
        """Turn the still percent-encoded path after the source prefix into the path to fetch."""
        ...

    async def fetch(self, path: str) -> Original:
        """Fetch an original, raising a SourceError subclass on failure."""
        ...

    # Optional: `def peek(self, path: str) -> Peek | None`, for a source that can name an
    # original without reading it (a local stat and a small read); None when it cannot this
    # time (the app then fetches it). Blocking: run in a worker thread.
    # Optional: `def read(self, path: str) -> Original`, `fetch` as one blocking call (a
    # local read), which the app runs in the source's own threads (app.runtime).

    async def close(self) -> None: ...
