"""The results as tables: one line per workload and concurrency, Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

GIB_KIB = 1024 * 1024

TARGETS = """\
Targets (reported, not asserted; issue 16): cold (a),(b),(c),(e),(i) >= 95% of the Pillow
limit with one worker per core, and >= 1.05x thumbor; cached hit (d) >= 60% of the bare
Starlette handler at every concurrency, with p99 < 5 ms at concurrency 16; peak RSS < 1 GiB
per worker with 16 and with 32 concurrent 6000x4000 requests ((f), (f32))."""

LEGEND = """\
req/s marked `!` is not a valid figure (cores not all busy, or errors: see the flags);
`~` marks a note (worker skew, other load on the machine). CPU = the server's processes
(thumbor: with its nginx), 100% = one core. The limit is bare Pillow in-process: 1 thread
at c=1, else the best of one thread and one process per core (`t`/`p`); for (d) it is the
bare Starlette handler at the same concurrency. The bare render server (bench/bare_render.py)
is the limit function behind uvicorn and Starlette, served as Signet is, with one thread
hand-off and nothing else: the ceiling of a Python server on these cores, wrk beside it."""


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.2f}"


def _rps(run: dict | None) -> str:
    if run is None:
        return "-"
    mark = "!" if not run["valid"] else ("~" if run["notes"] else "")
    return _num(run["rps"], 1 if run["rps"] < 100 else 0) + mark


def _flags(*runs: tuple[str, dict | None]) -> str:
    out = []
    for who, run in runs:
        if run is None:
            continue
        items = run["invalid"] + run["notes"]
        if items:
            out.append(f"{who}: " + ", ".join(items))
    return "; ".join(out)


OTHER_INVALID = 50.0  # as bench/load.py: more other load than this, the figure is not valid


def limit_run(results: dict, key: str, connections: int) -> tuple[dict | None, str]:
    """The limit measurement a run at `connections` is compared with, and its kind."""
    if key == "d":
        bare = results["runs"].get("d", {}).get("bare", {}).get(str(connections))
        return (bare, "bare") if bare else (None, "")
    lim = results["limits"].get(key)
    if not lim:
        return None, ""
    if connections == 1:
        return lim["threads_1"], "1t"
    t, p = lim["threads_n"], lim["processes_n"]
    return (t, "t") if t["rps"] >= p["rps"] else (p, "p")


def limit_valid(run: dict) -> bool:
    if "valid" in run:  # a server run (the bare handler)
        return run["valid"]
    return run.get("other_cpu_pct", 0) <= OTHER_INVALID


def limit_for(results: dict, key: str, connections: int) -> tuple[float | None, str]:
    """The limit's req/s for a run at `connections`, and how it was measured."""
    run, how = limit_run(results, key, connections)
    return (run["rps"], how) if run else (None, "")


def rows(results: dict) -> list[list[str]]:
    out = []
    for wl in results["workloads"]:
        key = wl["key"]
        runs = results["runs"].get(key, {})
        skipped = results["skipped"].get(key, {})
        for i, c in enumerate(results["meta"]["concurrency"]):
            s = runs.get("signet", {}).get(str(c))
            t = runs.get("thumbor", {}).get(str(c))
            bare = runs.get("bare-render", {}).get(str(c))
            limit, how = limit_for(results, key, c)
            lrun, _ = limit_run(results, key, c)
            limit_ok = lrun is None or limit_valid(lrun)
            flags = _flags(("Signet", s), ("thumbor", t), ("bare render", bare))
            if not limit_ok:
                flags = "; ".join(filter(None, [flags, "limit: not a valid figure"]))
            if key == "d":
                ng = runs.get("nginx", {}).get(str(c))
                if ng:
                    flags = "; ".join(filter(None, [
                        f"nginx static {_num(ng['rps'])} req/s p99 {ng['p99_ms']:.1f} ms", flags]))
            for who, why in skipped.items() if i == 0 else ():
                flags = "; ".join(filter(None, [f"{who} skipped: {why}", flags]))
            out.append([
                key, str(c),
                _rps(s), _num(s and s["p50_ms"], 1), _num(s and s["p99_ms"], 1),
                _num(s and s["server_cpu_pct"]),
                _rps(t), _num(t and t["p50_ms"], 1), _num(t and t["p99_ms"], 1),
                _num(t and t["server_cpu_pct"]),
                (_num(limit, 1 if limit and limit < 100 else 0) + ("" if limit_ok else "!")
                 + f" {how}") if limit else "-",
                _rps(bare),
                _ratio(s and s["rps"], t and t["rps"]),
                _ratio(s and s["rps"], limit),
                _ratio(bare and bare["rps"], limit),
                _ratio(s and s["rps"], bare and bare["rps"]),
                flags,
            ])
    return out


