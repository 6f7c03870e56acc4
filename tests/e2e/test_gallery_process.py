"""`make gallery` (python -m examples.gallery): the demo Signet it starts stops with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_socket

ROOT = Path(__file__).resolve().parents[2]


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_demo_signet_stops_with_the_gallery(tmp_path, sig):
    with free_socket() as a, free_socket() as b:
        gallery_port, signet_port = a.getsockname()[1], b.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    env["SIGNET_DEMO_DIR"] = str(tmp_path / "demo")
    proc = subprocess.Popen(
        [sys.executable, "-m", "examples.gallery", "--port", str(gallery_port),
         "--signet-port", str(signet_port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: answers(f"http://127.0.0.1:{gallery_port}/"), 60)
        assert answers(f"http://127.0.0.1:{signet_port}/healthz")
        proc.send_signal(sig)
        proc.wait(20)
        assert wait_for(lambda: not answers(f"http://127.0.0.1:{signet_port}/healthz"), 15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
