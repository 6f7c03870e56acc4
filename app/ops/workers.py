"""Serving with several worker processes, each with a listening socket of its own.

uvicorn's `--workers` shares one listening socket: every idle worker's event loop
wakes on a new connection and accepts what is queued, so a burst of keep-alive
connections (a CDN's or load balancer's pool) can all land on one worker, which then
serves them alone for as long as they stay open; the bench saw half the cores idle
that way. With SO_REUSEPORT each worker binds its own socket and the kernel spreads
new connections across them by a hash of the address pair.

(SO_REUSEPORT also lets another process of the same user bind the same port and take
a share of the connections; do not run two servers on one port.)
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import uvicorn

from app.ops.http_limits import HeadLimits, uvicorn_options
from app.ops.tls import SignetServer

log = logging.getLogger("signet")

APP = "app.service:create_app_from_env"
EARLY_EXIT_SECONDS = 3.0  # a worker that exits with an error this soon failed to start


def reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


ACCESS_LOG_LEVELS = frozenset({"trace", "debug", "info"})  # --log-level values that show them


@dataclass(frozen=True)
class ServeOptions:
    """What `signet serve` passes to each worker (pickled into spawned processes)."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    log_level: str = "info"
    limits: HeadLimits = field(default_factory=HeadLimits)  # request head size and time
    tls_cert: str | None = None  # HTTPS with this certificate and key, reloaded on change
    tls_key: str | None = None

    @property
    def access_log(self) -> bool:
        """uvicorn's access lines are at info: below that level none is written, and
        without this uvicorn still formats each one's arguments (the path quoted again),
        3 % of a cached hit's CPU (issue 16)."""
        return self.log_level in ACCESS_LOG_LEVELS

    def uvicorn_config(self, **extra: Any) -> uvicorn.Config:
        return uvicorn.Config(
            APP, factory=True, log_level=self.log_level, server_header=False,
            access_log=self.access_log, ssl_certfile=self.tls_cert, ssl_keyfile=self.tls_key,
            **uvicorn_options(self.limits), **extra,
        )


def _worker(options: ServeOptions) -> None:
    server = SignetServer(options.uvicorn_config())
    server.run(sockets=[reuseport_socket(options.host, options.port)])


def serve(options: ServeOptions) -> int:
    """Run the app; with several workers, each on its own SO_REUSEPORT socket.

    Returns the exit status: 0 after SIGINT/SIGTERM, 1 if a worker could not start.
    """
    host, port, workers = options.host, options.port, options.workers
    if workers == 1:
        SignetServer(options.uvicorn_config(host=host, port=port)).run()
        return 0
    if not hasattr(socket, "SO_REUSEPORT"):  # uvicorn's own workers; no certificate reload
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers,
                    log_level=options.log_level, server_header=False,
                    access_log=options.access_log,
                    ssl_certfile=options.tls_cert, ssl_keyfile=options.tls_key,
                    **uvicorn_options(options.limits))
        return 0
    try:
        reuseport_socket(host, port).close()  # the port is free (or ours to share): say so now
    except OSError as err:
        log.error("cannot listen on %s:%s: %s", host, port, err.strerror)
        return 1
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(target=_worker, args=(options,), daemon=False)
        process.start()
        return process, time.monotonic()

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process, _ in procs:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes in-flight requests

    procs = [start() for _ in range(workers)]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while procs:
        for index, (process, started) in enumerate(list(procs)):
            process.join(0.2)
            if process.exitcode is None:
                continue
            if stopping:
                procs.remove((process, started))
            elif process.exitcode > 0 and time.monotonic() - started < EARLY_EXIT_SECONDS:
                # exited by itself this soon (not killed by a signal): it could not start
                log.error("a worker exited at start (status %s): stopping", process.exitcode)
                status = 1
                stop(signal.SIGTERM, None)
            else:
                log.warning("a worker exited (status %s): starting another", process.exitcode)
                procs[index] = start()
    return status
