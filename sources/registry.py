"""Source types by their `type` name in the config. Adding a source is one line here."""

from __future__ import annotations

from typing import Any

from sources.base import Source
from sources.folder import FolderSource
from sources.s3 import S3Source
from sources.web_folder import WebFolderSource
from sources.web_proxy import WebProxySource

SOURCE_TYPES: dict[str, type] = {
    "folder": FolderSource,
    "s3": S3Source,
    "web_folder": WebFolderSource,
    "web_proxy": WebProxySource,
}


def create_source(
    kind: str, name: str, options: dict[str, Any], *, max_bytes: int, timeout: float
) -> Source:
    """Build a source of type `kind`. `options` are its type-specific config keys."""
    return SOURCE_TYPES[kind](name, max_bytes=max_bytes, timeout=timeout, **options)
