"""HEIC, JPEG XL, PDF and SVG originals through the real server (issue 12, item 3): each
renders, and each hostile kind (truncated, a bomb, another type under its magic) is a 4xx."""

from __future__ import annotations

import io

import httpx
import pillow_jxl  # noqa: F401  (lets Pillow open the JXL answers)
import pytest
from PIL import Image

from tests import originals

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
FILES = {
    "photo.heic": originals.heic(),
    "photo.jxl": originals.jxl(),
    "bomb.heic": originals.heic_bomb(),
    "bomb.jxl": originals.jxl_bomb(),
    "truncated.heic": originals.truncated(originals.heic()),
    "truncated.jxl": originals.truncated(originals.jxl()),
    "other.heic": originals.png_under(originals.heic()[:32]),
    "other.jxl": originals.png_under(b"\xff\x0a"),
    "two.pdf": originals.pdf_pages(RED, BLUE),
    "annotated.pdf": originals.pdf_document(annotation=True),
    "bomb.pdf": originals.pdf_document("0 0 14400 14400"),
    "truncated.pdf": originals.truncated(originals.pdf_pages(RED, BLUE)),
    "other.pdf": originals.png_under(b"%PDF-1.7\n"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root = tmp_path_factory.mktemp("originals")
    for name, data in FILES.items():
        (root / name).write_bytes(data)
    with signet_with(sources=[{"name": "o", "type": "folder", "root": str(root)}]) as served:
        yield served.base


def close(got, want, tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=True))


def get(server: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server}/o/{path}", headers=headers, timeout=30)


def image_of(resp: httpx.Response) -> Image.Image:
    assert resp.status_code == 200, resp.text
    return Image.open(io.BytesIO(resp.content))


@pytest.mark.parametrize("name", ["photo.heic", "photo.jxl"])
def test_original_renders_resized_as_jpeg(server, name):
    resp = get(server, f"{name}?w=160")
    img = image_of(resp)
    assert resp.headers["content-type"] == "image/jpeg"  # browsers cannot show the original
    assert img.format == "JPEG" and img.size == (160, 100)
    assert close(img.convert("RGB").getpixel((20, 50)), originals.LEFT, 30)
    assert close(img.convert("RGB").getpixel((140, 50)), originals.RIGHT, 30)


def test_fm_jxl_encodes_jpeg_xl(server):
    resp = get(server, "photo.heic?w=100&fm=jxl")
    img = image_of(resp)
    assert resp.headers["content-type"] == "image/jxl"
    assert resp.content.startswith(b"\xff\x0a")
    assert img.size == (100, 62)
    assert close(img.convert("RGB").getpixel((90, 30)), originals.RIGHT, 30)


def test_fm_jxl_lossless_keeps_every_pixel(server):
    resp = get(server, "photo.jxl?fm=png")
    source = image_of(resp).convert("RGB")
    again = image_of(get(server, "photo.jxl?fm=jxl&lossless=1")).convert("RGB")
    assert again.tobytes() == source.tobytes()


def test_auto_format_prefers_jxl_when_accepted(server):
    accept = "image/jxl,image/avif,image/webp,*/*"
    resp = get(server, "photo.jxl?w=80&auto=format", accept=accept)
    assert resp.headers["content-type"] == "image/jxl"
    assert "accept" in resp.headers["vary"].lower()
    assert image_of(resp).size == (80, 50)
    resp = get(server, "photo.jxl?w=80&auto=format", accept="image/avif,*/*")
    assert resp.headers["content-type"] == "image/avif"


@pytest.mark.parametrize(
    "name,words",
    [
        ("bomb.heic", "60000 x 60000"),
        ("bomb.jxl", "100000 x 100000"),
        ("truncated.heic", "not a decodable image"),
        ("truncated.jxl", "not a decodable image"),
        ("other.heic", "not a decodable image"),
        ("other.jxl", "not a decodable image"),
        ("bomb.pdf", "28800 x 28800"),
        ("truncated.pdf", "not a decodable image"),
        ("other.pdf", "not a decodable image"),
    ],
)
def test_hostile_original_is_422(server, name, words):
    resp = get(server, f"{name}?w=100")
    assert resp.status_code == 422
    assert words in resp.text
    assert "Traceback" not in resp.text


@pytest.mark.parametrize("size", [(100, 80), (64, 64), (640, 480), (1000, 1), (123, 457)])
def test_jxl_declared_size_is_read_from_the_header(size):
    from transforms.jxl_header import declared_size

    assert declared_size(originals.jxl(*size)) == size


def test_pdf_renders_its_first_page_by_default(server):
    # 300 x 150 points at 144 dpi is 600 x 300 pixels
    img = image_of(get(server, "two.pdf?fm=png")).convert("RGB")
    assert img.size == (600, 300)
    assert close(img.getpixel((300, 150)), RED, 8)
    img = image_of(get(server, "two.pdf?w=150&fm=png")).convert("RGB")
    assert img.size == (150, 75)


def test_pdf_page_picks_the_page(server):
    img = image_of(get(server, "two.pdf?page=2&fm=png")).convert("RGB")
    assert close(img.getpixel((300, 150)), BLUE, 8)


def test_pdf_page_past_the_end_is_422(server):
    resp = get(server, "two.pdf?page=3")
    assert resp.status_code == 422
    assert "page=3 is past the end: the PDF has 2 pages" in resp.text


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_pdf_page_bad_value_is_400(server, value):
    resp = get(server, f"two.pdf?page={value}")
    assert resp.status_code == 400
    assert "page" in resp.text


def test_pdf_annotation_false_hides_annotations(server):
    shown = image_of(get(server, "annotated.pdf?fm=png")).convert("RGB")
    assert shown.size == (400, 200)
    assert close(shown.getpixel((100, 100)), RED, 8)  # inside the square annotation
    assert close(shown.getpixel((300, 100)), WHITE, 8)
    for query in ("pdf-annotation=false", "annotation=0"):
        hidden = image_of(get(server, f"annotated.pdf?fm=png&{query}")).convert("RGB")
        assert close(hidden.getpixel((100, 100)), WHITE, 8)


def test_pdf_over_max_frames_pages_is_refused():
    from transforms.errors import ImageError
    from transforms.pdf import render_page
    from transforms.spec import Limits

    with pytest.raises(ImageError, match="more than 1 pages"):
        render_page(originals.pdf_pages(RED, BLUE), 1, True, Limits(max_frames=1))
