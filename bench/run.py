"""`python -m bench`: Signet against thumbor and bare Pillow, on this machine, in one run."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
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

from bench import images, load, overload, procstat, pyspy, report, servers
from bench.limit import measure_limit
from bench.workloads import WORKLOADS, Workload

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
WORK = BENCH / ".work"
CORES = os.cpu_count() or 1

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
        if servers.nginx_available() else "no nginx",
        "workers": args.workers,
        "duration": args.duration,
        "concurrency": args.concurrency,
        "cores": CORES,
    }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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


def check_answer(
    server: servers.Server, path: str, wl: Workload
) -> tuple[int, str, bytes, dict[str, str]]:
    """GET once; (status, problem or "", body, headers). Also warms the server's caches."""
    status, headers, body = servers.http_get(server.base_url + path, timeout=120)
    if status != 200:
        return status, body[:200].decode(errors="replace").strip(), body, headers
    try:
        img = Image.open(io.BytesIO(body))
        got = (img.format, img.size)
    except Exception as err:  # noqa: BLE001 - any undecodable answer is a failure
        return status, f"answer is not an image ({err})", body, headers
    if got != wl.expect:
        problem = f"answer is {got[0]} {got[1]}, expected {wl.expect[0]} {wl.expect[1]}"
        return status, problem, body, headers
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
        ok = ratio is not None and ratio >= 0.95 and (t is None or s["rps"] > t["rps"])
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
    d = results["runs"].get("d", {})
    s, bare = d.get("signet", {}).get(top), d.get("bare", {}).get(top)
    if s and bare:
        ok = s["rps"] >= 0.5 * bare["rps"] and s["p99_ms"] < 10
        out.append(
            f"(d) c={top}: Signet {s['rps']:.0f} req/s = {100 * s['rps'] / bare['rps']:.0f}% of the"
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
    use_nginx = servers.nginx_available()
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
                      if w.kind != "overload"],
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


def measure_limit_of(args, results, wl: Workload, src_dir) -> None:
    """The Pillow limit of one workload, measured just before its servers' runs (the
    machine's speed drifts over minutes, with other tenants' load)."""
    if wl.limit is None:
        return
    mark = src_dir["logo.png"] if "mark" in wl.signet_query else None
    if args.quiet_wait > 0:
        wait_for_quiet(args, results)
    lim = measure_limit(wl.limit, src_dir[wl.source], mark, args.limit_duration, CORES)
    results["limits"][wl.key] = lim
    log(f"  Pillow limit: 1 thread {lim['threads_1']['rps']:.1f}/s, "
        f"{CORES} threads {lim['threads_n']['rps']:.1f}/s, "
        f"{CORES} processes {lim['processes_n']['rps']:.1f}/s")


