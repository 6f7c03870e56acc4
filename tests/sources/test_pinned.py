"""The pinned transport (sources.pinned) on public APIs: bodies, reuse, httpx errors."""

from __future__ import annotations

import anyio
import httpx
import pytest

from sources.base import Forbidden
from sources.pinned import PinnedBackend, PinnedTransport
from sources.ssrf import AddressPolicy
from tests.servers import free_socket
from tests.upstream import IMAGE, IMAGE_ETAG, run_upstream

OPENED = AddressPolicy(allowed_networks=["127.0.0.2/32"])


async def to_two(host: str, port: int) -> list[str]:
    return ["127.0.0.2"]


def client(timeout: float = 2.0, policy: AddressPolicy = OPENED) -> httpx.AsyncClient:
    transport = PinnedTransport(PinnedBackend(policy, to_two), httpx.Limits())
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False)


def run(coro_fn):
    return anyio.run(coro_fn)


def test_a_body_and_headers_come_through_and_the_connection_is_reused():
    with run_upstream("127.0.0.2") as up:
        url = f"http://img.test:{up.port}/image.jpg"

        async def main():
            async with client() as c:
                first = await c.get(url)
                second = await c.get(url)
                return first, second

        first, second = run(main)
    assert first.content == second.content == IMAGE
    assert first.headers["etag"] == IMAGE_ETAG
    assert up.requests == ["/image.jpg", "/image.jpg"]


def test_a_streamed_body_is_read_in_chunks():
    with run_upstream("127.0.0.2") as up:

        async def main():
            async with client() as c:
                async with c.stream("GET", f"http://img.test:{up.port}/image.jpg") as resp:
                    return b"".join([chunk async for chunk in resp.aiter_bytes()])

        assert run(main) == IMAGE


def test_a_read_timeout_is_httpx_read_timeout():
    with run_upstream("127.0.0.2", slow_seconds=3.0) as up:

        async def main():
            async with client(timeout=0.3) as c:
                await c.get(f"http://img.test:{up.port}/slow")

        with pytest.raises(httpx.ReadTimeout):
            run(main)


def test_a_refused_connection_is_httpx_connect_error():
    with free_socket("127.0.0.2") as sock:
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused

        async def main():
            async with client() as c:
                await c.get(f"http://img.test:{port}/image.jpg")

        with pytest.raises(httpx.ConnectError):
            run(main)


def test_a_refused_address_is_forbidden_before_any_connection():
    with run_upstream("127.0.0.2") as up:

        async def main():
            async with client(policy=AddressPolicy()) as c:
                await c.get(f"http://img.test:{up.port}/image.jpg")

        with pytest.raises(Forbidden):
            run(main)
    assert up.requests == []
