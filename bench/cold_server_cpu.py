"""A cold answer's CPU on a real server, against the Pillow limit's (issue 16).

Steadier than req/s on a shared machine: Signet runs one worker with its result cache off,
`--concurrency` keep-alive clients (threads of this process) ask for a workload's URL over
`--names` hard-linked names of its original (2048, as the load runs), so every answer is a
render and every render reads its file, and the server
process's own CPU (/proc/PID/stat, every thread) is read before and after each round; the
limit function of bench/workloads.py runs on the same bytes in this process, in the same
rounds. With several checkouts (`--checkout DIR`, each a clone of Signet), their servers
run side by side and take turns, so a change of the machine's speed hits them alike.

    .venv/bin/python -m bench.cold_server_cpu [--workload a] [--requests 150]
        [--concurrency 1] [--rounds 5] [--names 2048] [--checkout DIR ...]

Prints microseconds of server CPU per answer for each round, the limit's, and limit /
server (1.0: an answer costs what the limit's decode, resize and encode cost).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench import images, procstat, servers
from bench.workloads import LIMIT_FUNCTIONS, WORKLOADS


def _load(server: servers.Server, urls: list[str], per_client: int, clients: int) -> None:
    def client(k: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            for j in range(per_client):
                resp = http.get(urls[(j * clients + k) % len(urls)])
                assert resp.status_code == 200, (resp.status_code, resp.text[:200])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="a", help="a cold workload of bench/workloads.py")
    parser.add_argument("--requests", type=int, default=150, help="per client per round")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--names", type=int, default=2048, help="names of the original")
    parser.add_argument("--checkout", action="append", default=[],
                        help="a Signet checkout to run (repeatable; default: this one)")
    args = parser.parse_args()
    wl = {w.key: w for w in WORKLOADS}[args.workload]
    limit = LIMIT_FUNCTIONS[wl.limit or ""]
    work = Path(tempfile.mkdtemp(prefix="signet-coldcpu-"))
    paths = images.write_sources(work)
    urls = [servers.signed_path(wl, name) for name in images.variants(work, wl.source, args.names)]
    data = paths[wl.source].read_bytes()
    mark = paths["logo.png"].read_bytes()
    config = servers.signet_config(work / "signet.toml", work, warm=False)
    checkouts = args.checkout or [None]
    running = []
    try:
        for i, checkout in enumerate(checkouts):
            server = servers.signet(config, servers.free_port(), 1, work / f"logs-{i}")
            server.cwd = checkout  # `python -m app.ops.cli` from that checkout
            running.append(server.start())
        for server in running:
            server.wait_ready()
            _load(server, urls, 8, 1)  # warm; the names share one inode: its digest is known
        spent: list[list[float]] = [[] for _ in running]
        limits: list[float] = []
        answers = args.requests * args.concurrency
        for _ in range(args.rounds):
            for figures, server in zip(spent, running, strict=True):
                pid = server.worker_pids()[0]
                before = procstat.cpu_jiffies(pid)
                _load(server, urls, args.requests, args.concurrency)
                ticks = procstat.cpu_jiffies(pid) - before
                figures.append(ticks / procstat.TICKS / answers * 1e6)
            started = time.process_time()
            for _ in range(40):
                limit(data, mark)
            limits.append((time.process_time() - started) / 40 * 1e6)
    finally:
        for server in running:
            server.stop()
    print(f"({wl.key}) {args.concurrency} client(s), {answers} answers a round, "
          f"{args.rounds} rounds; us of CPU per answer")
    print(f"  {'limit':24} {' '.join(f'{v:6.0f}' for v in limits)}")
    for checkout, figures in zip(checkouts, spent, strict=True):
        ratios = [lim / v for lim, v in zip(limits, figures, strict=True)]
        print(f"  {checkout or 'this checkout':24} {' '.join(f'{v:6.0f}' for v in figures)}"
              f"   limit / server: median {statistics.median(ratios):.3f}"
              f" ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
