"""(h): 100 concurrent distinct requests for a 45 MB original: peak RSS per worker, and
how soon the first 503 comes (issue 17: the original was read before the queue check, so
this peaked at 4.3 GB and the 503s took 5.5 s).

`python -m bench.overload` runs it alone (Signet on a free port of 127.0.0.1, stopped at
the end); `python -m bench --only h` runs it inside the bench. Each request asks for a
different size of the same file, so nothing is coalesced or cached.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PIL import Image

from bench import procstat, servers

WORK = Path(__file__).resolve().parent / ".work"
SIDE = 3900  # 3900 x 3900 RGB noise: a PNG of about 45 MB, 15 MP (under max_decoded_pixels)
REQUESTS = 100


def write_original(folder: Path) -> Path:
    """The 45 MB PNG, drawn once (noise does not compress: the file is as large as its pixels)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "overload.png"
    if not path.exists():
        pixels = random.Random(45).randbytes(SIDE * SIDE * 3)
        Image.frombytes("RGB", (SIDE, SIDE), pixels).save(path, "PNG", compress_level=1)
    return path


async def _burst(host: str, port: int, paths: list[str]) -> list[tuple[int, float, float]]:
    """One request on each of len(paths) connections, opened first, then all sent at once:
    (status, seconds from its send to its answer, seconds from the first send). A raw
    asyncio client: threads of httpx take longer to send a hundred requests than the server
    takes to refuse them, so the time to the first 503 would be the client's."""
    conns = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in paths))
    began = time.monotonic()

    async def one(path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        sent = time.monotonic()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        status = int((await reader.readline()).split()[1])
        await reader.read()  # the headers and body, to the close
        done = time.monotonic()
        writer.close()
        return status, done - sent, done - began

    return await asyncio.gather(*(one(p, r, w) for p, (r, w) in zip(paths, conns, strict=True)))


def measure(base_url: str, worker_pids: list[int], requests: int = REQUESTS) -> dict:
    """Fire `requests` distinct requests at once; what the workers and the clients saw."""
    for pid in worker_pids:
        procstat.reset_peak_rss(pid)
    url = urlsplit(base_url)
    paths = [f"/overload/overload.png?w={100 + i}&fm=jpg" for i in range(requests)]

    def probe() -> list[tuple[int, float]]:
        """Once the burst is in, one request at a time: a 503 while the queue is full."""
        time.sleep(1.0)
        out = []
        with httpx.Client(base_url=base_url, timeout=120) as alone:
            for i in range(10):
                sent = time.monotonic()
                status = alone.get(f"/overload/overload.png?w={5000 + i}").status_code
                out.append((status, time.monotonic() - sent))
        return out

    with ThreadPoolExecutor(1) as pool:
        began = [time.monotonic()]
        probed = pool.submit(probe)
        answers = asyncio.run(_burst(url.hostname or "127.0.0.1", url.port or 80, paths))
        alone = probed.result()
    took = time.monotonic() - began[0]
    alone_503 = [t for status, t in alone if status == 503]
    refused = [a for a in answers if a[0] == 503]
    latencies = sorted(a[1] for a in answers)
    return {
        "server": "signet",
        "connections": requests,
        "worker_peak_rss_kib": [procstat.status_kib(pid, "VmHWM") for pid in worker_pids],
        "statuses": {str(s): sum(1 for a in answers if a[0] == s) for s in {a[0] for a in answers}},
        "first_503_s": min((a[2] for a in refused), default=None),
        "median_503_s": statistics.median(a[1] for a in refused) if refused else None,
        # a 503 asked for on its own while the queue is full (the burst's own 503s also wait
        # for the server to read the requests that arrived before them)
        "queue_full_503_s": statistics.median(alone_503) if alone_503 else None,
        "rps": len(answers) / took,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "valid": True,
    }


def summary(result: dict) -> str:
    peaks = [p for p in result["worker_peak_rss_kib"] if p]
    first = result["first_503_s"]
    return (
        f"(h) {result['connections']} distinct requests for a 45 MB PNG: "
        f"peak RSS per worker {' / '.join(f'{p / 1024:.0f}' for p in peaks)} MiB, "
        f"answers {result['statuses']}, first 503 after "
        + (f"{1000 * first:.0f} ms" if first is not None else "- (none)")
        + (f", median 503 {1000 * result['median_503_s']:.0f} ms" if first is not None else "")
        + (f", a 503 while the queue is full {1000 * result['queue_full_503_s']:.0f} ms"
           if result["queue_full_503_s"] is not None else "")
    )


def run(workers: int, log_dir: Path, requests: int = REQUESTS) -> dict:
    """Start a Signet of its own (unsigned folder source, result cache off), measure, stop."""
    folder = WORK / "overload"
    write_original(folder)
    toml = servers.open_folder_config(WORK / "signet-overload.toml", "overload", folder)
    server = servers.signet(toml, servers.free_port(), workers, log_dir, name="signet-overload")
    try:
        server.start().wait_ready()
        return measure(server.base_url, server.worker_pids(), requests)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.overload", description=__doc__)
    p.add_argument("--workers", type=int, default=1, help="Signet worker processes")
    p.add_argument("--requests", type=int, default=REQUESTS)
    args = p.parse_args(argv)
    print(summary(run(args.workers, WORK / "logs", args.requests)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
