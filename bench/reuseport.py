"""An experiment for Signet's CLI: one listening socket per worker, with SO_REUSEPORT.

`uvicorn --workers N` shares one listening socket between its workers. Each worker's
event loop wakes on a new connection and accepts as many as are queued, so a burst
of keep-alive connections (a load balancer's or CDN's pool, or wrk's) can all land
on one worker, which then does all the work for as long as they stay open. With
SO_REUSEPORT each worker has its own socket and the kernel spreads new connections
across them by a hash of the address pair, whichever worker happens to be awake.

This serves Signet's own app (`app.service:create_app_from_env`, config from
SIGNET_CONFIG) that way, so the bench can measure the difference without changing
app/:  python -m bench.reuseport --port 8080 --workers 2
`--app` serves another app factory the same way (bench/bare_render.py's, so that the
render ceiling's workers share connections as `signet serve`'s do).
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys


def listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


SIGNET_APP = "app.service:create_app_from_env"


def serve_one(host: str, port: int, log_level: str, app: str = SIGNET_APP) -> None:
    import uvicorn

    from app.ops.workers import ACCESS_LOG_LEVELS

    config = uvicorn.Config(
        app, factory=True, log_level=log_level, server_header=False,
        access_log=log_level in ACCESS_LOG_LEVELS,  # as `signet serve`
    )
    uvicorn.Server(config).run(sockets=[listen(host, port)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reuseport", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--app", default=SIGNET_APP, help="an ASGI app factory (module:function)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        serve_one(args.host, args.port, args.log_level, args.app)
        return 0
    command = [sys.executable, "-m", "bench.reuseport", "--child", "--host", args.host,
               "--port", str(args.port), "--log-level", args.log_level, "--app", args.app]
    children = [subprocess.Popen(command) for _ in range(args.workers)]

    def forward(signum, frame):
        for c in children:
            c.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(c.wait() for c in children)


if __name__ == "__main__":
    sys.exit(main())
