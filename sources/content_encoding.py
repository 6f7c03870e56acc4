"""A response body's Content-Encoding, decoded in bounded steps against the byte limit.

httpx decodes each received chunk whole before anyone can count it, so 1.8 KB of
`Content-Encoding: gzip, gzip` became gigabytes before a limit could see it. Here every
decoding stage is a zlib stream asked for at most STEP bytes at a time, and each stage's
output is passed on at once, depth first: no stage ever holds more than STEP bytes of
output, and the body is refused (TooLarge) as soon as any stage has produced more than
the limit. What we decode is what we ask for (`ACCEPT_ENCODING`); any other coding, or more
than MAX_CODINGS stacked ones, is refused rather than passed on undecoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from sources.base import TooLarge, Unreachable

ACCEPT_ENCODING = "gzip, deflate"
MAX_CODINGS = 2  # gzip inside gzip is the most a real server sends
STEP = 65_536  # bytes of output per step of one stage

_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class _Stage:
    """One coding: a zlib stream. `deflate` is zlib-wrapped by the standard, raw in practice
    from some servers: as httpx does, a stream that fails at once is retried as raw deflate."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z = zlib.decompressobj(_WBITS[coding])
        self._started = False
        self.produced = 0

    def step(self, data: bytes) -> tuple[bytes, bytes]:
        """(at most STEP bytes of output, the input not yet used)."""
        try:
            out = self._z.decompress(data, STEP)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._z.decompress(data, STEP)
        self._started = True
        return out, self._z.unconsumed_tail

    def flush(self) -> bytes:
        return self._z.flush()


class BodyDecoder:
    """Feed it the raw body chunk by chunk; it returns the decoded bytes, never more than
    `max_bytes` in all. Raises TooLarge past the limit, Unreachable for an encoding it does
    not decode or a body that does not decode."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > MAX_CODINGS:
            raise Unreachable(f"the source stacked more than {MAX_CODINGS} content encodings")
        for coding in codings:
            if coding not in _WBITS:
                raise Unreachable(
                    f"the source sent a content encoding Signet does not decode ({coding[:20]})"
                )
        # The last coding listed was applied last, so it is undone first.
        self._stages = [_Stage(c) for c in reversed(codings)]
        self.max_bytes = max_bytes
        self.size = 0

    def feed(self, raw: bytes) -> bytes:
        return b"".join(self._guarded(self._through(0, raw)))

    def finish(self) -> bytes:
        """The rest of the output once the whole raw body has been fed."""
        return b"".join(self._guarded(self._flushed(0)))

    def _guarded(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        try:
            for piece in pieces:
                self.size += len(piece)
                if self.size > self.max_bytes:
                    raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
                yield piece
        except zlib.error:
            raise Unreachable("the source sent a body that does not decode") from None

    def _through(self, level: int, data: bytes) -> Iterator[bytes]:
        if level == len(self._stages):
            if data:
                yield data
            return
        stage = self._stages[level]
        while True:
            out, data = stage.step(data)
            self._count(stage, out)
            if out:
                yield from self._through(level + 1, out)
            if not data and len(out) < STEP:
                return  # input used up and nothing more pending

    def _flushed(self, level: int) -> Iterator[bytes]:
        if level == len(self._stages):
            return
        stage = self._stages[level]
        rest = stage.flush()  # every input byte has been used: at most what zlib buffered
        self._count(stage, rest)
        if rest:
            yield from self._through(level + 1, rest)
        yield from self._flushed(level + 1)

    def _count(self, stage: _Stage, out: bytes) -> None:
        # An inner stage's output is still compressed: past the limit it can only grow.
        stage.produced += len(out)
        if stage.produced > self.max_bytes:
            raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