HEAD = ["wl", "c", "Signet req/s", "p50 ms", "p99 ms", "CPU%", "thumbor req/s", "p50 ms",
        "p99 ms", "CPU%", "limit req/s", "bare render req/s", "S/thumbor", "S/limit",
        "bare/limit", "S/bare", "flags"]


def markdown_table(head: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def text_table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head) - 1)]
    lines = []
    for r in [head, *body]:
        cells = [r[i].rjust(widths[i]) if i > 1 else r[i].ljust(widths[i])
                 for i in range(len(head) - 1)]
        lines.append("  ".join(cells) + ("  " + r[-1] if r[-1] else ""))
    return "\n".join(lines)


def _lim(m: dict) -> str:
    """A limit figure, marked `~` when other processes used over a quarter of a core."""
    return _num(m["rps"], 1) + ("~" if m.get("other_cpu_pct", 0) > 25 else "")


def limit_rows(results: dict) -> list[list[str]]:
    out = []
    for key, lim in results["limits"].items():
        others = [m.get("other_cpu_pct", 0) for m in lim.values()]
        out.append([
            key,
            _lim(lim["threads_1"]), _num(lim["threads_1"]["ms_per_op"], 2),
            _lim(lim["threads_n"]), _lim(lim["processes_n"]),
            _ratio(lim["threads_n"]["rps"], lim["threads_1"]["rps"]),
            _ratio(lim["processes_n"]["rps"], lim["threads_1"]["rps"]),
            "/".join(f"{o:.0f}" for o in others),
        ])
    return out


LIMIT_HEAD = ["wl", "1 thread req/s", "CPU ms/answer", "N threads req/s", "N processes req/s",
              "threads scale", "processes scale", "other CPU% (1t/Nt/Np)"]


def cpu_rows(results: dict) -> list[list[str]]:
    out = []
    for key, by_target in results["runs"].items():
        for target, by_c in by_target.items():
            for c, run in by_c.items():
                out.append([
                    key, target, c,
                    "/".join(f"{b:.0f}" for b in run["core_busy_pct"]),
                    _num(run["server_cpu_pct"]),
                    "/".join(f"{p:.0f}" for p in run["worker_cpu_pct"]),
                    _num(run["wrk_cpu_pct"]), _num(run["other_cpu_pct"]),
                    "yes" if run["valid"] else "NO: " + ", ".join(run["invalid"]),
                ])
    return out


CPU_HEAD = ["wl", "server", "c", "core busy %", "server CPU%", "per worker CPU%", "wrk CPU%",
            "other CPU%", "valid"]


def memory_rows(results: dict) -> list[list[str]]:
    out = []
    for label, m in results["memory"].items():
        peaks = [p for p in m["worker_peak_rss_kib"] if p is not None]
        out.append([
            label, m["server"], str(m["connections"]),
            " / ".join(f"{p / 1024:.0f}" for p in peaks),
            f"{sum(peaks) / 1024:.0f}",
            "yes" if peaks and max(peaks) < GIB_KIB else "NO",
            f"{m['rps']:.1f}", f"{m['p99_ms']:.0f}",
        ])
    return out


MEMORY_HEAD = ["run", "server", "c", "peak RSS per worker MiB", "sum MiB", "< 1 GiB/worker",
               "req/s", "p99 ms"]


