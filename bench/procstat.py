"""What the kernel says about CPUs and processes: /proc/stat, /proc/<pid>/stat and status.

Linux only, which is where the benchmark runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuTimes:
    """Jiffies per CPU line of /proc/stat: (busy, total), "cpu" first, then cpu0, cpu1..."""

    lines: dict[str, tuple[int, int]]

    @classmethod
    def now(cls) -> CpuTimes:
        lines = {}
        for line in Path("/proc/stat").read_text().splitlines():
            if not line.startswith("cpu"):
                continue
            name, *fields = line.split()
            values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
            idle = values[3] + values[4]
            total = sum(values)
            lines[name] = (total - idle, total)
        return cls(lines)

    def busy_since(self, before: CpuTimes) -> dict[str, float]:
        """Busy fraction (0-1) of each line between two readings."""
        out = {}
        for name, (busy, total) in self.lines.items():
            b0, t0 = before.lines.get(name, (0, 0))
            out[name] = (busy - b0) / (total - t0) if total > t0 else 0.0
        return out

    def busy_jiffies_since(self, before: CpuTimes) -> int:
        return self.lines["cpu"][0] - before.lines["cpu"][0]


def children(pid: int) -> list[int]:
    """Direct children of `pid` (every thread's list, since any thread may have forked)."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out.extend(int(c) for c in text)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def cpu_jiffies(pid: int) -> int:
    """utime + stime of one process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def status_kib(pid: int, key: str) -> int | None:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM...), or None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (writing 5 to clear_refs, Linux >= 4.0)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False
