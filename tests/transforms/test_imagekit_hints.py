"""ImageKit's w-auto and dpr-auto (issue 12): the Sec-CH-Width / Width and Sec-CH-DPR / DPR
request headers, through the same client-hint mechanism as imgix's ch= (transforms.hints)."""

from __future__ import annotations

import httpx
import pytest

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("ikhints")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(1200, 800))
    settings = load_settings(
        None, sources=[{"name": "k", "type": "folder", "root": str(root), "scheme": "imagekit"}]
    )
    with run_asgi(create_app(settings)) as base:
        yield base


def get(server: str, tr: str, **headers: str) -> httpx.Response:
    resp = httpx.get(f"{server}/k/photo.jpg", params={"tr": tr}, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp


def size(resp: httpx.Response) -> tuple[int, int]:
    return imagegen.open_bytes(resp.content).size


def test_w_auto_reads_the_width_hint(server):
    resp = get(server, "w-auto", **{"Sec-CH-Width": "300"})
    assert size(resp) == (300, 200)
    assert resp.headers["accept-ch"] == "Sec-CH-Width, Width"
    assert "Sec-CH-Width" in resp.headers["vary"] and "Width" in resp.headers["vary"]
    assert size(get(server, "w-auto", Width="240")) == (240, 160)  # the older header
    both = get(server, "w-auto", **{"Sec-CH-Width": "300", "Width": "500"})
    assert size(both) == (300, 200)  # Sec-CH-Width is read first


def test_w_auto_without_the_header_falls_back(server):
    resp = get(server, "w-auto")
    assert size(resp) == (1200, 800)  # no width from the URL: the original's
    assert resp.headers["accept-ch"] == "Sec-CH-Width, Width"  # asked for, hint or no hint
    assert size(get(server, "w-auto,h-400")) == (600, 400)
    assert size(get(server, "w-auto", **{"Sec-CH-Width": "wide"})) == (1200, 800)  # ignored


def test_dpr_auto_reads_the_dpr_hint(server):
    resp = get(server, "w-200,dpr-auto", **{"Sec-CH-DPR": "2"})
    assert size(resp) == (400, 267)
    assert resp.headers["accept-ch"] == "Sec-CH-DPR, DPR"
    assert size(get(server, "w-200,dpr-auto", DPR="1.5")) == (300, 200)
    assert size(get(server, "w-200,dpr-auto")) == (200, 133)  # no header: dpr 1


def test_w_auto_with_dpr_auto_answers_the_width_in_device_pixels(server):
    resp = get(server, "w-auto,dpr-auto", **{"Sec-CH-Width": "600", "Sec-CH-DPR": "2"})
    assert size(resp) == (600, 400)  # Width is already device pixels
    assert resp.headers["accept-ch"] == "Sec-CH-DPR, DPR, Sec-CH-Width, Width"


def test_the_hint_is_part_of_the_cache_key(server):
    small = get(server, "w-auto", **{"Sec-CH-Width": "100"})
    large = get(server, "w-auto", **{"Sec-CH-Width": "150"})
    assert small.headers["etag"] != large.headers["etag"]
    assert size(small) == (100, 67) and size(large) == (150, 100)


@pytest.mark.parametrize(
    "tr, words", [("w-auto:rt-90:w-100", "last step"), ("dpr-auto:w-100", "last step")]
)
def test_auto_in_an_earlier_step_is_400(server, tr, words):
    resp = httpx.get(f"{server}/k/photo.jpg", params={"tr": tr}, timeout=30)
    assert resp.status_code == 400 and words in resp.text
