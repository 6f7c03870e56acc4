"""`signet serve --workers 2` in a subprocess, for the media-library tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.servers import free_socket

ROOT = Path(__file__).resolve().parent.parent
LIB_KEY = "lib-private-key"
OLD_LIB_KEY = "lib-old-key"


@contextlib.contextmanager
def serve(config: Path, env: dict[str, str] | None = None, workers: int = 2) -> Iterator[str]:
    """Yield the base URL of Signet serving `config` with `workers` worker processes."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    full_env.update({"SIGNET_TEST_LIB_KEY": LIB_KEY, "SIGNET_TEST_OLD_LIB_KEY": OLD_LIB_KEY})
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.ops.cli", "serve", "--config", str(config),
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("signet did not start: " + (proc.stdout.read() or ""))
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


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
