"""Hotlink protection: only pages on the hosts a source lists may show its images.

A Referer is easy to forge or strip, so this keeps other sites from embedding the
images in their pages; it does not keep a determined client out. Signing does that.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from urllib.parse import urlsplit

from app.errors import HTTPError
from app.settings_sources import SourceConfigBase
from sources.ssrf import host_matches


def checks_referer(config: SourceConfigBase) -> bool:
    return bool(config.allowed_referers)


def referer_host(referer: str) -> str | None:
    """The host of a Referer header, lower case, or None when it names none."""
    try:
        host = urlsplit(referer.strip()).hostname
    except ValueError:  # a malformed [IPv6] literal
        return None
    return host.rstrip(".") if host else None


def check_referer(config: SourceConfigBase, referer: str | None) -> None:
    """403 unless the Referer's host is allowed; no Referer passes unless it is required.

    An empty Referer passes by default because browsers drop it often (privacy
    settings, `Referrer-Policy: no-referrer`, a typed URL), and refusing those
    would break the site's own pages for some visitors.
    """
    if not checks_referer(config):
        return
    if not referer or not referer.strip():
        if config.require_referer:
            raise HTTPError(403, "this image may only be shown on the pages of its own site")
        return
    host = referer_host(referer)
    if host is None or not any(host_matches(host, p) for p in config.allowed_referers):
        raise HTTPError(403, "this image may not be shown on the page that asked for it")


def add_referer_vary(headers: MutableMapping[str, str], config: SourceConfigBase) -> None:
    """`Vary: Referer` where the answer depends on it, so a shared cache that honours Vary
    cannot hand an image fetched for an allowed page to a foreign one."""
    if not checks_referer(config):
        return
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Referer" if vary else "Referer"
