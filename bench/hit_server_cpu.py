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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import servers
from bench.images import photo

URL = "/bench/photo.jpg?w=300&h=300&fit=max&q=80"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(command, env={**os.environ, **env})
    for _ in range(150):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[2]} did not start on port {port}")


def main(n: int, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="signet-hitcpu-"))
    photo(2400, 1600, seed=1).save(work / "photo.jpg", "JPEG", quality=90)
    config = work / "signet.toml"
    config.write_text(f'[[sources]]\nname = "bench"\ntype = "folder"\nroot = "{work}"\n')
    ports = servers.free_port(), servers.free_port()
    signet = _start([sys.executable, "-m", "app.ops.cli", "serve", "--config", str(config),
                     "--host", "127.0.0.1", "--port", str(ports[0]), "--workers", "1",
                     "--log-level", "warning"], ports[0], {})
    answer = httpx.get(f"http://127.0.0.1:{ports[0]}{URL}").content
    (work / "answer.jpg").write_bytes(answer)
    bare = _start([sys.executable, "-m", "uvicorn", "bench.bare_app:create_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(ports[1]), "--workers", "1",
                   "--log-level", "warning", "--no-server-header"], ports[1],
                  {"BENCH_BARE_FILE": str(work / "answer.jpg")})
    figures: dict[str, list[float]] = {"signet": [], "bare": []}
    try:
        for _ in range(rounds):
            for name, proc, port in (("signet", signet, ports[0]), ("bare", bare, ports[1])):
                with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                    for _ in range(50):  # warm: the render cached, connections open
                        client.get(URL)
                    before = _cpu_seconds(proc.pid)
                    for _ in range(n):
                        client.get(URL)
                    figures[name].append((_cpu_seconds(proc.pid) - before) / n * 1e6)
    finally:
        for proc in (signet, bare):
            proc.terminate()
            proc.wait(10)
    for name, values in figures.items():
        print(f"{name:7} us of server CPU per hit: {' '.join(f'{v:.0f}' for v in values)}")
    print(f"bare / Signet (best rounds): {min(figures['bare']) / min(figures['signet']):.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [4000, 3][len(args):]))