def reuseport_rows(results: dict) -> list[list[str]]:
    out = []
    for key, runs in results["runs"].items():
        variant = runs.get("signet-reuseport")
        if not variant:
            continue
        for c in results["meta"]["concurrency"]:
            r, s = variant.get(str(c)), runs.get("signet", {}).get(str(c))
            if r is None:
                continue
            out.append([
                key, str(c), _rps(r), _num(r["p50_ms"], 1), _num(r["p99_ms"], 1),
                _num(r["server_cpu_pct"]), "/".join(f"{p:.0f}" for p in r["worker_cpu_pct"]),
                _rps(s), "/".join(f"{p:.0f}" for p in s["worker_cpu_pct"]) if s else "-",
                _ratio(r["rps"], s and s["rps"]),
            ])
    return out


REUSEPORT_HEAD = ["wl", "c", "reuseport req/s", "p50 ms", "p99 ms", "CPU%", "per worker CPU%",
                  "signet serve req/s", "per worker CPU%", "reuseport/serve"]


def profile_lines(results: dict) -> list[str]:
    lines = []
    for key, prof in results.get("profiles", {}).items():
        if not prof["samples"]:
            lines.append(f"({key}): no samples ({'; '.join(prof['errors'])})")
            continue
        lines.append(f"({key}) c={prof['connections']}, {prof['samples']} samples; "
                     "own time: " + ", ".join(f"{p}% {f}" for p, f in prof["self"][:6]))
        lines.append("    within (Signet's steps, Pillow calls): "
                     + ", ".join(f"{p}% {f}" for p, f in prof["inclusive"][:8]))
    return lines


def render(results: dict, markdown: bool) -> str:
    table = markdown_table if markdown else text_table
    meta = results["meta"]
    parts = [
        f"# Signet bench, {meta['date']}" if markdown else f"Signet bench, {meta['date']}",
        f"Machine: {meta['machine']}. Command: `{meta['command']}`.",
        f"Signet {meta['signet_commit']} ({meta['workers']} workers), Pillow {meta['pillow']}; "
        f"thumbor {meta['thumbor']} (Pillow {meta['thumbor_pillow']}); {meta['wrk']}; "
        f"{meta['nginx']}; {meta['duration']} s per run.",
        "",
        table(HEAD, rows(results)),
        "",
        LEGEND,
        "",
        "Pillow limit (in-process, per workload):",
        "",
        table(LIMIT_HEAD, limit_rows(results)),
        "",
        "Signet's app under bench/reuseport.py (one SO_REUSEPORT socket per worker) against "
        "`signet serve` (which does the same since 9d7f9b6; before, uvicorn's one shared "
        "socket):",
        "",
        table(REUSEPORT_HEAD, reuseport_rows(results)) if reuseport_rows(results) else "(not run)",
        "",
        "Memory (VmHWM of each uvicorn worker / thumbor instance, reset before the run):",
        "",
        table(MEMORY_HEAD, memory_rows(results)) if results["memory"] else "(not measured)",
        "",
        "CPU per run (from /proc/stat and /proc/<pid>/stat deltas):",
        "",
        table(CPU_HEAD, cpu_rows(results)),
        "",
        "Profile of Signet's workers (py-spy, --profile; % of samples):",
        "",
        *(profile_lines(results) or ["(not run)"]),
        "",
        TARGETS,
        "",
        "Target check:",
        *[f"- {line}" for line in results["targets"]],
        "",
        "Notes:",
        *[f"- {line}" for line in results["notes"]],
    ]
    if not markdown:
        parts = [p for p in parts if p != "# "]
    return "\n".join(parts) + "\n"


def write(results: dict, out_dir: Path, stamp: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / f"bench-{stamp}.md"
    js = out_dir / f"bench-{stamp}.json"
    md.write_text(render(results, markdown=True))
    js.write_text(json.dumps(results, indent=2, default=str))
    for name, target in (("latest.md", md), ("latest.json", js)):
        link = out_dir / name
        link.unlink(missing_ok=True)
        link.symlink_to(target.name)
    return md, js
