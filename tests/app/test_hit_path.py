"""The hit path (app.hit_path) answers exactly what the full path answers.

Two apps from the same settings and folder: one as built (the hit path in front of
Starlette's routing), one with the hit path taken out of its middleware. Each URL is
asked of both, twice (a miss, then a memory hit), and the status, headers and body must
agree; the hit path must have answered the hits on the first app, and nothing on the
second. Date and server headers are the server's, and an expiring URL's max-age may be
a second apart (the two answers are not given in the same instant).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from app.hit_path import HitPath
from app.service import create_app
from app.settings import load_settings
from app.signing import sign_url
from tests import imagegen

KEY = "hit-path-key"
SECRET = "hit-path-origin-secret"
ORIGIN = {"Authorization": f"Bearer {SECRET}"}


def _settings(root: Path):
    os.environ["SIGNET_TEST_HIT_KEY"] = KEY
    os.environ["SIGNET_TEST_HIT_SECRET"] = SECRET
    return load_settings(
        None,
        server={"origin_secrets": ["env:SIGNET_TEST_HIT_SECRET"]},
        sources=[
            {"name": "pub", "type": "folder", "root": str(root), "ttl": 3600,
             "keys": ["env:SIGNET_TEST_HIT_KEY"], "private_prefixes": ["private/"]},
            {"name": "hot", "type": "folder", "root": str(root), "ttl": 600,
             "allowed_referers": ["example.com"]},
        ],
    )


def _hit_path(app) -> HitPath:
    layer = app.middleware_stack
    while not isinstance(layer, HitPath):
        layer = layer.app
    return layer


def _without_hit_path(app):
    app.user_middleware = [m for m in app.user_middleware if m.cls is not HitPath]
    return app


@pytest.fixture(scope="module")
def bases(tmp_path_factory, signet_with):
    root = tmp_path_factory.mktemp("hit-path")
    (root / "dog.jpg").write_bytes(imagegen.jpeg(400, 300))
    (root / "alpha.png").write_bytes(imagegen.png_alpha(200, 100))
    (root / "owl.jpg").write_bytes(imagegen.jpeg(320, 240))
    (root / "logo.png").write_bytes(imagegen.png_alpha(40, 20))
    (root / "private").mkdir()
    (root / "private" / "cat.jpg").write_bytes(imagegen.jpeg(300, 200))
    fast = create_app(_settings(root))
    full = _without_hit_path(create_app(_settings(root)))
    with signet_with(fast) as one, signet_with(full) as two:
        yield one.base, two.base, fast, full


def _comparable(resp: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in resp.headers.multi_items() if k not in ("date", "server")]
    return resp.status_code, headers, resp.content


def _max_age(resp: httpx.Response) -> int:
    return int(resp.headers["cache-control"].rsplit("=", 1)[1])


def _same(a: httpx.Response, b: httpx.Response, expiring: bool = False) -> None:
    sa, ha, ba = _comparable(a)
    sb, hb, bb = _comparable(b)
    if expiring:
        assert abs(_max_age(a) - _max_age(b)) <= 1
        ha = [h for h in ha if h[0] != "cache-control"]
        hb = [h for h in hb if h[0] != "cache-control"]
    assert (sa, ha, ba) == (sb, hb, bb)


def _ask(bases, method: str, url: str, headers: dict[str, str], expiring: bool = False):
    one, two, fast, _ = bases
    answers = []
    # A miss (or a hit left by an earlier case), a hit, and a hit again: from the look-up
    # the hit path kept, where it keeps one (HitPath.looks).
    for _ in range(3):
        a = httpx.request(method, one + url, headers=headers)
        b = httpx.request(method, two + url, headers=headers)
        _same(a, b, expiring)
        answers.append(a)
    return answers[:2]


CASES = [
    ("GET", "/pub/dog.jpg?w=100", {}),
    ("HEAD", "/pub/dog.jpg?w=101", {}),
    ("GET", "/pub/alpha.png?w=80&auto=format", {"Accept": "image/webp,image/*"}),  # Vary
    ("GET", "/pub/alpha.png?w=80&auto=format", {"Accept": "image/png"}),
    ("GET", "/pub/dog.jpg?w=60&ch=width", {"Width": "50"}),  # client hints
    ("GET", "/hot/dog.jpg?w=70", {"Referer": "https://example.com/page"}),  # Vary: Referer
]


@pytest.mark.parametrize(("method", "url", "headers"), CASES)
def test_hits_answer_as_the_full_path(bases, method, url, headers):
    first, second = _ask(bases, method, url, {**ORIGIN, **headers})
    assert first.status_code == second.status_code == 200
    assert second.headers["x-signet-cache"] == "hit-memory"
    if method == "HEAD":
        assert second.content == b"" and int(second.headers["content-length"]) > 0


def test_304_answers_as_the_full_path(bases):
    url = "/pub/dog.jpg?w=102"
    etag = _ask(bases, "GET", url, ORIGIN)[1].headers["etag"]
    for method in ("GET", "HEAD"):
        for inm in (etag, f'W/{etag}, "other"', "*"):
            for resp in _ask(bases, method, url, {**ORIGIN, "If-None-Match": inm}):
                assert resp.status_code == 304 and resp.headers["etag"] == etag
    stale = _ask(bases, "GET", url, {**ORIGIN, "If-None-Match": '"old"'})[1]
    assert stale.status_code == 200


def test_an_expiring_url_answers_as_the_full_path(bases):
    url = sign_url("/pub/dog.jpg?w=103", KEY, expires=int(time.time()) + 120)
    first, second = _ask(bases, "GET", url, ORIGIN, expiring=True)
    assert second.headers["x-signet-cache"] == "hit-memory"
    assert 100 <= _max_age(second) <= 120  # follows the expiry, under the ttl of 3600
    expired = sign_url("/pub/dog.jpg?w=103", KEY, expires=int(time.time()) - 5)
    assert _ask(bases, "GET", expired, ORIGIN)[1].status_code == 404  # expired_status


def test_private_images_answer_as_the_full_path(bases):
    signed = sign_url("/pub/private/cat.jpg?w=50", KEY)
    assert _ask(bases, "GET", signed, ORIGIN)[1].headers["x-signet-cache"] == "hit-memory"
    unsigned = _ask(bases, "GET", "/pub/private/cat.jpg?w=50", ORIGIN)[1]
    assert unsigned.status_code == 403
    assert "private" in unsigned.text


def test_the_origin_secret_answers_as_the_full_path(bases):
    _ask(bases, "GET", "/pub/dog.jpg?w=104", ORIGIN)  # cached on both
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        resp = _ask(bases, "GET", "/pub/dog.jpg?w=104", headers)[1]
        assert resp.status_code == 403


def test_misses_and_errors_answer_as_the_full_path(bases):
    for url in ("/pub/nothere.jpg?w=10", "/pub/dog.jpg?w=abc&strict=1", "/none/dog.jpg",
                "/pub/dog.jpg?w=105&s=bad", "/healthz", "/readyz"):
        _ask(bases, "GET", url, ORIGIN)
    miss = httpx.get(bases[0] + "/pub/dog.jpg?w=106", headers=ORIGIN)
    assert miss.headers["x-signet-cache"] == "miss"


def test_the_hit_path_answered_only_on_its_app(bases):
    one, _, fast, full = bases
    layer = _hit_path(fast)
    before = layer.answered
    assert httpx.get(one + "/pub/dog.jpg?w=100", headers=ORIGIN).status_code == 200
    assert layer.answered == before + 1
    assert httpx.get(one + "/pub/dog.jpg?w=107", headers=ORIGIN).status_code == 200  # a miss
    assert layer.answered == before + 1
    with pytest.raises(AttributeError):
        _hit_path(full)


def test_an_error_met_on_the_hit_path_is_answered_without_running_the_stages_again(bases):
    from app.request import _parse_cached

    url = "/pub/dog.jpg?w=-5&strict=1"  # refused by the parser: 400, never cached
    for base in bases[:2]:
        before = _parse_cached.cache_info().misses
        resp = httpx.get(base + url, headers=ORIGIN)
        assert resp.status_code == 400
        assert _parse_cached.cache_info().misses - before == 1  # parsed once, not twice


def test_a_miss_met_on_the_hit_path_is_rendered_without_looking_it_up_again(bases):
    from app.request import _parse_cached

    fast = bases[0]
    before = _parse_cached.cache_info()
    resp = httpx.get(fast + "/pub/dog.jpg?w=123&fm=png", headers=ORIGIN)
    assert resp.status_code == 200 and resp.headers["x-signet-cache"] == "miss"
    after = _parse_cached.cache_info()
    # Parsed once, by the hit path; the full path took its look-up over (no cached re-parse).
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 0)


def _kept_paths(app) -> list[str]:
    return [look.wanted.path for look in _hit_path(app).looks.values()]


def test_a_kept_look_up_answers_as_the_full_path_until_the_file_changes(bases):
    one, _, fast, _ = bases
    url = "/pub/owl.jpg?w=90"
    before = _ask(bases, "GET", url, ORIGIN)[1]
    assert "owl.jpg" in _kept_paths(fast)
    root = Path(fast.state.runtime.sources["pub"].source.root)
    (root / "owl.jpg").write_bytes(imagegen.jpeg(320, 240, quality=50))
    time.sleep(1.1)  # the folder's stat_cache_seconds: its look at the file is taken anew
    after = _ask(bases, "GET", url, ORIGIN)
    assert after[0].headers["etag"] != before.headers["etag"]  # named by the new bytes
    assert after[1].headers["x-signet-cache"] == "hit-memory"
    old = httpx.get(one + url, headers={**ORIGIN, "If-None-Match": before.headers["etag"]})
    assert old.status_code == 200  # the kept look-up of the old file is not used


def test_look_ups_that_depend_on_more_than_the_url_are_not_kept(bases):
    one, _, fast, _ = bases
    urls = [
        sign_url("/pub/owl.jpg?w=91", KEY, expires=int(time.time()) + 120),  # counts down
        "/pub/owl.jpg?w=92&ch=width",  # the Width header chooses the size
        "/pub/owl.jpg?w=93&mark=/logo.png",  # the logo's own look
    ]
    for url in urls:
        _ask(bases, "GET", url, {**ORIGIN, "Width": "60"}, expiring=True)
    kept = [look.wanted for look in _hit_path(fast).looks.values()]
    assert not [w for w in kept if w.path == "owl.jpg" and w.chain.final.size.w in (91, 92, 93)]


def test_the_kept_look_ups_are_bounded(bases, monkeypatch):
    from app import hit_path

    one, _, fast, _ = bases
    monkeypatch.setattr(hit_path, "LOOKS", 2)
    for w in (94, 95, 96):
        assert httpx.get(one + f"/pub/dog.jpg?w={w}", headers=ORIGIN).status_code == 200
    looks = _hit_path(fast).looks
    assert len(looks) <= 2
    assert [look.wanted.chain.final.size.w for look in looks.values()][-1] == 96
