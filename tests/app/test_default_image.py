"""The default image: a missing original answered with the URL's di- (ImageKit) or the
source's default_image (both dialects), rendered with the URL's transformations, under
its own short Cache-Control."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests import imagegen

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


def folder(name: str, root: Path, **options) -> dict:
    return {"name": name, "type": "folder", "root": str(root), **options}


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("default")
    (root / "fallbacks").mkdir()
    (root / "private").mkdir()
    (root / "photo.png").write_bytes(imagegen.encode(imagegen.solid(200, 100, RED), "PNG"))
    (root / "fallbacks" / "missing.png").write_bytes(
        imagegen.encode(imagegen.solid(300, 300, BLUE), "PNG"))
    (root / "private" / "secret.png").write_bytes(
        imagegen.encode(imagegen.solid(50, 50, GREEN), "PNG"))
    with signet_with(
        sources=[
            folder("ik", root, scheme="imagekit", private_prefixes=["private/"]),
            folder("ikdef", root, scheme="imagekit", default_image="fallbacks/missing.png",
                   default_image_ttl=60),
            folder("ix", root, scheme="imgix", default_image="/fallbacks/missing.png"),
            folder("none", root),
        ],
    ) as served:
        yield served.base


def get(signet: str, url: str) -> httpx.Response:
    return httpx.get(signet + url, timeout=30)


def picture(resp: httpx.Response) -> Image.Image:
    return Image.open(io.BytesIO(resp.content)).convert("RGB")


def test_di_answers_a_missing_original(signet):
    resp = get(signet, "/ik/nothing.jpg?tr=w-100,di-fallbacks@@missing.png")
    assert resp.status_code == 200
    img = picture(resp)
    assert img.size == (100, 100) and img.getpixel((50, 50)) == BLUE
    assert resp.headers["x-signet-default-image"] == "true"
    assert resp.headers["cache-control"] == "public, max-age=300"  # the default TTL


def test_di_in_the_path_form_and_in_a_chain(signet):
    resp = get(signet, "/ik/tr:di-fallbacks@@missing.png:w-50/nothing.jpg")
    assert resp.status_code == 200 and picture(resp).size == (50, 50)


def test_an_original_that_exists_ignores_di(signet):
    resp = get(signet, "/ik/photo.png?tr=w-100,di-fallbacks@@missing.png")
    assert resp.status_code == 200
    assert picture(resp).getpixel((50, 25)) == RED
    assert "x-signet-default-image" not in resp.headers
    assert resp.headers["cache-control"] == "public, max-age=31536000"


def test_a_missing_default_image_is_a_plain_404(signet):
    resp = get(signet, "/ik/nothing.jpg?tr=di-fallbacks@@gone.png")
    assert resp.status_code == 404


def test_a_private_default_image_needs_a_signed_url(signet):
    resp = get(signet, "/ik/nothing.jpg?tr=di-private@@secret.png")
    assert resp.status_code == 403


def test_di_cannot_leave_the_source(signet):
    resp = get(signet, "/ik/nothing.jpg?tr=di-..@@..@@etc@@passwd")
    assert resp.status_code in (400, 404)
    assert b"root:" not in resp.content


@pytest.mark.parametrize("tr", ["di-", "di-@@", "di-a.png:di-b.png"])
def test_bad_di_answers_400(signet, tr):
    resp = get(signet, f"/ik/nothing.jpg?tr={tr}")
    assert resp.status_code == 400
    assert "di" in resp.text


def test_the_source_default_image_with_its_own_ttl(signet):
    resp = get(signet, "/ikdef/nothing.jpg?tr=w-30")
    assert resp.status_code == 200 and picture(resp).size == (30, 30)
    assert resp.headers["cache-control"] == "public, max-age=60"


def test_the_source_default_image_in_the_imgix_dialect(signet):
    resp = get(signet, "/ix/nothing.jpg?w=40&h=20&fit=crop")
    assert resp.status_code == 200
    img = picture(resp)
    assert img.size == (40, 20) and img.getpixel((20, 10)) == BLUE
    assert resp.headers["cache-control"] == "public, max-age=300"


def test_the_urls_di_wins_over_the_sources(signet):
    resp = get(signet, "/ikdef/nothing.jpg?tr=di-photo.png")
    assert picture(resp).getpixel((5, 5)) == RED


def test_without_a_default_image_a_missing_original_is_404(signet):
    assert get(signet, "/none/nothing.jpg?w=10").status_code == 404
