"""The gallery example in a real browser: Debian's headless Chromium, driven by Playwright.

The gallery and Signet run on 127.0.0.1, the pictures in Signet's media library (uploaded
with ImageKit's SDK as the gallery does on first start, the photos private); the page is
looked at as a visitor on a 2x screen would see it. The screenshot goes to
test-artifacts/gallery.png.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from app.ops.demo import ensure_demo_images
from app.signing_imagekit import sign_imagekit_url
from examples.gallery.app import LAYER, PHOTOS, GalleryConfig
from examples.gallery.app import create_app as create_gallery
from examples.gallery.library import KEY_ENV, SOURCE, library_config, upload_pictures
from tests.servers import run_asgi

GALLERY_KEY = "gallery-test-key"

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {"device_scale_factor": 2, "viewport": {"width": 1200, "height": 560}}
WAIT_FOR_IMAGES = "Array.from(document.images).every(i => i.complete)"
LOAD_IMAGE = """url => new Promise(done => {
    const img = new Image();
    img.onload = () => done(img.naturalWidth);
    img.onerror = () => done(0);
    img.src = url;
})"""


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gallery-library")


@pytest.fixture(scope="module")
def gallery_url(library: Path, signet_with) -> Iterator[str]:
    with signet_with(library_config(library / "signet.toml", library / "files"),
                     env={KEY_ENV: GALLERY_KEY}) as served:
        signet = served.base
        first = upload_pictures(signet, GALLERY_KEY, ensure_demo_images())
        assert first == ["logo.png", *(p.path for p in PHOTOS)]
        assert upload_pictures(signet, GALLERY_KEY, ensure_demo_images()) == []  # once
        config = GalleryConfig(signet_url=signet, key=GALLERY_KEY.encode(), source=SOURCE,
                               scheme="imagekit")
        with run_asgi(create_gallery(config)) as gallery:
            yield gallery


def open_gallery(browser, url: str):
    """The page once every image has loaded or failed, and the answers it got."""
    page = browser.new_page()
    answers = {}
    page.on("response", lambda r: answers.__setitem__(r.url, r))
    page.goto(url)
    page.wait_for_function(WAIT_FOR_IMAGES, timeout=15_000)
    images = page.eval_on_selector_all(
        "img", "els => els.map(i => ({src: i.currentSrc, width: i.naturalWidth}))")
    return page, images, answers


def without_mark(url: str) -> str:
    """The same thumbnail without the watermark layer, signed as the backend would."""
    parts = urlsplit(url)
    tr = parse_qs(parts.query)["tr"][0].replace("," + LAYER, "")
    signed = sign_imagekit_url(f"{parts.path}?tr={tr}", GALLERY_KEY, endpoint_path=f"/{SOURCE}/")
    return parts.scheme + "://" + parts.netloc + signed


def mean_difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    diff = ImageChops.difference(a.convert("RGB").crop(box), b.convert("RGB").crop(box))
    return sum(ImageStat.Stat(diff).mean) / 3


def test_free_user_sees_watermarked_2x_thumbnails_and_no_download(browser, gallery_url):
    page, images, answers = open_gallery(browser, gallery_url + "/")
    assert page.locator("#plan").inner_text() == "You are a free user"
    assert len(images) == len(PHOTOS)
    for image in images:
        # naturalWidth is density-corrected: the 2x candidate's 600 pixels count as 300.
        assert image["width"] == 300, image
        assert "dpr-2" in image["src"]  # srcset's 2x candidate, on a 2x screen
        answer = answers[image["src"]]
        assert answer.status == 200
        assert Image.open(io.BytesIO(answer.body())).size == (600, 600)
    assert page.locator("a.download").count() == 0

    # The bytes the browser got carry the mark in the bottom-right corner: against the
    # same thumbnail without it, that corner differs and the opposite one does not.
    src = images[0]["src"]
    answer = answers[src]
    marked = Image.open(io.BytesIO(answer.body()))
    accept = answer.request.all_headers()["accept"]  # the same format, negotiated alike
    plain = httpx.get(without_mark(src), headers={"Accept": accept}, trust_env=False)
    assert plain.status_code == 200
    assert plain.headers["content-type"] == answer.headers["content-type"]
    unmarked = Image.open(io.BytesIO(plain.content))
    assert marked.size == unmarked.size == (600, 600)
    assert mean_difference(marked, unmarked, (400, 520, 590, 590)) > 20
    assert mean_difference(marked, unmarked, (0, 0, 200, 200)) < 3

    # A visitor who edits the URL (a smaller mark, or none) gets nothing.
    for tampered in (src.replace("w-135", "w-10"), without_mark(src)[:-40] + "0" * 40,
                     src.split("?")[0]):  # the photo is private: unsigned, refused
        with page.expect_response(tampered) as refused:
            assert page.evaluate(LOAD_IMAGE, tampered) == 0
        assert refused.value.status == 403
    page.close()


def test_paid_user_gets_an_hour_long_link_to_the_original(browser, gallery_url, library):
    page, _, _ = open_gallery(browser, gallery_url + "/")
    page.click("#toggle")
    page.wait_for_url(re.compile(r"plan=paid"))
    page.wait_for_function(WAIT_FOR_IMAGES, timeout=15_000)
    assert page.locator("#plan").inner_text() == "You are a paid user"
    links = page.eval_on_selector_all("a.download", "els => els.map(a => a.href)")
    assert len(links) == len(PHOTOS)
    for photo, link in zip(PHOTOS, links, strict=True):
        query = parse_qs(urlsplit(link).query)
        assert query["tr"] == ["orig-true"]
        assert 3590 <= int(query["ik-t"][0]) - time.time() <= 3600
        answer = page.request.get(link)
        assert answer.status == 200
        # the stored bytes themselves, not a re-encoded copy
        assert answer.body() == (library / "files" / photo.path).read_bytes()
        assert answer.body() == (ensure_demo_images() / photo.path).read_bytes()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "gallery.png"), full_page=True)
    page.close()
