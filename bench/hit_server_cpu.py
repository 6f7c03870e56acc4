"""A cached hit's CPU on a real server, against the bare Starlette handler's (issue 16).

Steadier than req/s on a shared machine: each server runs one worker, a sequential
keep-alive client (httpx, in this process) asks for the same URL N times, and the
server process's own CPU (/proc/PID/stat, every thread) is read before and after; Signet
and the bare handler alternate, so a change of the machine's speed hits both.

    .venv/bin/python -m bench.hit_server_cpu [N] [ROUNDS]

Prints microseconds of server CPU per hit, per round, and bare / Signet (the best round of
each): 1.0 would be a hit costing what the bare handler's answer costs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import httpx

from bench import procstat, servers
from bench.images import photo

URL = "/bench/photo.jpg?w=300&h=300&fit=max&q=80"


def _hits(server: servers.Server, n: int) -> float:
    """Microseconds of the server's CPU per hit, over `n` hits on one connection."""
    pid = server.worker_pids()[0]  # one worker: it serves by itself
    with httpx.Client(base_url=server.base_url) as client:
        for _ in range(50):  # warm: the render cached, the connection open
            client.get(URL)
        before = procstat.cpu_jiffies(pid)
        for _ in range(n):
            client.get(URL)
        ticks = procstat.cpu_jiffies(pid) - before
    return ticks / os.sysconf("SC_CLK_TCK") / n * 1e6


def main(n: int, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="signet-hitcpu-"))
    photo(2400, 1600, seed=1).save(work / "photo.jpg", "JPEG", quality=90)
    config = work / "signet.toml"  # one unsigned folder source, the memory tier on (a default)
    config.write_text(f'[[sources]]\nname = "bench"\ntype = "folder"\nroot = "{work}"\n')
    signet = servers.signet(config, servers.free_port(), 1, work / "logs").start()
    bare = None
    try:
        signet.wait_ready()
        (work / "answer.jpg").write_bytes(httpx.get(signet.base_url + URL).content)
        bare = servers.bare_handler(
            work / "answer.jpg", "image/jpeg", servers.free_port(), 1, work / "logs"
        ).start()
        bare.wait_ready()
        figures: dict[str, list[float]] = {"signet": [], "bare": []}
        for _ in range(rounds):  # alternated: a change of the machine's speed hits both
            figures["signet"].append(_hits(signet, n))
            figures["bare"].append(_hits(bare, n))
    finally:
        for server in (signet, bare):
            if server is not None:
                server.stop()
    for name, values in figures.items():
        print(f"{name:7} us of server CPU per hit: {' '.join(f'{v:.0f}' for v in values)}")
    print(f"bare / Signet (best rounds): {min(figures['bare']) / min(figures['signet']):.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [4000, 3][len(args):]))
