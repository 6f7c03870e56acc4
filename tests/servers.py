"""Real servers on 127.0.0.1 for the tests: Signet under uvicorn, in a background thread."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from app.service import create_app
from app.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent  # the repository: `signet serve` runs there


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


@contextlib.contextmanager
def run_asgi(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` under a real uvicorn on a free port; yield its base URL."""
    sock = free_socket(host)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass(frozen=True)
class Signet:
    """A Signet under uvicorn: its base URL, a client on it, the app and its settings."""

    base: str
    client: httpx.Client
    app: Starlette
    settings: Settings


@contextlib.contextmanager
def serve_signet(
    config: Starlette | Settings | str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    **sections: object,
) -> Iterator[Signet]:
    """Serve `create_app` under uvicorn on 127.0.0.1 (`run_asgi`) and yield a `Signet`.

    `config` is an app `create_app` built (a test that built it in a working directory of
    its own, or changed it), built Settings, or a TOML file read with `load_settings(config,
    **sections)`; with none, the settings are the sections given (`sources=[...]`,
    `limits={...}`, ...). `env` is set while the settings load and while Signet serves
    (key references such as `env:NAME`), and restored afterwards. The client's timeout
    is `timeout` seconds (httpx's default, 5, unless a test asks for more)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        if isinstance(config, Starlette):
            app, settings = config, config.state.runtime.settings
        else:
            if not isinstance(config, Settings):
                config = load_settings(config, **sections)
            app, settings = create_app(config), config
        with run_asgi(app) as base, httpx.Client(base_url=base, timeout=timeout) as client:
            yield Signet(base, client, app, settings)


def folder_source(name: str, root: str | os.PathLike[str], **options: object) -> dict:
    """A folder source's settings: `name`, serving `root`, with `options` added."""
    return {"name": name, "type": "folder", "root": str(root), **options}


@contextlib.contextmanager
def serve_folder(
    root: str | os.PathLike[str], *, name: str = "m", options: Mapping[str, object] | None = None,
    **sections: object,
) -> Iterator[str]:
    """`serve_signet` over one folder source (`name` over `root`, with `options`) and the
    other sections given; yields the base URL."""
    source = folder_source(name, root, **(options or {}))
    with serve_signet(sources=[source], **sections) as served:
        yield served.base


@dataclass(frozen=True)
class Served:
    """A `signet serve` in a subprocess: its base URL, its port and the process."""

    base: str
    port: int
    proc: subprocess.Popen


def healthz_answers(base: str) -> bool:
    return httpx.get(base + "/healthz", timeout=2).status_code == 200


@contextlib.contextmanager
def serve_process(
    config: str | os.PathLike[str],
    *,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    log_level: str = "warning",
    output: int | IO[Any] | None = subprocess.DEVNULL,
    ready: Callable[[str], bool] = healthz_answers,
) -> Iterator[Served]:
    """`signet serve --config CONFIG --workers N` in a subprocess on a free port of
    127.0.0.1, from the repository's root, with no SIGNET_* variable of this process but
    those in `env`; `args` are added to the command line. Yields once `ready(base)` holds
    (by default /healthz answers 200), within 30 seconds; stops it (SIGTERM) after."""
    port = free_socket().getsockname()[1]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.ops.cli", "serve", "--config", str(config),
         "--port", str(port), "--workers", str(workers), "--log-level", log_level, *args],
        cwd=ROOT, env=full_env, stdout=output, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if ready(base):
                    break
            except (httpx.HTTPError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                said = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError("signet serve did not start: " + (said or ""))
            time.sleep(0.1)
        yield Served(base, port, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def raw_get(base_url: str, raw_target: str, headers: dict[str, str] | None = None):
    """GET with the request target sent byte for byte (no client-side normalisation)."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("GET", raw_target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()
