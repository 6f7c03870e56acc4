"""The console's listener: its own uvicorn server, in a thread of a worker process.

Like `[metrics] port`, the first worker to bind the port serves it (the bind is exclusive,
no SO_REUSEPORT); the others skip it. The console's app is a second app built from the
same settings (its own runtime: it runs on its own event loop), with the console's routes
added to the usual ones, so that images and the media API answer there too.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import uvicorn
from starlette.applications import Starlette

from app.settings import ConsoleConfig

log = logging.getLogger("signet")


@contextlib.contextmanager
def console_listener(config: ConsoleConfig, build: Callable[[], Starlette]) -> Iterator[None]:
    if config.port is None:
        yield
        return
    sock = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET)
    try:
        sock.bind((config.host, config.port))
        sock.listen(64)
    except OSError as err:
        sock.close()
        log.debug("console: not listening on port %s: %s", config.port, err.strerror)
        yield
        return
    server = uvicorn.Server(
        uvicorn.Config(build(), log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="signet-console", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
