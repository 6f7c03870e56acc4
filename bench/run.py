"""`python -m bench`: Signet against thumbor and bare Pillow, on this machine, in one run."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from bench import faces, images, load, overload, peers, report, servers
from bench.series import BENCH, CORES, WORK, log
from bench.stacks import measure_servers
from bench.workloads import WORKLOADS

RESULTS = BENCH / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    p.add_argument("--limit-duration", type=float, default=5,
                   help="seconds per in-process Pillow limit measurement")
    p.add_argument("--warmup", type=float, default=1, help="seconds of load before each series")
    p.add_argument("--concurrency", default="1,4,16", help="comma-separated connection counts")
    p.add_argument("--workers", type=int, default=CORES, help="Signet workers / thumbor instances")
    p.add_argument("--only", default="", help="workloads to run, e.g. a,d (default: all)")
    p.add_argument("--memory-concurrency", type=int, default=32,
                   help="connections for the extra peak-RSS figure on (e); 0 to skip")
    p.add_argument("--quick", action="store_true",
                   help="short runs for development: 2 s runs, 2 s limits, c=1,4,16")
    p.add_argument("--skip-thumbor", action="store_true")
    p.add_argument("--skip-bare-render", action="store_true",
                   help="no bench/bare_render.py series (the cold workloads' server ceiling)")
    p.add_argument("--reuseport-for", default="a,d",
                   help="workloads also run on Signet's app with one SO_REUSEPORT socket per "
                   "worker (bench/reuseport.py); empty to skip")
    p.add_argument("--profile", action="store_true",
                   help="also sample Signet's workers with py-spy on each workload (extra runs)")
    p.add_argument("--no-setup", action="store_true", help="do not run bench/setup.sh first")
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--quiet-wait", type=float, default=15,
                   help="before each series, wait up to this many seconds for other processes "
                   "to leave the CPU (at most 60 s in all); 0 never waits")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if args.quick:
        args.duration = min(args.duration, 2)
        args.limit_duration = min(args.limit_duration, 2)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    args.only = set(filter(None, args.only.split(",")))
    args.reuseport_for = set(filter(None, args.reuseport_for.split(",")))
    return args


def _cmd_output(command: list[str]) -> str:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (proc.stdout + proc.stderr).strip()


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{CORES} cores ({model}), {mem:.0f} GiB, Linux {platform.release()}"


VERSION_OF = "import %s as m; print(m.__version__)"


def meta(args: argparse.Namespace, argv: list[str] | None) -> dict:
    thumbor_py = servers.BENCH_VENV / "bin" / "python"
    commit = _cmd_output(["git", "-C", str(servers.REPO), "rev-parse", "--short", "HEAD"])
    dirty = _cmd_output(["git", "-C", str(servers.REPO), "status", "--porcelain",
                         "--", "app", "transforms", "sources"])
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv),
        "signet_commit": commit + ("+uncommitted" if dirty and dirty != "?" else ""),
        "python": platform.python_version(),
        "pillow": Image.__version__,
        "thumbor": _cmd_output([str(thumbor_py), "-c", VERSION_OF % "thumbor"]),
        "thumbor_pillow": _cmd_output([str(thumbor_py), "-c", VERSION_OF % "PIL"]),
        "wrk": _cmd_output(["wrk", "--version"]).splitlines()[0].split(" [")[0]
        if load.shutil.which("wrk") else "no wrk",
        "nginx": _cmd_output(["nginx", "-v"]).replace("nginx version: ", "")
        if peers.nginx_available() else "no nginx",
        "workers": args.workers,
        "duration": args.duration,
        "concurrency": args.concurrency,
        "cores": CORES,
    }



@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt, so the finally blocks stop every server."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def check_targets(results: dict) -> list[str]:
    out = []
    top = str(max(results["meta"]["concurrency"]))
    for key in ("a", "b", "c", "e"):
        runs = results["runs"].get(key, {})
        s = runs.get("signet", {}).get(top)
        if s is None:
            out.append(f"({key}): no Signet figure")
            continue
        limit, how = report.limit_for(results, key, int(top))
        t = runs.get("thumbor", {}).get(top)
        ratio = s["rps"] / limit if limit else None
        ok = ratio is not None and ratio >= 0.95 and (t is None or s["rps"] >= 1.05 * t["rps"])
        out.append(
            f"({key}) c={top}: Signet {s['rps']:.1f} req/s = "
            f"{100 * ratio:.0f}% of the limit ({how})" if ratio is not None else f"({key})"
        )
        lrun, _ = report.limit_run(results, key, int(top))
        caveats = [] if s["valid"] else ["run not valid"]
        if lrun and not report.limit_valid(lrun):
            caveats.append("limit not valid")
        out[-1] += (f", {s['rps'] / t['rps']:.2f}x thumbor" if t else "") + (
            " -> met" if ok else " -> NOT met") + (f" ({', '.join(caveats)})" if caveats else "")
        bare = runs.get("bare-render", {}).get(top)
        if bare and limit:  # what a server that does nothing else reaches: the ceiling
            out[-1] += (f"; the bare render server {100 * bare['rps'] / limit:.0f}% of the limit,"
                        f" Signet {100 * s['rps'] / bare['rps']:.0f}% of it")
    d = results["runs"].get("d", {})
    for c in results["meta"]["concurrency"]:  # issue 16: at every concurrency, p99 at the top
        s, bare = d.get("signet", {}).get(str(c)), d.get("bare", {}).get(str(c))
        if not (s and bare):
            continue
        ok = s["rps"] >= 0.6 * bare["rps"] and (str(c) != top or s["p99_ms"] < 5)
        out.append(
            f"(d) c={c}: Signet {s['rps']:.0f} req/s = {100 * s['rps'] / bare['rps']:.0f}% of the"
            f" bare handler, p99 {s['p99_ms']:.1f} ms -> {'met' if ok else 'NOT met'}"
            + ("" if results["meta"].get("signet_result_cache") else
               " (Signet has no result cache yet)")
        )
    for label, m in results["memory"].items():
        if m["server"] != "signet":
            continue
        peaks = [p for p in m["worker_peak_rss_kib"] if p]
        if peaks:
            ok = max(peaks) < report.GIB_KIB
            out.append(f"{label} c={m['connections']}: peak RSS per worker "
                       f"{max(peaks) / 1024:.0f} MiB -> {'met' if ok else 'NOT met'}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if not args.no_setup:
        subprocess.run(["bash", str(BENCH / "setup.sh")], check=True)
    load.wrk_path()
    if not args.skip_thumbor and not (servers.BENCH_VENV / "bin" / "thumbor").exists():
        raise SystemExit("bench: thumbor is not installed in bench/.venv; run bench/setup.sh")
    use_nginx = peers.nginx_available()
    if not use_nginx and not args.skip_thumbor:
        raise SystemExit("bench: nginx is needed in front of thumbor; run bench/setup.sh")

    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_dir = args.out / f"logs-{stamp}"
    WORK.mkdir(parents=True, exist_ok=True)
    src_dir = images.write_sources(WORK / "sources")
    workloads = [w for w in WORKLOADS if not args.only or w.key in args.only]
    results: dict = {
        "meta": meta(args, argv),
        "workloads": [{"key": w.key, "title": w.title, "source": w.source} for w in workloads
                      if w.kind not in ("overload", "faces")],
        "limits": {}, "runs": {}, "memory": {}, "skipped": {}, "answers": {}, "profiles": {},
        "notes": [],
    }
    notes = results["notes"]
    log(f"{results['meta']['machine']}; {args.duration} s per run, c={args.concurrency}")

    started_servers: list[servers.Server] = []

    def start(server: servers.Server) -> servers.Server:
        started_servers.append(server)
        return server.start()

    try:
        with stop_on_sigterm():
            measure_servers(args, results, workloads, src_dir, log_dir, use_nginx, start)
            measure_overload(results, args, workloads, log_dir)
            measure_faces(results, args, workloads, log_dir)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        raise
    finally:
        for server in reversed(started_servers):
            server.stop()

    results["targets"] = check_targets(results)
    notes.append(f"whole run took {time.monotonic() - started:.0f} s")
    print()
    print(report.render(results, markdown=False))
    md, js = report.write(results, args.out, stamp)
    log(f"wrote {md} and {js} (server logs in {log_dir})")
    return 0


def measure_faces(results, args, workloads, log_dir) -> None:
    """(k): crop=faces, first request of an original and a second size (bench/faces.py)."""
    for wl in [w for w in workloads if w.kind == "faces"]:
        log(f"({wl.key}) {wl.title}")
        result = faces.run(args.workers, log_dir, args.skip_thumbor)
        results["faces"] = result
        results["notes"].append(faces.summary(result))
        log("  " + faces.summary(result))


def measure_overload(results, args, workloads, log_dir) -> None:
    """(h): a burst of distinct requests for a 45 MB original (bench/overload.py)."""
    for wl in [w for w in workloads if w.kind == "overload"]:
        log(f"({wl.key}) {wl.title}")
        # One worker: the 100 requests overflow its queue (transform_workers + max_queue,
        # 2 + 64 here), so the run shows its 503s; with two, the sockets share the burst
        # and the queues hold it all (the full run of 2026-12-02 had no 503).
        result = overload.run(1, log_dir)
        results["memory"][f"({wl.key}) signet"] = result
        results["notes"].append(overload.summary(result))
        log("  " + overload.summary(result))
