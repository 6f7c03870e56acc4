"""One measured run: wrk against a URL for a bounded time, with the CPU and memory it cost.

wrk is a C load generator: at the request rates of an image server it needs a
few percent of one core (each run records how much), where a Python client
would take a large share of the two cores away from the server under test.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from bench import procstat
from bench.servers import Server

LUA = Path(__file__).with_name("report.lua")
CORES = os.cpu_count() or 1
BUSY_THRESHOLD = 0.85  # each core at least this busy, or the figure is not valid
SKEW_THRESHOLD = 1.5  # a worker doing more than 1.5x its fair share of the work is flagged
OTHER_NOTE = 25.0  # % of one core used by processes outside the test: noted
OTHER_INVALID = 50.0  # ... and past this the figure is not valid (the machine was shared)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: run bench/setup.sh (apt-get install wrk)")
    return path


def wait_idle(stack: Sequence[Server], timeout: float = 20.0) -> float:
    """Wait until the servers have finished leftover work (renders whose client left).

    Returns the seconds waited. A run must not be charged for the previous one's queue.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pids = [pid for s in stack for pid in s.pids()]
        before = sum(procstat.cpu_jiffies(pid) for pid in pids)
        time.sleep(0.25)
        used = sum(procstat.cpu_jiffies(pid) for pid in pids) - before
        if used / procstat.TICKS < 0.25 * 0.05:  # under 5% of one core
            break
    return time.monotonic() - started


def run_load(
    url: str,
    connections: int,
    seconds: float,
    stack: Sequence[Server],
    primary: Server,
    threads: int = 1,
    timeout: float = 60.0,
    paths: Path | None = None,
) -> dict:
    """Run wrk with `connections` keep-alive connections for `seconds`.

    `stack` is every server process that works for this target (thumbor counts its
    nginx), `primary` the one whose worker processes should share the load. With
    `paths` (a file of request paths), wrk cycles through them instead of `url`'s path.
    """
    seconds = max(1, math.ceil(seconds))
    threads = max(1, min(threads, connections))
    wait_idle(stack)
    server_pids = sorted({pid for s in stack for pid in s.pids()})
    workers = primary.worker_pids()
    for pid in workers:
        procstat.reset_peak_rss(pid)
    cpu0 = procstat.CpuTimes.now()
    jiffies0 = {pid: procstat.cpu_jiffies(pid) for pid in server_pids}
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", f"{int(timeout)}s", "-s", str(LUA), url,
         *(["--", str(paths)] if paths else [])],
        capture_output=True, text=True, timeout=seconds + timeout + 30,
    )
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu1 = procstat.CpuTimes.now()
    jiffies = {pid: procstat.cpu_jiffies(pid) - j for pid, j in jiffies0.items()}
    peak = {pid: procstat.status_kib(pid, "VmHWM") for pid in workers}

    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    w = json.loads(line.removeprefix("BENCH_JSON "))

    wall = w["duration_us"] / 1e6
    busy = cpu1.busy_since(cpu0)
    per_core = [busy[f"cpu{i}"] for i in range(CORES) if f"cpu{i}" in busy]
    tick = procstat.TICKS
    server_pct = 100 * sum(jiffies.values()) / tick / wall
    worker_pct = [100 * jiffies.get(pid, 0) / tick / wall for pid in workers]
    wrk_pct = 100 * (
        (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    ) / wall
    all_pct = 100 * cpu1.busy_jiffies_since(cpu0) / tick / wall
    other_pct = max(0.0, all_pct - server_pct - wrk_pct)
    errors = (
        w["connect_errors"] + w["read_errors"] + w["write_errors"]
        + w["status_errors"] + w["timeouts"]
    )

    invalid, notes = [], []
    if errors:
        invalid.append(f"{errors} errors")
    if w["requests"] == 0:
        invalid.append("no answer")
    # "Both cores busy" counts only the server and the load generator: a core kept
    # busy by someone else's process does not make the figure valid.
    ours = (server_pct + wrk_pct) / (100 * CORES)
    if connections >= CORES and ours < BUSY_THRESHOLD:
        invalid.append(f"cores not all busy (server+wrk {100 * ours:.0f}% of {CORES} cores)")
    if len(workers) > 1 and connections >= len(workers) and sum(worker_pct) > 0:
        shares = [p / sum(worker_pct) for p in worker_pct]
        if max(shares) > SKEW_THRESHOLD / len(workers):
            notes.append("worker skew " + "/".join(f"{100 * s:.0f}" for s in shares) + "%")
    if other_pct > OTHER_INVALID:
        invalid.append(f"other load {other_pct:.0f}%")
    elif other_pct > OTHER_NOTE:
        notes.append(f"other load {other_pct:.0f}%")

    return {
        "url": url,
        "paths": str(paths) if paths else None,
        "connections": connections,
        "seconds": wall,
        "requests": w["requests"],
        "rps": w["requests"] / wall if wall else 0.0,
        "p50_ms": w["p50_us"] / 1000,
        "p90_ms": w["p90_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "max_ms": w["max_us"] / 1000,
        "bytes": w["bytes"],
        "errors": errors,
        "error_detail": {k: w[k] for k in (
            "connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")},
        "cpu_busy_pct": 100 * busy["cpu"],
        "core_busy_pct": [100 * b for b in per_core],
        "server_cpu_pct": server_pct,  # 100 = one core
        "worker_cpu_pct": worker_pct,
        "wrk_cpu_pct": wrk_pct,
        "other_cpu_pct": other_pct,
        "worker_peak_rss_kib": [peak[pid] for pid in workers],
        "valid": not invalid,
        "invalid": invalid,
        "notes": notes,
    }
