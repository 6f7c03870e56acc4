"""An httpx transport that connects only to addresses the SSRF policy has just checked.

Checking a host's addresses and then letting the HTTP client resolve the name again leaves
a gap: a second DNS answer (rebinding) can point the connection somewhere else. Here the
name is resolved once, inside the connect step, every answer is checked, and the socket is
opened to one of exactly those addresses. The URL keeps its host name, so the Host header,
TLS SNI and certificate checks all use the name, and pooled connections stay keyed by name.

(Putting the checked IP into the URL and passing the name through the `sni_hostname`
extension also works for one request, but httpcore pools connections by URL origin only:
a connection opened with one name's SNI would be reused for another name on the same IP,
skipping that name's certificate check.)
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterable

import anyio
import httpcore
import httpx

from sources.base import Forbidden
from sources.ssrf import AddressPolicy

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to for a TCP connection, in the resolver's order."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy, resolver: Resolver = resolve_host) -> None:
        self._policy = policy
        self._resolve = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout("name resolution timed out") from None
        except OSError:
            raise httpcore.ConnectError("the host name could not be resolved") from None
        if not addresses:
            raise httpcore.ConnectError("the host name could not be resolved")
        self._policy.check_addresses(addresses)
        error: Exception = httpcore.ConnectError("no address could be reached")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                error = err
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Forbidden("unix sockets may not be fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool opening sockets through PinnedBackend."""

    def __init__(self, backend: PinnedBackend, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        # httpx has no public parameter for a network backend. Replacing the pool it built
        # keeps all of httpx's request, response and error handling and changes only how
        # sockets are opened; the check fails loudly if a future httpx renames the pool.
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("this httpx version has no connection pool to pin")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
