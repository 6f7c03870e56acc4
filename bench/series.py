"""One measured series and what each needs: the log line, a check of the answer, a wait
for other load to pass, the runs at each concurrency, the Pillow limit of a workload.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path

from PIL import Image

from bench import load, procstat, servers
from bench.limit import measure_limit
from bench.workloads import Workload

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
CORES = os.cpu_count() or 1


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)

def check_answer(
    server: servers.Server, path: str, wl: Workload, thumbor: bool = False
) -> tuple[int, str, bytes, dict[str, str]]:
    """GET once; (status, problem or "", body, headers). Also warms the server's caches.
    A thumbor answer is checked against `wl.thumbor_expect` where the workload has one."""
    status, headers, body = servers.http_get(server.base_url + path, timeout=120)
    if status != 200:
        return status, body[:200].decode(errors="replace").strip(), body, headers
    try:
        img = Image.open(io.BytesIO(body))
        got = (img.format, img.size)
    except Exception as err:  # noqa: BLE001 - any undecodable answer is a failure
        return status, f"answer is not an image ({err})", body, headers
    expect = wl.thumbor_expect if thumbor and wl.thumbor_expect else wl.expect
    if got != expect:
        problem = f"answer is {got[0]} {got[1]}, expected {expect[0]} {expect[1]}"
        return status, problem, body, headers
    frames = getattr(img, "n_frames", 1)
    if frames != wl.frames:
        return status, f"answer has {frames} frames, expected {wl.frames}", body, headers
    return status, "", body, headers


QUIET_BUDGET = [60.0]  # seconds of waiting left for the whole run
QUIET_LOAD = 25.0  # % of one core that other processes may use before a series starts


def wait_for_quiet(args: argparse.Namespace, results: dict) -> None:
    """Other engineers' tests share this machine: let a burst of theirs pass, briefly."""
    deadline = time.monotonic() + min(args.quiet_wait, QUIET_BUDGET[0])
    started = time.monotonic()
    while True:
        before = procstat.CpuTimes.now()
        time.sleep(1)
        other = 100 * procstat.CpuTimes.now().busy_jiffies_since(before) / procstat.TICKS
        if other < QUIET_LOAD or time.monotonic() >= deadline:
            break
    waited = time.monotonic() - started - 1
    if waited > 0.5:
        QUIET_BUDGET[0] = max(0.0, QUIET_BUDGET[0] - waited)
        results["meta"]["quiet_waited_s"] = results["meta"].get("quiet_waited_s", 0) + waited
        log(f"  waited {waited:.0f} s for other load to pass (now {other:.0f}% of a core)")


def run_series(
    results: dict, args: argparse.Namespace, key: str, who: str, url: str,
    stack: list[servers.Server], primary: servers.Server, paths: Path | None = None,
) -> None:
    if args.quiet_wait > 0:
        wait_for_quiet(args, results)
    if args.warmup > 0:
        load.run_load(url, max(args.concurrency), args.warmup, stack, primary, args.wrk_threads,
                      paths=paths)
    for c in args.concurrency:
        run = load.run_load(url, c, args.duration, stack, primary, args.wrk_threads,
                            paths=paths)
        results["runs"].setdefault(key, {}).setdefault(who, {})[str(c)] = run
        flags = ", ".join(run["invalid"] + run["notes"])
        log(f"  ({key}) {who:<8} c={c:<3} {run['rps']:8.1f} req/s  p50 {run['p50_ms']:7.1f} ms"
            f"  p99 {run['p99_ms']:7.1f} ms  CPU {run['server_cpu_pct']:4.0f}%"
            f"  cores {'/'.join(f'{b:.0f}' for b in run['core_busy_pct'])}%"
            + (f"  [{flags}]" if flags else ""))


def measure_limit_of(args, results, wl: Workload, src_dir) -> None:
    """The Pillow limit of one workload, measured just before its servers' runs (the
    machine's speed drifts over minutes, with other tenants' load)."""
    if wl.limit is None:
        return
    marked = "mark" in wl.signet_query or "l-image" in wl.signet_query
    mark = src_dir["logo.png"] if marked else None
    if args.quiet_wait > 0:
        wait_for_quiet(args, results)
    lim = measure_limit(wl.limit, src_dir[wl.source], mark, args.limit_duration, CORES)
    results["limits"][wl.key] = lim
    log(f"  Pillow limit: 1 thread {lim['threads_1']['rps']:.1f}/s, "
        f"{CORES} threads {lim['threads_n']['rps']:.1f}/s, "
        f"{CORES} processes {lim['processes_n']['rps']:.1f}/s")
