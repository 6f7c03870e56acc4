"""The worst minute: bursts of identical misses, more work than workers, slow renders and
sources, clients that leave. All through the real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import httpx
import pytest

from app.runtime import Runtime, SourceRuntime
from app.settings import load_settings
from sources.base import Original, TimedOut
from tests import imagegen
from tests.probes import metric
from tests.servers import serve_folder

# A render of this takes about half a second: long enough for a burst to pile up behind it.
SLOW = "blur=2000"
UPSTREAM = {"slow_seconds": 10.0}  # the `upstream` fixture's /slow hangs past any timeout


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("overload")
    (root / "big.jpg").write_bytes(imagegen.jpeg(2000, 1333))
    (root / "small.jpg").write_bytes(imagegen.jpeg(64, 48))
    (root / "broken.jpg").write_bytes(imagegen.truncated_jpeg(2000, 1333))
    return root


def serve(media: Path, **limits) -> contextlib.AbstractContextManager[str]:
    return serve_folder(media, limits=limits)


def burst(base: str, targets: list[str]) -> list[tuple[httpx.Response, float]]:
    """Send every target at once (one thread each); each answer with its own duration."""
    start = threading.Barrier(len(targets))
    # One pooled client: building one per request would cost more than the burst itself.
    limits = httpx.Limits(max_connections=len(targets), max_keepalive_connections=0)
    with httpx.Client(base_url=base, timeout=30, limits=limits) as client:

        def one(target: str) -> tuple[httpx.Response, float]:
            start.wait()
            began = time.monotonic()
            resp = client.get(target)
            return resp, time.monotonic() - began

        with ThreadPoolExecutor(len(targets)) as pool:
            return list(pool.map(one, targets))


def wait_for_metric(base: str, name: str, value: float, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while metric(base, name) != value:
        assert time.monotonic() < deadline, f"{name} never reached {value}"
        time.sleep(0.05)


def test_identical_cold_requests_render_once(media):
    with serve(media, transform_workers=2) as base:
        answers = burst(base, [f"/m/big.jpg?w=1999&{SLOW}"] * 50)
        assert all(r.status_code == 200 for r, _ in answers)
        assert len({r.content for r, _ in answers}) == 1
        assert metric(base, "signet_transforms_total") == 1
        shared = metric(base, "signet_coalesced_total")
        hits = metric(base, "signet_cache_results_total", result="hit-memory")
        assert shared >= 1
        assert shared + hits + 1 == 50  # everyone else waited on the one render, or hit it


def test_identical_requests_share_the_error_too(media):
    with serve(media, transform_workers=2) as base:
        answers = burst(base, ["/m/broken.jpg"] * 20)
        assert {r.status_code for r, _ in answers} == {422}
        assert len({r.text for r, _ in answers}) == 1
        # errors are not cached: only requests that overlapped a render shared it
        assert metric(base, "signet_transforms_total") < 20


def test_past_the_queue_limit_answers_503_at_once(media):
    with serve(media, transform_workers=1, max_queue=2) as base:
        # 20 different renders, so neither the cache nor coalescing can absorb them
        answers = burst(base, [f"/m/big.jpg?w={1999 - i}&{SLOW}" for i in range(20)])
        rejected = [(r, took) for r, took in answers if r.status_code == 503]
        served = [r for r, _ in answers if r.status_code == 200]
        assert len(rejected) + len(served) == 20
        assert len(rejected) >= 14  # 1 running + 2 queued admitted; a few may slip in later
        for resp, took in rejected:
            assert resp.headers["retry-after"] == "1"
            assert resp.headers["cache-control"] == "no-store"
            assert "overloaded" in resp.text
            assert took < 1.0
        # refused work was never started
        assert metric(base, "signet_transforms_total") == len(served)
        assert metric(base, "signet_requests_total", source="m", status="503") == len(rejected)
        assert metric(base, "signet_transform_queue_depth") == 0
        assert metric(base, "signet_transforms_running") == 0


def test_queue_depth_is_reported_while_busy(media):
    with serve(media, transform_workers=1, max_queue=4) as base:
        with ThreadPoolExecutor(3) as pool:
            pending = [pool.submit(httpx.get, f"{base}/m/big.jpg?w={1900 - i}&{SLOW}",
                                   timeout=30) for i in range(3)]
            deadline = time.monotonic() + 5
            seen = 0.0
            # Until the first render starts, all three count as waiting (admitted, not yet
            # in a worker thread): wait for the steady state.
            while seen != 2 and time.monotonic() < deadline:
                seen = metric(base, "signet_transform_queue_depth")
                time.sleep(0.02)
            assert seen == 2  # one running, two waiting
            assert all(p.result().status_code == 200 for p in pending)
        assert metric(base, "signet_transform_queue_depth") == 0


def test_slow_render_answers_504_and_stops(media):
    with serve(media, transform_workers=1, transform_timeout=0.1) as base:
        began = time.monotonic()
        resp = httpx.get(f"{base}/m/big.jpg?w=1999&{SLOW}", timeout=30)
        assert resp.status_code == 504, resp.text
        assert "too long" in resp.text
        assert time.monotonic() - began < 3
        # the render nobody waits for stops at its own deadline and frees the worker
        wait_for_metric(base, "signet_transforms_running", 0)
        assert metric(base, "signet_transforms_total") == 1
        # and other work goes on
        assert httpx.get(f"{base}/m/small.jpg?w=10").status_code == 200


def test_client_that_leaves_does_not_leave_work_running(media):
    with serve(media, transform_workers=1) as base:
        target = f"/m/big.jpg?w=1998&{SLOW}"
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            wait_for_metric(base, "signet_transforms_running", 1)
        # hung up mid-render: the render ends by itself, and its result is kept for the retry
        wait_for_metric(base, "signet_transforms_total", 1)
        wait_for_metric(base, "signet_transforms_running", 0)
        resp = httpx.get(base + target, timeout=30)
        assert resp.headers["x-signet-cache"] == "hit-memory"


def test_hanging_source_answers_504_within_its_limit(upstream, signet_with):
    with signet_with(
        limits={"source_timeout": 1.0},
        sources=[{"name": "w", "type": "web_folder", "base_url": upstream.base + "/"}],
    ) as served:
        began = time.monotonic()
        resp = httpx.get(served.base + "/w/slow", timeout=30)
        took = time.monotonic() - began
    assert resp.status_code == 504, resp.text
    assert "in time" in resp.text
    assert took < 4


class HangingSource:
    """A source that never answers and ignores its timeout: the app must bound it anyway."""

    name = "hanging"
    requires_signature = False
    cache_originals = False

    def path_from_url(self, raw_path: str) -> str:
        return raw_path

    async def fetch(self, path: str) -> Original:
        await anyio.sleep(3600)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        return None


def test_app_bounds_a_fetch_the_source_does_not(media):
    settings = load_settings(
        None,
        limits={"source_timeout": 0.2},
        sources=[{"name": "m", "type": "folder", "root": str(media)}],
    )
    runtime = Runtime.build(settings)
    hanging = SourceRuntime(runtime.sources["m"].config, HangingSource(), ())

    async def main() -> float:
        began = time.monotonic()
        with pytest.raises(TimedOut):
            await runtime.fetch(hanging, "x.jpg")
        return time.monotonic() - began

    assert anyio.run(main) < 5
