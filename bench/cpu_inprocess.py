"""CPU per request, in-process (issue 16): what Signet spends beyond the Pillow limit.

No server, no socket, no load: the app's ASGI call alone, timed by the CPU clock of the
process (so the worker threads' share counts, and other tenants of a shared machine do
not), which is what a request costs whatever the machine's load.

- (a) cold: workload (a)'s signed URL (fit inside 300x300, JPEG q80, the 2400x1600 JPEG
  of bench/images.py), the result cache off, a different file name (a hard link, as the
  load runs use) on each call, so nothing is cached or shared; set against
  bench/workloads.py's limit function on the same bytes, measured in the same rounds.
  The difference is the CPU a cold answer spends outside decode, resize and encode.
  That difference is small beside the render and the machine's noise, so it is also
  measured directly: the same cold requests with the pipeline's render() answering
  the limit's bytes at once ("path alone": routing, signature, peek, read, limiter,
  threads, headers; the memory release after a render included).
- (d) hit: the same URL, the memory tier holding its answer; set against the bare
  Starlette handler of bench/bare_app.py.

    .venv/bin/python -m bench.cpu_inprocess [--calls N] [--rounds R] [--functions]

Runs on uvloop, with prometheus_client in multiprocess mode, as `signet serve` with two
workers does. Prints the median over rounds of microseconds of CPU per request. `--functions` also
profiles each (yappi, CPU clock, every thread; `pip install yappi` into .venv) and prints
where the time goes by function: the functions' own time, the largest first.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from app import answer as app_answer
from app.ops.metrics import MULTIPROC_ENV
from app.service import create_app
from app.settings import load_settings
from app.signing import sign_url
from bench import images
from bench.asgi import call, header, scope
from bench.bare_app import create_app as bare_app
from bench.workloads import LIMIT_FUNCTIONS, WORKLOADS
from transforms.pipeline import Rendered

KEY = "bench-cpu-key-not-secret"
WL = {w.key: w for w in WORKLOADS}


def _scope(url: str) -> dict:
    path, _, query = url.partition("?")
    return scope(path, query.encode(), [(b"accept", b"*/*")])


def _app(root: Path, cache: bool):
    os.environ["SIGNET_CPU_BENCH_KEY"] = KEY
    settings = load_settings(
        None,
        sources=[{
            "name": "bench", "type": "folder", "root": str(root), "secure": True,
            "keys": ["env:SIGNET_CPU_BENCH_KEY"],
        }],
        cache={"enabled": cache},
    )
    return create_app(settings)


def _cpu_us(fn: Callable[[], object], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - started) / calls * 1e6


async def _acpu_us(fn: Callable[[], Awaitable[object]], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        await fn()
    return (time.process_time() - started) / calls * 1e6


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Cases:
    """The four things measured, each a zero-argument callable (async for the apps)."""

    def __init__(self, root: Path) -> None:
        paths = images.write_sources(root)
        self.data = paths["photo.jpg"].read_bytes()
        wl = WL["a"]
        self.names = images.variants(root, wl.source, 256)
        self.cold_urls = [sign_url(wl.signet_path(n), KEY) for n in self.names]
        self.hit_url = sign_url(wl.signet_path(), KEY)
        self.cold_app = _app(root, cache=False)
        self.warm_app = _app(root, cache=True)
        self.root = root
        self.bare = None  # serves the hit's bytes: made in prepare()
        self.limit = LIMIT_FUNCTIONS[wl.limit or ""]
        self.answer = self.limit(self.data)
        self._next = 0

    async def prepare(self) -> None:
        """Every variant answered once (the folder's digests are then known, as in a load
        run after its warm-up), the hit in the memory tier; each answer checked."""
        for url in self.cold_urls:
            status, headers, _ = await call(self.cold_app, _scope(url))
            assert status == 200 and header(headers, "x-signet-cache") == "miss", (status, headers)
        status, headers, _ = await call(self.warm_app, _scope(self.hit_url))
        assert status == 200, status
        status, headers, body = await call(self.warm_app, _scope(self.hit_url))
        assert header(headers, "x-signet-cache") == "hit-memory", headers
        (self.root / "d.jpg").write_bytes(body)  # as bench/stacks.py gives the bare handler
        os.environ["BENCH_BARE_FILE"] = str(self.root / "d.jpg")
        self.bare = bare_app()
        status, _, _ = await call(self.bare, _scope(self.hit_url))
        assert status == 200

    async def cold_path_alone(self) -> None:
        answer = self.answer
        real = app_answer.render
        app_answer.render = lambda data, *args: Rendered(answer, "image/jpeg", 300, 200)
        try:
            await self.cold()
        finally:
            app_answer.render = real

    async def cold(self) -> None:
        url = self.cold_urls[self._next % len(self.cold_urls)]
        self._next += 1
        await call(self.cold_app, _scope(url))

    def limit_call(self) -> None:
        self.limit(self.data)

    async def hit(self) -> None:
        await call(self.warm_app, _scope(self.hit_url))

    async def bare_hit(self) -> None:
        await call(self.bare, _scope(self.hit_url))


async def measure(cases: Cases, calls: int, rounds: int) -> dict[str, float]:
    """Median over `rounds` of CPU us per request; the four interleaved in each round, so
    a drift in the machine's speed touches them alike."""
    samples: dict[str, list[float]] = {
        k: [] for k in ("cold", "cold faults", "limit", "limit faults", "path", "hit", "bare")
    }
    cold_calls = max(1, calls // 20)  # a render is ~100x a hit
    for _ in range(rounds):
        faults = _faults()
        samples["cold"].append(await _acpu_us(cases.cold, cold_calls))
        samples["cold faults"].append((_faults() - faults) / cold_calls)
        faults = _faults()
        samples["limit"].append(_cpu_us(cases.limit_call, cold_calls))
        samples["limit faults"].append((_faults() - faults) / cold_calls)
        samples["path"].append(await _acpu_us(cases.cold_path_alone, calls // 4))
        samples["hit"].append(await _acpu_us(cases.hit, calls))
        samples["bare"].append(await _acpu_us(cases.bare_hit, calls))
    return {k: statistics.median(v) for k, v in samples.items()}


def _threads_cpu() -> dict[str, float]:
    """CPU seconds of each of this process's threads so far, by Python thread name (Linux)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    main = threading.main_thread().native_id
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        name = "event loop" if int(tid) == main else names.get(int(tid), "other")
        name = name.split("_")[0]  # a pool's threads together: signet-bench_0, _1...
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


async def by_thread(cases: Cases, calls: int) -> None:
    """CPU per request by thread: the loop's, the source's (peek, read), the renders'."""
    for name, run, n in (
        ("(a) cold", cases.cold, max(1, calls // 5)),
        ("(a) path alone", cases.cold_path_alone, calls),
        ("(d) hit", cases.hit, calls * 2),
    ):
        before = _threads_cpu()
        for _ in range(n):
            await run()
        after = _threads_cpu()
        spent = {k: (v - before.get(k, 0.0)) / n * 1e6 for k, v in after.items()}
        shown = ", ".join(f"{k} {v:.0f}" for k, v in sorted(spent.items()) if v > 0)
        print(f"  {name:16} {shown}")


async def parts(cases: Cases, calls: int) -> None:
    """CPU per call of the stages a request runs, each alone (the stage functions of
    app.request, app.answer, app.runtime, app.limiter), for the (d) URL (the same photo)."""
    from starlette.responses import Response

    from app.answer import image_headers, look_up
    from app.hit_path import _Incoming
    from app.request import parse, plan, route_request, verify

    app = cases.warm_app
    runtime = app.state.runtime
    scope = _scope(cases.hit_url)
    scope["app"] = app
    incoming = _Incoming(scope)
    target = route_request(incoming, runtime)  # type: ignore[arg-type]
    signed = verify(incoming, target)  # type: ignore[arg-type]
    wanted = parse(target, signed, runtime.limits)
    src = target.src
    found = await look_up(incoming, runtime, target, wanted, signed)  # type: ignore[arg-type]
    body = cases.answer

    def stages() -> None:
        t = route_request(incoming, runtime)  # type: ignore[arg-type]
        parse(t, verify(incoming, t), runtime.limits)  # type: ignore[arg-type]

    def answer() -> None:
        Response(body, 200, headers=image_headers(src, wanted, found), media_type="image/jpeg")

    async def nothing() -> None:
        return None

    rows: list[tuple[str, Callable[[], object], bool]] = [
        ("route_request + verify + parse", stages, False),
        ("plan: the same, for a request seen before (kept)",
         lambda: plan(incoming, runtime, lambda src, path: False), False),  # type: ignore[arg-type]
        ("Runtime.peek (a thread hop)", lambda: runtime.peek(src, wanted.path), True),
        ("look_up (peek, marks, format, ETag)",
         lambda: look_up(incoming, runtime, target, wanted, signed), True),  # type: ignore[arg-type]
        ("image_headers + Response()", answer, False),
        ("Runtime.fetch: the 1.4 MB original", lambda: runtime.fetch(src, wanted.path), True),
        ("WorkLimiter.run_after: a render slot, empty",
         lambda: runtime.limiter.run_after(nothing, lambda data: None), True),
    ]
    for name, fn, is_async in rows:
        n = calls if "fetch" not in name else calls // 4
        got = []
        for _ in range(5):
            if is_async:
                got.append(await _acpu_us(fn, n))  # type: ignore[arg-type]
            else:
                got.append(_cpu_us(fn, n))
        print(f"  {name:46} {statistics.median(got):8.1f}")


async def profile(cases: Cases, calls: int, top: int) -> None:
    import yappi

    yappi.set_clock_type("cpu")
    for name, run, n in (
        ("(a) cold", cases.cold, max(1, calls // 20)),
        ("(a) limit", None, max(1, calls // 20)),
        ("(a) path alone", cases.cold_path_alone, calls // 4),
        ("(d) hit", cases.hit, calls),
        ("(d) bare", cases.bare_hit, calls),
    ):
        yappi.clear_stats()
        yappi.start(builtins=True, profile_threads=True)
        for _ in range(n):
            if run is None:
                cases.limit_call()
            else:
                await run()
        yappi.stop()
        stats = yappi.get_func_stats()
        total = sum(s.tsub for s in stats) / n * 1e6
        print(f"\n{name}: {total:.0f} us of CPU per request (profiled), own time by function")
        rows = sorted(stats, key=lambda s: s.tsub, reverse=True)[:top]
        for s in rows:
            where = f"{Path(s.module).name}:{s.lineno}" if s.lineno else Path(s.module).name
            print(f"  {s.tsub / n * 1e6:9.1f}  {s.ncall / n:6.1f}x  {s.name}  ({where})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="hits per round (renders: /20)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--functions", action="store_true", help="profile by function (yappi)")
    parser.add_argument("--top", type=int, default=30, help="functions shown per profile")
    parser.add_argument("--parts-only", action="store_true", help="only each stage alone")
    parser.add_argument("--single-process", action="store_true",
                        help="metrics in one process (default: multiprocess mode, as "
                        "`signet serve --workers 2` runs)")
    args = parser.parse_args()
    if not args.single_process:
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="signet-cpu-metrics-")
    with tempfile.TemporaryDirectory() as tmp:
        cases = Cases(Path(tmp))
        await cases.prepare()
        if args.parts_only:
            await parts(cases, args.calls)
            return
        got = await measure(cases, args.calls, args.rounds)
        print("CPU us per request (median of rounds; process CPU, all threads)")
        print(f"  (a) cold render       {got['cold']:9.1f}")
        print(f"  (a) Pillow limit      {got['limit']:9.1f}")
        print(f"  (a) outside the limit {got['cold'] - got['limit']:9.1f}")
        print(f"  (a) path alone        {got['path']:9.1f}")
        print(f"  (a) page faults per render: Signet {got['cold faults']:.0f}, "
              f"limit {got['limit faults']:.0f}")
        print(f"  (d) hit               {got['hit']:9.1f}")
        print(f"  (d) bare Starlette    {got['bare']:9.1f}")
        print("CPU us per call of each stage alone (median of 5 rounds)")
        await parts(cases, args.calls)
        print("CPU us per request by thread (/proc, clock ticks: read over many requests)")
        await by_thread(cases, args.calls)
        if args.functions:
            await profile(cases, args.calls, args.top)


if __name__ == "__main__":
    import uvloop  # as uvicorn's loop="auto" picks

    uvloop.run(main())
