"""Resolve key references (`env:NAME`, `file:PATH`) to key bytes, without ever showing a key."""

from __future__ import annotations

import os
from pathlib import Path

from app.config_messages import source_key
from app.settings import ConfigError


def resolve_key(ref: str, where: str) -> bytes:
    """Return the key a reference points at. `where` names the config key for messages."""
    kind, _, target = ref.partition(":")
    if kind == "env":
        value = os.environ.get(target)
        if not value:
            raise ConfigError(f"{where}: environment variable {target} is not set or empty")
        return value.encode()
    if kind == "file":
        try:
            value = Path(target).read_text().strip()
        except OSError as err:
            raise ConfigError(f"{where}: cannot read key file {target}: {err.strerror}") from None
        if not value:
            raise ConfigError(f"{where}: key file {target} is empty")
        return value.encode()
    raise ConfigError(f"{where}: a key must be env:NAME or file:PATH")


def resolve_keys(refs: list[str], source_name: str) -> tuple[bytes, ...]:
    """The keys of one source; messages name it as `sources[NAME].keys.N`."""
    where = source_key(source_name)
    return tuple(resolve_key(ref, f"{where}.keys.{i}") for i, ref in enumerate(refs))
