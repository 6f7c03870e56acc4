"""What the tests measure: this process's memory, /healthz while it works, /metrics.

The servers of the tests run in this process (tests.servers.run_asgi), so its RSS is theirs.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Iterator

import httpx


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/self/status")


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


def peak_mib() -> float:
    """The high-water mark of RSS since the last reset_peak()."""
    return _status_kib("VmHWM") / 1024


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS


class HealthProbe:
    """Asks /healthz every 20 ms in a thread; `worst` is the slowest answer in seconds.

    The probe shares this process (and its GIL) with the server and the test's clients,
    on a machine other tests load too: `responsive()` asks that nearly every answer came
    within 100 ms and none took more than a quarter of a second. A server whose event loop
    is blocked fails it by seconds.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.worst = 0.0
        self.answers = 0
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()

    def responsive(self, within: float = 0.1) -> bool:
        if self.failures or not self.latencies:
            return False
        ordered = sorted(self.latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        return p95 < within and self.worst < 2.5 * within

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5) as client:
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    status = client.get("/healthz").status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except httpx.HTTPError as err:
                    self.failures.append(repr(err))
                took = time.monotonic() - began
                self.latencies.append(took)
                self.worst = max(self.worst, took)
                self.answers += 1
                self._stop.wait(0.02)


@contextlib.contextmanager
def health_probe(base: str) -> Iterator[HealthProbe]:
    probe = HealthProbe(base)
    thread = threading.Thread(target=probe._run, daemon=True)
    thread.start()
    try:
        yield probe
    finally:
        deadline = time.monotonic() + 5
        while probe.answers < 2 and time.monotonic() < deadline:  # however quick the work
            time.sleep(0.01)
        probe._stop.set()
        thread.join(10)


def healthz_ms(base: str) -> float:
    """Milliseconds for /healthz on a new connection (http.client: no TLS set-up cost)."""
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
    finally:
        conn.close()
    return (time.monotonic() - started) * 1000


def metric(base: str, name: str, **labels: str) -> float:
    """One sample from /metrics, by name and labels."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels
                     else "")
    for line in httpx.get(base + "/metrics").text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
