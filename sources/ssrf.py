"""Which remote URLs a web proxy source may fetch: schemes, host patterns and IP addresses.

The rules are applied twice: to the URL itself (every hop, before any network use), and to
every address the host resolves to, when the connection is opened (see `sources.pinned`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import httpx

from sources.base import BadPath, Forbidden

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Named even though the generic rules below already cover them: these are the addresses an
# attacker aims for first, and naming them keeps them refused if the generic rules change.
_ALWAYS_REFUSED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack instance metadata
        "fd00:ec2::254/128",  # AWS instance metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"),)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

# inet_aton accepts 1 to 4 parts, each decimal, octal (leading 0) or hex (0x): the forms
# `2130706433`, `0x7f.1` or `017700000001` all mean 127.0.0.1 to the C resolver.
_INET_ATON_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `host` denotes under inet_aton rules, or None if it is not one."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_INET_ATON_PART.match(p) for p in parts):
        return None
    values = []
    for p in parts:
        if p[:2].lower() == "0x":
            values.append(int(p[2:] or "0", 16))
        elif len(p) > 1 and p[0] == "0":
            values.append(int(p, 8))
        else:
            values.append(int(p))
    # All parts but the last are one byte; the last fills the remaining bytes.
    last_bits = 8 * (5 - len(values))
    if any(v > 0xFF for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    number = 0
    for v in values[:-1]:
        number = number << 8 | v
    return ipaddress.IPv4Address(number << last_bits | values[-1])


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host names literally (IPv6, dotted or numeric IPv4), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return parse_ipv4_loose(host)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in n for n in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def _generally_refused(ip: IPAddress) -> bool:
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (ip.version == 6 and ip.is_site_local)
        or any(ip in n for n in _ALWAYS_REFUSED if n.version == ip.version)
    )


def host_matches(host: str, pattern: str) -> bool:
    """`example.com` matches itself only; `*.example.com` matches any name under it, not itself."""
    pattern = pattern.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


class AddressPolicy:
    """Refuses private, loopback, link-local, metadata and similar targets unless opened.

    `allowed_hosts`: when non-empty, only hosts matching one of these patterns are fetched.
    `allowed_networks`: CIDRs that are reachable even though the rules would refuse them.
    """

    def __init__(
        self, allowed_hosts: Iterable[str] = (), allowed_networks: Iterable[str] = ()
    ) -> None:
        self.allowed_hosts = tuple(h.strip().lower().rstrip(".") for h in allowed_hosts)
        self.allowed_networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in allowed_networks
        )

    def _opened(self, ip: IPAddress) -> bool:
        return any(ip in n for n in self.allowed_networks if n.version == ip.version)

    def address_refused(self, ip: IPAddress) -> bool:
        if ip.version == 6 and ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # the kernel connects to the IPv4 address itself
        if self._opened(ip):
            return False
        if ip.version == 6:
            embedded = _embedded_ipv4(ip)
            if embedded is not None:
                if self.address_refused(embedded):
                    return True
                if any(ip in n for n in _NAT64):
                    return False  # translation to a public IPv4 address (DNS64 networks)
        return _generally_refused(ip)

    def check_url(self, url: httpx.URL) -> None:
        """Refuse a URL by its scheme, credentials, host pattern or literal address."""
        if url.scheme not in ALLOWED_SCHEMES:
            raise Forbidden("only http and https URLs can be fetched")
        if url.userinfo:
            raise BadPath("the URL may not carry a user name or password")
        host = url.raw_host.decode("ascii").lower().rstrip(".")
        if not host:
            raise BadPath("the URL names no host")
        if self.allowed_hosts and not any(host_matches(host, p) for p in self.allowed_hosts):
            raise Forbidden("this host may not be fetched")
        ip = parse_ip_literal(host)
        if ip is not None and self.address_refused(ip):
            raise Forbidden("this address may not be fetched")

    def check_addresses(self, addresses: Iterable[str]) -> None:
        """Refuse when ANY address a host resolved to is refused (the message names none)."""
        for address in addresses:
            if self.address_refused(ipaddress.ip_address(address)):
                raise Forbidden("the host resolves to an address that may not be fetched")
