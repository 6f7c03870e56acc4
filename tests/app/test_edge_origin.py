"""Issue 17, item 9: an origin only its CDN may call (a shared secret in a header)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import httpx
import pytest

from app.origin_auth import OriginGuard
from app.service import create_app
from app.settings import ConfigError, load_settings
from app.signing import sign_url
from tests import imagegen
from tests.probes import healthz_ms

SECRET = "cdn-origin-secret-3f9a"
MEDIA_SECRET = "media-own-secret-77c1"
KEY = "edge-origin-key"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edge-origin")
    (root / "dog.jpg").write_bytes(imagegen.jpeg(400, 300))
    (root / "media.secret").write_text(MEDIA_SECRET + "\n")
    return root


def folder(name: str, root: Path, **options) -> dict:
    return {"name": name, "type": "folder", "root": str(root), "keys": ["env:SIGNET_TEST_OK"],
            **options}


@pytest.fixture(scope="module")
def signet(root: Path, signet_with) -> str:
    with signet_with(
        env={"SIGNET_TEST_ORIGIN_SECRET": SECRET, "SIGNET_TEST_OK": KEY},
        server={"origin_secrets": ["env:SIGNET_TEST_ORIGIN_SECRET"]},
        sources=[
            folder("pub", root),  # the server's secret
            folder("media", root, origin_secrets=[f"file:{root / 'media.secret'}"]),
            folder("direct", root, origin_secrets=[]),  # reached without the CDN
        ],
    ) as served:
        yield served.base


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def timed_get(url: str, **kw) -> httpx.Response:
    started = time.monotonic()
    resp = httpx.get(url, **kw)
    assert time.monotonic() - started < 0.5
    return resp


def test_without_the_secret_403_with_it_the_image(signet, caplog):
    caplog.set_level(logging.DEBUG)
    for headers in ({}, bearer("wrong"), bearer(SECRET[:-1]), {"Authorization": SECRET},
                    {"X-Origin-Secret": SECRET}, {"Authorization": f"Basic {SECRET}"}):
        resp = timed_get(f"{signet}/pub/dog.jpg?w=100", headers=headers)
        assert resp.status_code == 403, headers
        assert resp.text == "this origin answers only its CDN\n"
        assert resp.headers["cache-control"] == "no-store"
    resp = timed_get(f"{signet}/pub/dog.jpg?w=100", headers=bearer(SECRET))
    assert resp.status_code == 200
    assert imagegen.open_bytes(resp.content).size == (100, 75)
    # The auth scheme is case-insensitive (RFC 7235), extra spaces are tolerated.
    resp = timed_get(f"{signet}/pub/dog.jpg?w=90", headers={"Authorization": f"bearer  {SECRET}"})
    assert resp.status_code == 200
    assert SECRET not in caplog.text and MEDIA_SECRET not in caplog.text


def test_refused_before_any_work(signet):
    # A bad signature, an unknown source, a missing file: all 403 for the origin secret
    # first, so nothing about them is revealed to a caller that is not the CDN.
    for path in ("/pub/dog.jpg?w=100&s=00", "/nosuch/x.jpg", "/pub/missing.jpg",
                 "/pub/dog.jpg?w=nonsense"):
        assert timed_get(signet + path).status_code == 403, path
    # a POST too (no route), and a HEAD
    assert httpx.post(f"{signet}/pub/dog.jpg").status_code == 403
    assert httpx.head(f"{signet}/pub/dog.jpg").status_code == 403


def test_healthz_and_readyz_stay_open(signet):
    assert healthz_ms(signet) < 100  # no secret needed
    assert httpx.get(f"{signet}/readyz").status_code == 200
    # metrics on the main listener are not a probe: they need the secret
    assert httpx.get(f"{signet}/metrics").status_code == 403
    assert httpx.get(f"{signet}/metrics", headers=bearer(SECRET)).status_code == 200


def test_per_source_secret_and_open_source(signet):
    url = f"{signet}/media/dog.jpg?w=50"
    assert timed_get(url, headers=bearer(SECRET)).status_code == 403  # not the server's
    resp = timed_get(url, headers=bearer(MEDIA_SECRET))  # read from a file: reference
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).width == 50
    assert timed_get(f"{signet}/pub/dog.jpg", headers=bearer(MEDIA_SECRET)).status_code == 403
    resp = timed_get(f"{signet}/direct/dog.jpg?w=40")
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).width == 40


def test_signatures_still_apply_behind_the_secret(signet):
    signed = sign_url("/pub/dog.jpg?w=30", KEY)
    assert timed_get(signet + signed, headers=bearer(SECRET)).status_code == 200
    forged = signed.replace("w=30", "w=31")
    resp = timed_get(signet + forged, headers=bearer(SECRET))
    assert resp.status_code == 403 and resp.text == "invalid signature\n"


def test_another_header_carries_the_secret_as_is(root, signet_with):
    with signet_with(env={"SIGNET_TEST_ORIGIN_SECRET": SECRET},
                     server={"origin_secrets": ["env:SIGNET_TEST_ORIGIN_SECRET"],
                             "origin_header": "X-Origin-Secret"},
                     sources=[folder("pub", root)]) as served:
        assert httpx.get(f"{served.base}/pub/dog.jpg", headers=bearer(SECRET)).status_code == 403
        resp = httpx.get(f"{served.base}/pub/dog.jpg?w=20", headers={"x-origin-secret": SECRET})
        assert resp.status_code == 200 and imagegen.open_bytes(resp.content).width == 20


def test_rotation_any_listed_secret_admits(root, signet_with):
    os.environ["SIGNET_TEST_ORIGIN_OLD"] = "the-old-one"
    os.environ["SIGNET_TEST_ORIGIN_SECRET"] = SECRET
    settings = load_settings(None, server={"origin_secrets": ["env:SIGNET_TEST_ORIGIN_SECRET",
                                                              "env:SIGNET_TEST_ORIGIN_OLD"]},
                             sources=[folder("pub", root)])
    guard = OriginGuard.from_settings(settings)
    assert guard is not None and SECRET not in repr(guard)
    with signet_with(settings) as served:
        for secret in (SECRET, "the-old-one"):
            resp = httpx.get(f"{served.base}/pub/dog.jpg", headers=bearer(secret))
            assert resp.status_code == 200


def test_secret_references_are_checked_at_start(root):
    with pytest.raises(ConfigError, match="server.origin_secrets: .*reference"):
        load_settings(None, server={"origin_secrets": [SECRET]})
    with pytest.raises(ConfigError, match=r"sources\[pub\]\.origin_secrets: .*reference"):
        load_settings(None, sources=[folder("pub", root, origin_secrets=["plain"])])
    os.environ.pop("SIGNET_TEST_ORIGIN_UNSET", None)
    settings = load_settings(None, server={"origin_secrets": ["env:SIGNET_TEST_ORIGIN_UNSET"]},
                             sources=[folder("pub", root)])
    with pytest.raises(ConfigError, match="server.origin_secrets.0: environment variable"):
        create_app(settings)


def test_no_secret_configured_means_no_check(root):
    settings = load_settings(None, sources=[folder("pub", root)])
    assert OriginGuard.from_settings(settings) is None


def test_a_media_sources_file_api_is_not_behind_the_origin_secret(root, tmp_path, signet_with):
    """ImageKit's SDK sends `Authorization: Basic <key>` to the file API, straight from a
    backend: the origin secret, on the same header, must not shut it out; its images still
    need the secret."""
    (tmp_path / "dog.jpg").write_bytes(imagegen.jpeg(40, 30))
    with signet_with(
        env={"SIGNET_TEST_ORIGIN_SECRET": SECRET, "SIGNET_TEST_OK": KEY},
        server={"origin_secrets": ["env:SIGNET_TEST_ORIGIN_SECRET"]},
        sources=[folder("lib", tmp_path, scheme="imagekit", media_api=True)],
    ) as served:
        listed = httpx.get(f"{served.base}/lib/v1/files", auth=(KEY, "do_not_set"))
        assert listed.status_code == 200 and isinstance(listed.json(), list)
        wrong = httpx.get(f"{served.base}/lib/v1/files", auth=("wrong-key", "x"))
        assert wrong.status_code == 401  # the file API's own check still stands
        assert httpx.get(f"{served.base}/lib/dog.jpg").status_code == 403  # images need the secret
        assert httpx.get(f"{served.base}/lib/dog.jpg", headers=bearer(SECRET)).status_code == 200
