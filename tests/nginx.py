"""A real nginx on 127.0.0.1 for the tests, running a site config of deploy/."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_socket


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                       else None)
    if found is None:
        pytest.fail("nginx is not installed: run tests/setup_system.sh (make test does)")
    return found


@contextlib.contextmanager
def run_nginx(site_conf: str, workdir: Path) -> Iterator[str]:
    """Serve `site_conf` (http-context directives, listening on `listen {port}`)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nginx binds it itself; the port stays free in the meantime
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "site.conf").write_text(site_conf.replace("{port}", str(port)))
    # One process that keeps the current user: no worker switching to `nobody`, which
    # could not enter pytest's private temp folders.
    (workdir / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy_temp;
    include {workdir}/site.conf;
}}
""")
    proc = subprocess.Popen(
        [nginx_binary(), "-p", str(workdir), "-e", str(workdir / "error.log"),
         "-c", str(workdir / "nginx.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx stopped: {proc.stderr.read().decode()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start listening")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
