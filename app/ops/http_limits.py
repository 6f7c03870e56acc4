"""Bounds on the request head (request line and headers): its size and the time to receive it.

uvicorn 0.54 bounds neither for its default protocol: httptools (llhttp) buffers a header
of any length, and h11 bounds only the size (`h11_max_incomplete_event_size`, answered
with a 400). Neither starts a timer before the first request of a connection, and any
byte received cancels the keep-alive timer, so a client that sends a header a byte at a
time holds its connection (and what it sent) for ever. A CDN in front does not help: an
origin is reachable by whoever finds its address.

So `signet serve` runs uvicorn with these subclasses of its two protocols:
- size: the bytes received for the current request head are counted before they reach
  the parser; past `max_header_bytes` the answer is 431 and the connection is closed.
  Data are fed to the parser in slices, so a head is stopped within `max_header_bytes`
  of its first byte whatever the size of the reads (at most 2 x the limit is held).
- time: a head must be complete `header_timeout` seconds after the connection opened,
  or after its first byte for later requests on a kept-alive connection; else 408 and
  the connection is closed. (An idle kept-alive connection is closed by uvicorn's own
  keep-alive timeout, 5 s.)
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn without [standard]
    HttpToolsProtocol = None  # type: ignore[assignment, misc]


@dataclass(frozen=True)
class HeadLimits:
    max_header_bytes: int = 32_768
    header_timeout: float = 10.0


def _plain_answer(status: bytes, message: str) -> bytes:
    body = (message + "\n").encode()
    return b"".join([
        b"HTTP/1.1 ", status, b"\r\n",
        b"content-type: text/plain; charset=utf-8\r\n",
        b"cache-control: no-store\r\n",
        b"connection: close\r\n",
        b"content-length: ", str(len(body)).encode(), b"\r\n\r\n",
        body,
    ])


class _HeadGuard:
    """Mixed into a uvicorn protocol, before it: counts and times each request head."""

    limits: HeadLimits
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def _init_guard(self, limits: HeadLimits) -> None:
        self.limits = limits
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def _head_pending(self) -> bool:  # pragma: no cover - each protocol says
        raise NotImplementedError

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if self._head_pending() and not self.transport.is_closing():
            self._refuse(b"408 Request Timeout", "the request header was not received in time")

    def _refuse(self, status: bytes, message: str) -> None:
        self._disarm()
        self.transport.write(_plain_answer(status, message))
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        limit = self.limits.max_header_bytes
        while data and not self.transport.is_closing():
            if self._head_pending():
                room = limit - self._head_bytes
                if room <= 0:
                    self._refuse(
                        b"431 Request Header Fields Too Large",
                        f"the request header is larger than {limit} bytes",
                    )
                    return
                piece, data = data[:room], data[room:]
                self._head_bytes += len(piece)
            else:
                # A body; a slice at most, so a head that starts inside it is bounded too.
                piece, data = data[:limit], data[limit:]
            super().data_received(piece)  # type: ignore[misc]
            if self._head_pending():
                self._arm()  # from the first byte of a head on a kept-alive connection
            else:
                self._disarm()
                self._head_bytes = 0


class BoundedHttpToolsProtocol(_HeadGuard, HttpToolsProtocol):  # type: ignore[misc, valid-type]
    """httptools with head limits: a head runs from a message's first byte to its headers."""

    def __init__(self, *args: Any, limits: HeadLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_guard(limits)
        self._in_head = True  # a new connection waits for its first head

    def _head_pending(self) -> bool:
        return self._in_head

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True  # counted from 0: the count is reset when a head completes

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()


class BoundedH11Protocol(_HeadGuard, H11Protocol):
    """h11 with head limits: a head is pending while h11 waits for a request (IDLE)."""

    def __init__(self, *args: Any, limits: HeadLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_guard(limits)

    def _head_pending(self) -> bool:
        return self.conn.their_state is h11.IDLE


def bounded_protocol(limits: HeadLimits, http: str = "auto") -> functools.partial:
    """The `http` protocol for uvicorn.Config: uvicorn's own (auto: httptools if installed,
    as uvicorn chooses), with the head limits. A partial of a module-level class, so it
    pickles into spawned worker processes."""
    use_httptools = http == "httptools" or (
        http == "auto" and HttpToolsProtocol is not None
        and importlib.util.find_spec("httptools") is not None
    )
    cls = BoundedHttpToolsProtocol if use_httptools else BoundedH11Protocol
    return functools.partial(cls, limits=limits)


def uvicorn_options(limits: HeadLimits, http: str = "auto") -> dict[str, Any]:
    """Keyword arguments for uvicorn.Config that enforce `limits`."""
    return {
        "http": bounded_protocol(limits, http),
        # h11's own bound, in case a head slips past the count (it answers 400).
        "h11_max_incomplete_event_size": limits.max_header_bytes,
    }
