"""`signet serve --workers 2` in a subprocess, for the media-library tests."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.servers import serve_process

LIB_KEY = "lib-private-key"
OLD_LIB_KEY = "lib-old-key"


@contextlib.contextmanager
def serve(config: Path, env: dict[str, str] | None = None, workers: int = 2) -> Iterator[str]:
    """Yield the base URL of Signet serving `config` with `workers` worker processes
    (`tests.servers.serve_process`), the library's keys in its environment."""
    keys = {"SIGNET_TEST_LIB_KEY": LIB_KEY, "SIGNET_TEST_OLD_LIB_KEY": OLD_LIB_KEY}
    with serve_process(config, workers=workers, env={**keys, **(env or {})},
                       output=subprocess.PIPE) as served:
        yield served.base


AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAADMINTESTKEY0000",
    "AWS_SECRET_ACCESS_KEY": "admin-secret",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def library_config(path: Path, source: str, *, cache: str = "", limits: str = "") -> Path:
    """A config with one media-library source `lib` (chosen by path prefix), keys
    LIB_KEY then OLD_LIB_KEY. `source` holds its type-specific lines."""
    path.write_text(
        f"""
[limits]
max_source_bytes = 2000000
max_input_pixels = 30000000
{limits}

[cache]
{cache}

[[sources]]
name = "lib"
scheme = "imagekit"
keys = ["env:SIGNET_TEST_LIB_KEY", "env:SIGNET_TEST_OLD_LIB_KEY"]
media_api = true
{source}

[[sources]]
name = "other"
type = "folder"
root = "{path.parent}"
"""
    )
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` but the used-token records, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".signet/tokens" not in str(p)
    }
