"""/metrics (Prometheus), /readyz, and where they are served; several workers added up."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import pytest

from app.signing import sign_url
from tests import imagegen
from tests.probes import metric
from tests.servers import free_socket, serve_folder, serve_process

KEY = "metrics-test-key"


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("metrics")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(120, 80))
    return root


@pytest.fixture(scope="module", autouse=True)
def key_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNET_TEST_METRICS_KEY", KEY)
        yield


def serve(media: Path, **options) -> contextlib.AbstractContextManager[str]:
    secure = {"secure": True, "keys": ["env:SIGNET_TEST_METRICS_KEY"]}
    return serve_folder(media, options=secure, **options)


def test_metrics_count_requests_cache_and_transforms(media):
    with serve(media) as base:
        assert httpx.get(base + sign_url("/m/photo.jpg?w=30", KEY)).status_code == 200
        assert httpx.get(base + sign_url("/m/photo.jpg?w=30", KEY)).status_code == 200
        assert httpx.get(base + "/m/photo.jpg?w=30").status_code == 403
        assert httpx.get(base + "/nosuch/photo.jpg").status_code == 403  # default source
        httpx.get(base + "/healthz")
        httpx.get(base + "/readyz")
        resp = httpx.get(base + "/metrics")  # secure source, yet no signature needed
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/plain; version=")
        assert resp.headers["cache-control"] == "no-store"
        text = resp.text
        assert 'signet_requests_total{source="m",status="200"} 2.0' in text
        assert 'signet_requests_total{source="m",status="403"} 2.0' in text
        assert 'signet_cache_results_total{result="hit-memory"} 1.0' in text
        assert "signet_transforms_total 1.0" in text
        assert "signet_transform_seconds_bucket" in text
        assert "signet_transform_queue_depth 0.0" in text
        # probes and scrapes are not image requests
        assert metric(base, "signet_requests_total", source="none", status="200") == 0
        assert "/healthz" not in text and "/metrics" not in text


def test_metrics_kept_off_the_main_listener(media):
    with serve(media, metrics={"path": ""}) as base:
        resp = httpx.get(base + "/metrics")
        assert resp.status_code == 403  # an image path like any other, unsigned here
        assert "signet_" not in resp.text


def test_metrics_on_a_port_of_their_own(media):
    port = free_socket().getsockname()[1]
    with serve(media, metrics={"port": port}) as base:
        assert httpx.get(base + sign_url("/m/photo.jpg?w=20", KEY)).status_code == 200
        assert "signet_" not in httpx.get(base + "/metrics").text  # not on the public one
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'signet_requests_total{source="m",status="200"} 1.0' in text
    with pytest.raises(httpx.ConnectError):  # closed with the app
        httpx.get(f"http://127.0.0.1:{port}/metrics")


def test_metrics_port_taken_does_not_stop_the_service(media, caplog):
    taken = free_socket()
    taken.listen()
    try:
        with serve(media, metrics={"port": taken.getsockname()[1]}) as base:
            assert httpx.get(base + "/healthz").status_code == 200
    finally:
        taken.close()
    assert "metrics: not listening" in caplog.text


def test_metrics_turned_off(media):
    with serve(media, metrics={"enabled": False}) as base:
        assert "signet_" not in httpx.get(base + "/metrics").text


def test_readyz(media, tmp_path, signet_with):
    with serve(media) as base:
        resp = httpx.get(base + "/readyz")
        assert resp.status_code == 200 and resp.text == "ready\n"
        assert resp.headers["cache-control"] == "no-store"
    missing = tmp_path / "not-there"
    with signet_with(sources=[{"name": "gone", "type": "folder",
                               "root": str(missing)}]) as served:
        resp = httpx.get(served.base + "/readyz")
        assert resp.status_code == 503
        assert "gone" in resp.text and "missing" in resp.text
        assert str(missing) not in resp.text  # no internal paths
        assert httpx.get(served.base + "/healthz").status_code == 200  # up, just not ready


def test_readyz_does_not_call_remote_sources(upstream, signet_with):
    with signet_with(
        sources=[{"name": "w", "type": "web_folder", "base_url": upstream.base + "/"}]
    ) as served:
        assert httpx.get(served.base + "/readyz").status_code == 200
    assert upstream.requests == []


def test_readyz_with_no_source(signet_with):
    with signet_with() as served:
        base = served.base
        resp = httpx.get(base + "/readyz")
        assert resp.status_code == 503 and "no source" in resp.text


def test_several_workers_add_up(media, tmp_path):
    config = tmp_path / "signet.toml"
    config.write_text(f'[[sources]]\nname = "m"\ntype = "folder"\nroot = "{media}"\n')
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    with serve_process(config, workers=2, env=env, ready=readyz_answers) as process:
        base = process.base
        for i in range(8):  # new connections: uvicorn's workers share the listening socket
            assert httpx.get(f"{base}/m/photo.jpg?w={20 + i}").status_code == 200
        assert metric(base, "signet_requests_total", source="m", status="200") == 8
        assert metric(base, "signet_transforms_total") == 8


def readyz_answers(base: str) -> bool:
    return httpx.get(base + "/readyz").status_code == 200
