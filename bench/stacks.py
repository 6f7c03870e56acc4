"""Each workload on each stack: Signet (and its SO_REUSEPORT variant), thumbor behind
nginx, the bare handler; with the extra figures (memory, profiles) some workloads take.
"""

from __future__ import annotations

from pathlib import Path

from bench import images, load, peers, pyspy, servers
from bench.series import WORK, check_answer, log, measure_limit_of, run_series


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
        thumbor_cold = start(peers.thumbor_group(
            "thumbor", root, cold_ports, log_dir, work, warm=False))
        upstreams["thumbor"] = (servers.free_port(), cold_ports)
        if "d" in keys:
            warm_ports = [servers.free_port() for _ in range(args.workers)]
            thumbor_warm_group = start(peers.thumbor_group(
                "thumbor-warm", root, warm_ports, log_dir, work, warm=True))
            upstreams["thumbor_warm"] = (servers.free_port(), warm_ports)
    static_root = work / "static"
    static_root.mkdir(exist_ok=True)
    if use_nginx:
        ng = start(peers.nginx(work / "nginx", static_root, servers.free_port(), upstreams,
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
        signet_paths = path_list(f"{wl.key}-signet", [servers.signed_path(wl, n) for n in names])
        thumbor_paths = path_list(f"{wl.key}-thumbor", [wl.thumbor_unsafe(n) for n in names])
        path = servers.signed_path(wl, names[0])
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
            if wl.key == "m":
                record_memory(results, "m", "signet")
        if wl.limit is not None and not args.skip_bare_render:
            render_ceiling(results, args, wl, root, names, log_dir, start, path_list)
        if thumbor and wl.thumbor_path:
            tpath = wl.thumbor_unsafe(names[0])
            status, problem, body, _ = check_answer(thumbor, tpath, wl, thumbor=True)
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
                if wl.key == "m":
                    record_memory(results, "m", "thumbor")
    if reuseport:
        reuseport.stop()

    for wl in [w for w in workloads if w.kind == "warm"]:
        log(f"({wl.key}) {wl.title}")
        path = servers.signed_path(wl)
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
            check_answer(thumbor_warm, tpath, wl, thumbor=True)  # fills its result storage
            status, problem, _, _ = check_answer(thumbor_warm, tpath, wl, thumbor=True)
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


def render_ceiling(results, args, wl, root, names, log_dir, start, path_list) -> None:
    """The same load on bench/bare_render.py: the limit function behind uvicorn and
    Starlette, one thread hand-off, no more (the ceiling of a Python server here)."""
    bare = start(servers.bare_render(root, wl, servers.free_port(), args.workers, log_dir))
    try:
        bare.wait_ready()
        paths = path_list(f"{wl.key}-bare-render", [f"/bare/{n}" for n in names])
        status, problem, _, _ = check_answer(bare, f"/bare/{names[0]}", wl)
        if problem:
            results["skipped"].setdefault(wl.key, {})["bare render"] = f"{status}: {problem}"
            log(f"  bare render skipped: {status} {problem}")
            return
        run_series(results, args, wl.key, "bare-render", f"{bare.base_url}/bare/{names[0]}",
                   [bare], bare, paths)
    finally:
        bare.stop()


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


def record_memory(results, key, who) -> None:
    """Peak RSS per worker of a workload's c=16 run, as "(<key>16) <who>" (the animated GIF)."""
    run = results["runs"].get(key, {}).get(who, {}).get("16")
    if run is not None:
        results["memory"][f"({key}16) {who}"] = {"server": who, **_memory(run)}


def _memory(run: dict) -> dict:
    return {k: run[k] for k in ("connections", "worker_peak_rss_kib", "rps", "p99_ms", "valid")}


class _Front:
    """thumbor as clients see it: nginx's port, with the instances for CPU attribution."""

    def __init__(self, group: servers.Server, port: int) -> None:
        self.group = group
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
