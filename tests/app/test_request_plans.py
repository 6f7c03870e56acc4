"""app.request.plan keeps what route, verify and parse made of a request, per distinct
(Host, path, query, Referer), so a repeated request skips them (issue 16). What depends on
the time is checked again on every request; errors are not kept; the table is bounded."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from app import request as app_request
from app.hit_path import _Incoming
from app.runtime import Runtime
from app.settings import load_settings
from app.signing import sign_url
from tests import imagegen

KEY = "plans-key"


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("plans")
    (root / "dog.jpg").write_bytes(imagegen.jpeg(200, 150))
    for name in ("cat.jpg", "owl.jpg"):
        (root / name).write_bytes(imagegen.jpeg(120, 90))
    with signet_with(
        env={"SIGNET_TEST_PLANS_KEY": KEY},
        sources=[
            {"name": "s", "type": "folder", "root": str(root), "secure": True,
             "keys": ["env:SIGNET_TEST_PLANS_KEY"]},
            {"name": "r", "type": "folder", "root": str(root),
             "allowed_referers": ["good.example"]},
        ],
    ) as served:
        yield served.base


def _max_age(resp: httpx.Response) -> int:
    return int(resp.headers["cache-control"].rsplit("max-age=", 1)[1])


def test_a_kept_url_still_expires(signet):
    url = sign_url("/s/dog.jpg?w=40", KEY, expires=int(time.time()) + 3)
    first = httpx.get(signet + url)
    assert first.status_code == 200 and _max_age(first) <= 3
    time.sleep(1.1)
    again = httpx.get(signet + url)  # kept: its Cache-Control still counts down
    assert again.status_code == 200
    assert _max_age(again) < _max_age(first)
    time.sleep(max(0.0, 3.2 - 1.1))
    gone = httpx.get(signet + url)
    assert gone.status_code == 404  # expired_status: the same answer as never kept
    assert gone.text.strip() == "this URL has expired"


def test_the_referer_is_part_of_the_request(signet):
    url = signet + "/r/dog.jpg?w=30"
    assert httpx.get(url, headers={"Referer": "https://good.example/page"}).status_code == 200
    refused = httpx.get(url, headers={"Referer": "https://evil.example/page"})
    assert refused.status_code == 403
    assert httpx.get(url, headers={"Referer": "https://good.example/page"}).status_code == 200


def test_errors_are_not_kept(signet):
    good = sign_url("/s/dog.jpg?w=50", KEY)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    for _ in range(2):
        assert httpx.get(signet + bad).status_code == 403
        assert httpx.get(signet + good).status_code == 200


def test_the_kept_plans_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(app_request, "PLANNED", 3)
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(10, 10))
    runtime = Runtime.build(
        load_settings(None, sources=[{"name": "m", "type": "folder", "root": str(tmp_path)}])
    )

    def request(query: bytes, referer: str = "") -> _Incoming:
        headers = [(b"host", b"img.test")] + ([(b"referer", referer.encode())] if referer else [])
        return _Incoming({"type": "http", "method": "GET", "path": "/m/a.jpg",
                          "raw_path": b"/m/a.jpg", "query_string": query, "headers": headers})

    def no_media(src, path) -> bool:
        return False

    for i in range(5):
        app_request.plan(request(b"w=%d" % (i + 1)), runtime, no_media)  # type: ignore[arg-type]
    assert len(runtime.plans) == 3
    assert ("img.test", "/m/a.jpg", b"w=5", None) in runtime.plans  # the newest stay
    long_query = b"w=1&x=" + b"y" * app_request.PLANNED_BYTES
    app_request.plan(request(long_query), runtime, no_media)  # type: ignore[arg-type]
    assert all(key[2] != long_query for key in runtime.plans)  # too long to keep


def test_one_parse_serves_every_image_asked_with_the_same_transformation(signet):
    # Each URL has its own signature (and expiry); the parse leaves those out, so the
    # second image with the same query is parsed from the cache, and still verified.
    expires = int(time.time()) + 600
    before = app_request._parse_cached.cache_info()
    first = httpx.get(signet + sign_url("/s/cat.jpg?w=37&fm=png", KEY, expires=expires))
    middle = app_request._parse_cached.cache_info()
    second = httpx.get(signet + sign_url("/s/owl.jpg?w=37&fm=png", KEY, expires=expires + 1))
    after = app_request._parse_cached.cache_info()
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == second.headers["content-type"] == "image/png"
    assert (middle.misses - before.misses, after.misses - middle.misses) == (1, 0)
    assert after.hits - middle.hits == 1
    forged = sign_url("/s/owl.jpg?w=37&fm=png", "another-key")
    assert httpx.get(signet + forged).status_code == 403  # the signature is still checked