def measure_servers(args, results, workloads, src_dir, log_dir, use_nginx, start) -> None:
    notes = results["notes"]
    work = WORK
    root = src_dir["photo.jpg"].parent
    has_cache = servers.signet_has_result_cache()
    results["meta"]["signet_result_cache"] = has_cache
    cold_toml = servers.signet_config(work / "signet-cold.toml", root, warm=False)
    warm_toml = servers.signet_config(work / "signet-warm.toml", root, warm=True)
    signet = start(servers.signet(cold_toml, servers.free_port(), args.workers, log_dir))
    keys = {w.key for w in workloads}
    cold_keys = {w.key for w in workloads if w.kind == "cold"}
    reuseport = None
    if args.reuseport_for & cold_keys:
        reuseport = start(servers.signet_reuseport(
            cold_toml, servers.free_port(), args.workers, log_dir))
    thumbor = thumbor_warm = ng = None
    upstreams: dict = {}
    if not args.skip_thumbor:
        cold_ports = [servers.free_port() for _ in range(args.workers)]
        thumbor_cold = start(servers.thumbor_group(
            "thumbor", root, cold_ports, log_dir, work, warm=False))
        upstreams["thumbor"] = (servers.free_port(), cold_ports)
        if "d" in keys:
            warm_ports = [servers.free_port() for _ in range(args.workers)]
            thumbor_warm_group = start(servers.thumbor_group(
                "thumbor-warm", root, warm_ports, log_dir, work, warm=True))
            upstreams["thumbor_warm"] = (servers.free_port(), warm_ports)
    static_root = work / "static"
    static_root.mkdir(exist_ok=True)
    if use_nginx:
        ng = start(servers.nginx(work / "nginx", static_root, servers.free_port(), upstreams,
                                 args.workers, log_dir))
    signet.wait_ready()
    if reuseport:
        reuseport.wait_ready()
    if ng:
        ng.wait_ready()
    if "thumbor" in upstreams:
        thumbor_cold.wait_ready(cold_ports)
        # What the clients talk to is nginx's port; the instances are for CPU attribution.
        thumbor = _Front(thumbor_cold, upstreams["thumbor"][0])
    if "thumbor_warm" in upstreams:
        thumbor_warm_group.wait_ready(warm_ports)
        thumbor_warm = _Front(thumbor_warm_group, upstreams["thumbor_warm"][0])
    log(f"servers up: Signet on {signet.port} ({args.workers} workers, result cache "
        + ("off" if has_cache else "absent") + ")"
        + (f", thumbor x{args.workers} behind nginx on {thumbor.port}" if thumbor else ""))

    from app.signing import sign_url

    def signed_path(wl: Workload, source: str | None = None) -> str:
        return sign_url(wl.signet_path(source), servers.SIGNET_KEY)

    def path_list(name: str, paths: list[str]) -> Path:
        out = work / f"paths-{name}.txt"
        out.write_text("\n".join(paths) + "\n")
        return out

    for wl in [w for w in workloads if w.kind == "cold"]:
        log(f"({wl.key}) {wl.title}")
        measure_limit_of(args, results, wl, src_dir)
        # Every request of a cold run asks for a different file name (same bytes), so
        # nothing is coalesced or cached: each answer is a full transform.
        names = images.variants(root, wl.source)
        signet_paths = path_list(f"{wl.key}-signet", [signed_path(wl, n) for n in names])
        thumbor_paths = path_list(f"{wl.key}-thumbor", [wl.thumbor_unsafe(n) for n in names])
        path = signed_path(wl, names[0])
        status, problem, body, _ = check_answer(signet, path, wl)
        results["answers"].setdefault(wl.key, {})["signet"] = {
            "status": status, "problem": problem, "bytes": len(body)}
        if status == 400 and "mark" in wl.signet_query:
            why = f"Signet answers 400 for mark ({problem}): watermarks are not implemented yet"
            results["skipped"].setdefault(wl.key, {})["Signet"] = why
            log(f"  Signet skipped: {why}")
        elif problem:
            results["skipped"].setdefault(wl.key, {})["Signet"] = f"{status}: {problem}"
            log(f"  Signet skipped: {status} {problem}")
        else:
            run_series(results, args, wl.key, "signet", signet.base_url + path, [signet], signet,
                       signet_paths)
            extras(results, args, wl, signet, reuseport, path, signet_paths)
            if wl.key == "e":
                measure_memory(results, args, "f", "signet", signet.base_url + path,
                               [signet], signet, signet_paths)
        if thumbor:
            tpath = wl.thumbor_unsafe(names[0])
            status, problem, body, _ = check_answer(thumbor, tpath, wl)
            results["answers"][wl.key]["thumbor"] = {
                "status": status, "problem": problem, "bytes": len(body)}
            if problem:
                results["skipped"].setdefault(wl.key, {})["thumbor"] = f"{status}: {problem}"
                log(f"  thumbor skipped: {status} {problem}")
            else:
                stack = [thumbor.group, ng]
                run_series(results, args, wl.key, "thumbor", thumbor.base_url + tpath, stack,
                           thumbor.group, thumbor_paths)
                if wl.key == "e":
                    measure_memory(results, args, "f", "thumbor", thumbor.base_url + tpath,
                                   stack, thumbor.group, thumbor_paths)
    if reuseport:
        reuseport.stop()

    for wl in [w for w in workloads if w.kind == "warm"]:
        log(f"({wl.key}) {wl.title}")
        path = signed_path(wl)
        warm_signet = signet
        toml = warm_toml if has_cache else cold_toml
        if has_cache:
            signet.stop()  # one Signet at a time: the cold one is done
            warm_signet = start(servers.signet(
                toml, servers.free_port(), args.workers, log_dir, name="signet-warm"))
            warm_signet.wait_ready()
        else:
            notes.append("(d): Signet has no result cache yet, so its (d) figures are what it "
                         "does today: a full transform of (a) on every hit")
        warm_reuseport = None
        if wl.key in args.reuseport_for:
            warm_reuseport = start(servers.signet_reuseport(
                toml, servers.free_port(), args.workers, log_dir, name="signet-reuseport-warm"))
            warm_reuseport.wait_ready()
        # Each worker has its own memory tier: a few requests on new connections reach
        # every worker (a worker that missed them renders once, then hits).
        for server in filter(None, (warm_signet, warm_reuseport)):
            for _ in range(4 * args.workers if has_cache else 1):
                check_answer(server, path, wl)
        status, problem, body, headers = check_answer(warm_signet, path, wl)
        cache_state = headers.get("X-Signet-Cache", headers.get("x-signet-cache", ""))
        results["answers"].setdefault(wl.key, {})["signet"] = {
            "status": status, "problem": problem, "bytes": len(body), "cache": cache_state}
        if has_cache and not cache_state.startswith("hit"):
            notes.append(f"(d): Signet's answer said X-Signet-Cache: {cache_state or 'none'}, "
                         "not a hit")
        if problem:
            # The bare handler and nginx still need the bytes of the answer: Pillow makes them.
            from bench.workloads import fit_300_jpeg

            body = fit_300_jpeg(src_dir[wl.source].read_bytes())
            results["skipped"].setdefault(wl.key, {})["Signet"] = f"{status}: {problem}"
        else:
            run_series(results, args, wl.key, "signet", warm_signet.base_url + path,
                       [warm_signet], warm_signet)
            extras(results, args, wl, warm_signet, warm_reuseport, path)
        if warm_reuseport:
            warm_reuseport.stop()
        answer = static_root / "d.jpg"
        answer.write_bytes(body)
        if thumbor_warm:
            tpath = wl.thumbor_unsafe()
            check_answer(thumbor_warm, tpath, wl)  # fills its result storage
            status, problem, _, _ = check_answer(thumbor_warm, tpath, wl)
            if problem:
                results["skipped"].setdefault(wl.key, {})["thumbor"] = f"{status}: {problem}"
            else:
                run_series(results, args, wl.key, "thumbor", thumbor_warm.base_url + tpath,
                           [thumbor_warm.group, ng], thumbor_warm.group)
        bare = start(servers.bare_handler(answer, "image/jpeg", servers.free_port(), args.workers,
                                          log_dir))
        bare.wait_ready()
        run_series(results, args, wl.key, "bare", bare.base_url + "/d.jpg", [bare], bare)
        bare.stop()
        if ng:
            run_series(results, args, wl.key, "nginx", ng.base_url + "/d.jpg", [ng], ng)
        notes.append(
            "(d): Signet " + ("with its result cache on (memory tier)" if has_cache else
                              "without a result cache")
            + "; thumbor with its file result storage (on for (d) only); the limit is a bare "
            f"Starlette handler returning the bytes from memory (uvicorn, {args.workers} "
            "workers); nginx serving the file is the outer bound")


