"""Where Signet's workers spend their time: py-spy (from bench/.venv) while wrk loads them.

A separate run, not one of the measured ones: sampling costs the server a little CPU.
py-spy attaches with ptrace, so it needs root (or kernel.yama.ptrace_scope = 0).
"""

from __future__ import annotations

import collections
import subprocess
import tempfile
import threading
from pathlib import Path

from bench import load
from bench.servers import BENCH_VENV, Server

PY_SPY = BENCH_VENV / "bin" / "py-spy"


def available() -> bool:
    return PY_SPY.exists()


def _summarise(raw_files: list[Path], top: int) -> dict:
    own: collections.Counter[str] = collections.Counter()
    within: collections.Counter[str] = collections.Counter()
    total = 0
    for raw in raw_files:
        if not raw.exists():
            continue
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
            if not frames:
                continue
            total += n
            own[frames[-1]] += n
            for frame in set(frames):
                within[frame] += n

    def share(counter: collections.Counter[str]) -> list[tuple[float, str]]:
        return [(round(100 * n / total, 1), f) for f, n in counter.most_common(top)]

    # Inclusive figures are most telling for our own code and Pillow's entry points.
    ours = collections.Counter({
        f: n for f, n in within.items()
        if any(k in f for k in ("transforms/", "app/", "sources/", "PIL/Image"))
    })
    return {"samples": total, "self": share(own), "inclusive": share(ours)}


def profile(
    server: Server, url: str, connections: int, seconds: float, paths: Path | None = None,
    top: int = 12,
) -> dict:
    """Load `server` with wrk while py-spy samples each worker; the top frames."""
    seconds = max(2, int(seconds))
    workers = server.worker_pids()
    with tempfile.TemporaryDirectory(prefix="bench-pyspy-") as tmp:
        raws = [Path(tmp) / f"{pid}.txt" for pid in workers]
        result: dict = {}

        def drive() -> None:
            result["run"] = load.run_load(
                url, connections, seconds + 2, [server], server, paths=paths)

        driver = threading.Thread(target=drive)
        driver.start()
        try:
            spies = [
                subprocess.Popen(
                    [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(seconds),
                     "--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                )
                for pid, raw in zip(workers, raws, strict=True)
            ]
            errors = []
            for spy in spies:
                try:
                    _, err = spy.communicate(timeout=seconds + 30)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    _, err = spy.communicate()
                if spy.returncode != 0:
                    errors.append(err.strip().splitlines()[-1] if err.strip() else "failed")
        finally:
            driver.join()
        summary = _summarise(raws, top)
    summary["errors"] = errors
    summary["rps_while_sampling"] = result.get("run", {}).get("rps")
    return summary
