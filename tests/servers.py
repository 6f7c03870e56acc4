"""Real servers on 127.0.0.1 for the tests: Signet under uvicorn, in a background thread."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from app.service import create_app
from app.settings import Settings, load_settings


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
    config: Settings | str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    **sections: object,
) -> Iterator[Signet]:
    """Serve `create_app` under uvicorn on 127.0.0.1 (`run_asgi`) and yield a `Signet`.

    `config` is built Settings, or a TOML file read with `load_settings(config,
    **sections)`; with neither, the settings are the sections given (`sources=[...]`,
    `limits={...}`, ...). `env` is set while the settings load and while Signet serves
    (key references such as `env:NAME`), and restored afterwards. The client's timeout
    is `timeout` seconds (httpx's default, 5, unless a test asks for more)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        settings = config if isinstance(config, Settings) else load_settings(config, **sections)
        app = create_app(settings)
        with run_asgi(app) as base, httpx.Client(base_url=base, timeout=timeout) as client:
            yield Signet(base, client, app, settings)


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
