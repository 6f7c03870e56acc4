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
