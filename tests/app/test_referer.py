"""Hotlink protection through the real server: allowed, foreign, empty and required Referers."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image

from app.referer import referer_host
from app.settings import ConfigError, load_settings
from tests import imagegen

ALLOWED = ["example.com", "*.example.org"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("referer")
    (root / "a.png").write_bytes(imagegen.encode(Image.new("RGB", (40, 30), (1, 2, 3)), "PNG"))
    return root


@pytest.fixture(scope="module")
def server(folder, signet_with) -> httpx.Client:
    with signet_with(
        sources=[
            {"name": "hot", "type": "folder", "root": str(folder), "allowed_referers": ALLOWED},
            {"name": "must", "type": "folder", "root": str(folder),
             "allowed_referers": ["EXAMPLE.com."], "require_referer": True},
            {"name": "any", "type": "folder", "root": str(folder)},
        ],
    ) as served:
        yield served.client


def get(server: httpx.Client, url: str, referer: str | None, **headers: str) -> httpx.Response:
    if referer is not None:
        headers["Referer"] = referer
    return server.get(url, headers=headers)


@pytest.mark.parametrize(
    "referer",
    [
        "https://example.com/page.html",
        "http://example.com:8080/",
        "https://EXAMPLE.COM/",
        "https://example.com./trailing-dot",
        "https://shop.example.org/p?q=1",
        "https://a.b.example.org/",
    ],
)
def test_allowed_referer(server, referer):
    resp = get(server, "/hot/a.png?w=20", referer)
    assert resp.status_code == 200, resp.text
    assert resp.headers["vary"] == "Referer"


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.test/",
        "https://example.com.evil.test/",  # suffix tricks
        "https://notexample.com/",
        "https://evilexample.org/",
        "https://example.org/",  # *.example.org is subdomains only
        "https://user@evil.test/?example.com",
        "not a url",
        "https://[::1/",  # malformed
    ],
)
def test_foreign_referer_is_403(server, referer):
    resp = get(server, "/hot/a.png?w=20", referer)
    assert resp.status_code == 403
    assert "no-store" in resp.headers["cache-control"]
    assert "page" in resp.text


@pytest.mark.parametrize("referer", [None, ""])
def test_empty_referer_passes(server, referer):
    assert get(server, "/hot/a.png?w=20", referer).status_code == 200


def test_required_referer(server):
    assert get(server, "/must/a.png", None).status_code == 403
    assert get(server, "/must/a.png", "").status_code == 403
    assert get(server, "/must/a.png", "https://elsewhere.test/").status_code == 403
    assert get(server, "/must/a.png", "https://example.com/x").status_code == 200


def test_vary_only_where_referer_matters(server):
    assert "vary" not in get(server, "/any/a.png?w=20", "https://evil.test/").headers
    negotiated = get(server, "/hot/a.png?w=20&auto=format", None, Accept="image/webp")
    assert negotiated.headers["vary"] == "Accept, Referer"
    first = get(server, "/hot/a.png?w=20", None)
    revalidated = get(server, "/hot/a.png?w=20", None, **{"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304
    assert revalidated.headers["vary"] == "Referer"


def test_referer_host():
    assert referer_host("https://Example.COM:443/a") == "example.com"
    assert referer_host("android-app://com.example.app/") == "com.example.app"
    assert referer_host("garbage") is None
    assert referer_host("https://[::1/") is None


@pytest.mark.parametrize(
    "options, message",
    [
        ({"allowed_referers": ["https://example.com"]}, "allowed_referers"),
        ({"allowed_referers": ["example.com/path"]}, "allowed_referers"),
        ({"allowed_referers": ["*"]}, "allowed_referers"),
        ({"require_referer": True}, "require_referer"),
    ],
)
def test_bad_referer_config_fails_start_up(folder, options, message):
    with pytest.raises(ConfigError) as info:
        load_settings(None, sources=[{"name": "x", "type": "folder", "root": str(folder),
                                      **options}])
    assert "sources[x]" in str(info.value) and message in str(info.value)
