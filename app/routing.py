"""Choosing the source of a request: by Host, else by first path segment, else the default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sources.ssrf import host_matches  # one host-pattern rule for domains, referers, proxies

T = TypeVar("T")


@dataclass(frozen=True)
class Route(Generic[T]):
    source: T
    rel_path: str  # still percent-encoded, without the source prefix or a leading slash
    by_domain: bool = False  # chosen by Host: its endpoint is the domain root (the media API)


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def choose_source(
    host_header: str,
    raw_path: str,
    by_name: dict[str, T],
    domains: list[tuple[str, T]],
    default: T | None,
) -> Route[T] | None:
    """Return the route of a request, or None when no source serves it."""
    host = _host_name(host_header)
    path = raw_path.lstrip("/")
    for pattern, source in domains:
        if host_matches(host, pattern):
            return Route(source, path, by_domain=True)
    first, _, rest = path.partition("/")
    if first in by_name:
        return Route(by_name[first], rest)
    if default is not None:
        return Route(default, path)
    return None
