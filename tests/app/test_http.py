"""HTTP behaviour: caching headers, 304, HEAD, routing, error answers."""

from __future__ import annotations

import httpx
import pytest

from app.signing import sign_url
from tests.conftest import MEDIA_KEY


def signed(path: str) -> str:
    return sign_url(path, MEDIA_KEY)


def test_image_headers(signet):
    resp = httpx.get(signet + signed("/media/photo.jpg?w=200"))
    assert resp.status_code == 200
    h = resp.headers
    assert h["content-type"] == "image/jpeg"
    assert int(h["content-length"]) == len(resp.content)
    assert h["etag"].startswith('"')
    assert "GMT" in h["last-modified"]
    assert h["cache-control"] == "public, max-age=3600"
    assert "vary" not in h


def test_etag_depends_on_the_transform(signet):
    a = httpx.get(signet + signed("/media/photo.jpg?w=200")).headers["etag"]
    b = httpx.get(signet + signed("/media/photo.jpg?w=201")).headers["etag"]
    assert a != b


def test_if_none_match_answers_304(signet):
    url = signet + signed("/media/photo.jpg?w=200")
    etag = httpx.get(url).headers["etag"]
    resp = httpx.get(url, headers={"If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.content == b""
    assert resp.headers["etag"] == etag
    assert resp.headers["cache-control"] == "public, max-age=3600"
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_head(signet):
    url = signet + signed("/media/photo.jpg?w=200")
    full = httpx.get(url)
    head = httpx.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]
    assert head.headers["etag"] == full.headers["etag"]


def test_auto_format_negotiates_and_varies(signet):
    url = signet + signed("/media/photo.jpg?w=100&auto=format")
    cases = {
        "image/avif,image/webp,*/*": "image/avif",
        "image/webp,*/*": "image/webp",
        "*/*": "image/jpeg",
    }
    etags = set()
    for accept, expected in cases.items():
        resp = httpx.get(url, headers={"Accept": accept})
        assert resp.status_code == 200
        assert resp.headers["content-type"] == expected
        assert resp.headers["vary"] == "Accept"
        etags.add(resp.headers["etag"])
    assert len(etags) == 3


@pytest.mark.parametrize(
    "target,status,words",
    [
        ("/nosuch/photo.jpg", 404, "no source"),
        ("/open/missing.jpg", 404, "no such image"),
        ("/open/truncated.jpg?w=10", 422, ""),
        ("/open/notimage.jpg?w=10", 422, ""),
        ("/open/photo.jpg?w=abc", 400, "w"),
        ("/open/photo.jpg?face-blur=101", 400, "face-blur: must be an integer from 0 to 100"),
    ],
)
def test_error_answers(signet, target, status, words):
    resp = httpx.get(signet + target)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    assert words in resp.text
    expected_cache = "public, max-age=60" if status == 404 else "no-store"
    assert resp.headers["cache-control"] == expected_cache
    assert "Traceback" not in resp.text and MEDIA_KEY not in resp.text


def test_byte_limit_is_413(tmp_path, signet_with):
    from tests import imagegen

    (tmp_path / "big.jpg").write_bytes(imagegen.jpeg(800, 600))
    with signet_with(
        limits={"max_source_bytes": 1000},
        sources=[{"name": "s", "type": "folder", "root": str(tmp_path)}],
    ) as served:
        resp = httpx.get(served.base + "/s/big.jpg")
        assert resp.status_code == 413
        # the only source is also the default: no prefix needed
        assert httpx.get(served.base + "/big.jpg").status_code == 413


def test_other_methods_and_unroutable_paths(signet):
    resp = httpx.post(signet + "/open/photo.jpg")
    assert resp.status_code == 405
    assert set(resp.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert resp.headers["cache-control"] == "no-store"
    # Starlette's router matches no path with a newline in it; the answer keeps our shape
    resp = httpx.get(signet + "/open/a%0Ab.jpg")
    assert resp.status_code == 404
    assert resp.headers["cache-control"] == "public, max-age=60"
    assert resp.text == "no such path\n"


def test_healthz(signet):
    resp = httpx.get(signet + "/healthz")
    assert resp.status_code == 200