def measure_overload(results, args, workloads, log_dir) -> None:
    """(g): a burst of distinct requests for a 45 MB original (bench/overload.py)."""
    for wl in [w for w in workloads if w.kind == "overload"]:
        log(f"({wl.key}) {wl.title}")
        result = overload.run(args.workers, log_dir)
        results["memory"][f"({wl.key}) signet"] = result
        results["notes"].append(overload.summary(result))
        log("  " + overload.summary(result))


def extras(results, args, wl, signet, reuseport, path, paths=None) -> None:
    """The SO_REUSEPORT variant and the py-spy profile of Signet, where asked for."""
    if reuseport and wl.key in args.reuseport_for:
        run_series(results, args, wl.key, "signet-reuseport", reuseport.base_url + path,
                   [reuseport], reuseport, paths)
    if args.profile:
        if not pyspy.available():
            results["notes"].append("--profile: py-spy is not in bench/.venv (bench/setup.sh)")
            return
        top = max(args.concurrency)
        prof = pyspy.profile(signet, signet.base_url + path, top, min(args.duration, 5), paths)
        results["profiles"][wl.key] = {"connections": top, **prof}
        log(f"  ({wl.key}) profiled Signet at c={top}: {prof['samples']} samples"
            + (f" ({'; '.join(prof['errors'])})" if prof["errors"] else ""))


def measure_memory(results, args, label, who, url, stack, primary, paths=None) -> None:
    """Peak RSS per worker: (f) is the (e) run at c=16; add one at --memory-concurrency."""
    runs = results["runs"]["e"][who]
    if "16" in runs:
        results["memory"][f"({label}) {who}"] = {"server": who, **_memory(runs["16"])}
    c = args.memory_concurrency
    if c:
        run = load.run_load(url, c, args.duration, stack, primary, args.wrk_threads, paths=paths)
        results["runs"]["e"][who][str(c)] = run
        results["memory"][f"({label}{c}) {who}"] = {"server": who, **_memory(run)}
        peaks = [p for p in run["worker_peak_rss_kib"] if p]
        log(f"  ({label}{c}) {who:<8} c={c}: peak RSS per worker "
            + " / ".join(f"{p / 1024:.0f}" for p in peaks) + " MiB"
            + f", {run['rps']:.1f} req/s, p99 {run['p99_ms']:.0f} ms")


def _memory(run: dict) -> dict:
    return {k: run[k] for k in ("connections", "worker_peak_rss_kib", "rps", "p99_ms", "valid")}


class _Front:
    """thumbor as clients see it: nginx's port, with the instances for CPU attribution."""

    def __init__(self, group: servers.Server, port: int) -> None:
        self.group = group
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
