"""Resolve key references (`env:NAME`, `file:PATH`) to key bytes, without ever showing a key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.config_messages import source_key
from app.settings import ConfigError
from app.settings_sources import S3_CREDENTIALS
from sources.s3_credentials import S3Credentials


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


def s3_credentials(values: dict[str, Any], where: str, prefix: str = "") -> S3Credentials | None:
    """An S3 source's or tier's credentials with references resolved; None: the AWS chain.
    `values` holds the fields `prefix` + S3_CREDENTIALS; `where` names the section."""
    fields = {name: values.get(prefix + name) for name in S3_CREDENTIALS}
    if not any(fields[n] for n in ("access_key_id", "profile", "role_arn")):
        return None
    for name in ("access_key_id", "secret_access_key", "session_token", "external_id"):
        if fields[name] is not None:
            fields[name] = resolve_key(fields[name], f"{where}.{prefix}{name}").decode()
    return S3Credentials(**fields)
