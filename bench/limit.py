"""The Pillow limit: how many answers per second bare Pillow makes on this machine.

Measured in-process with 1 thread, with one thread per core (Pillow releases the
GIL only in parts of decode, resize and encode, so threads do not scale fully),
and with one process per core (what a one-worker-per-core server can reach).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from bench import procstat
from bench.workloads import LIMIT_FUNCTIONS

_DATA: dict[str, bytes | None] = {}


def _load(source: str, mark: str | None) -> None:
    _DATA["source"] = Path(source).read_bytes()
    _DATA["mark"] = Path(mark).read_bytes() if mark else None


def _loop(name: str, source: str, mark: str | None, seconds: float) -> tuple[int, float]:
    """Run one workload back to back for `seconds`; (count, CPU seconds used by this thread)."""
    if _DATA.get("key") != (source, mark):
        _load(source, mark)
        _DATA["key"] = (source, mark)  # type: ignore[assignment]
    fn = LIMIT_FUNCTIONS[name]
    data, logo = _DATA["source"], _DATA["mark"]
    assert data is not None
    fn(data, logo)  # warm: imports, codec set-up
    cpu0 = time.thread_time()
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        fn(data, logo)
        count += 1
    return count, time.thread_time() - cpu0


def _measure(pool: Executor, n: int, args: tuple[str, str, str | None], seconds: float) -> dict:
    list(pool.map(_loop, *zip(*[(*args, 0.2)] * n, strict=True)))  # warm every worker
    cpu0 = procstat.CpuTimes.now()
    t0 = time.perf_counter()
    results = list(pool.map(_loop, *zip(*[(*args, seconds)] * n, strict=True)))
    wall = time.perf_counter() - t0
    busy = procstat.CpuTimes.now().busy_jiffies_since(cpu0) / procstat.TICKS
    count = sum(c for c, _ in results)
    cpu = sum(s for _, s in results)
    return {
        "rps": count / wall,
        "ms_per_op": 1000 * cpu / count if count else None,  # CPU time per answer
        "count": count,
        "seconds": wall,
        # CPU used by anything but the measuring threads, 100 = one core: other load.
        "other_cpu_pct": max(0.0, 100 * (busy - cpu) / wall),
    }


def measure_limit(
    name: str, source: Path, mark: Path | None, seconds: float, cores: int
) -> dict[str, dict]:
    """{"1 thread": ..., "N threads": ..., "N processes": ...} for one workload."""
    args = (name, str(source), str(mark) if mark else None)
    out = {}
    with ThreadPoolExecutor(1) as pool:
        out["threads_1"] = _measure(pool, 1, args, seconds)
    with ThreadPoolExecutor(cores) as pool:
        out["threads_n"] = _measure(pool, cores, args, seconds)
    with ProcessPoolExecutor(cores) as pool:
        out["processes_n"] = _measure(pool, cores, args, seconds)
    return out
