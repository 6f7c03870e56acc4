"""Hostile input through the real server: every case answers 4xx with a message, never 500."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.signing import sign_url
from tests import imagegen
from tests.servers import raw_get

KEY = "hostile-test-key"
PHOTO = imagegen.photo(300, 200)
FORMATS = {
    "jpg": imagegen.encode(PHOTO, "JPEG"),
    "png": imagegen.encode(PHOTO, "PNG"),
    "gif": imagegen.encode(PHOTO, "GIF"),
    "webp": imagegen.encode(PHOTO, "WEBP"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("hostile")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(64, 48))
    (root / "bomb.jpg").write_bytes(imagegen.jpeg_bomb())
    (root / "bomb.png").write_bytes(imagegen.png_bomb())
    (root / "bomb.gif").write_bytes(imagegen.gif_bomb())
    (root / "bomb.webp").write_bytes(imagegen.webp_bomb())
    # 12000 frames of 100 x 100: a few hundred kilobytes, 120 megapixels in all.
    (root / "frames.gif").write_bytes(imagegen.gif_bomb(100, 100, 12000))
    for fmt, data in FORMATS.items():
        (root / f"truncated.{fmt}").write_bytes(data[: len(data) // 2])
        (root / f"corrupt.{fmt}").write_bytes(imagegen.corrupt(data))
        (root / f"stub.{fmt}").write_bytes(data[:20])
    with signet_with(
        env={"SIGNET_TEST_HOSTILE_KEY": KEY},
        sources=[
            {"name": "h", "type": "folder", "root": str(root)},
            {"name": "sec", "type": "folder", "root": str(root), "secure": True,
             "keys": ["env:SIGNET_TEST_HOSTILE_KEY"]},
        ],
    ) as served:
        yield served.base


def assert_refused(base: str, target: str, status: int | tuple[int, ...], words: str = ""):
    code, body = raw_get(base, target)
    statuses = status if isinstance(status, tuple) else (status,)
    assert code in statuses, (target[:120], code, body[:200])
    text = body.decode("utf-8", "replace")
    assert text.strip(), "a refusal says what was wrong"
    assert words in text, text
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("name", ["bomb.jpg", "bomb.png", "bomb.gif", "bomb.webp"])
def test_decompression_bombs_are_refused_from_the_header(hostile, name):
    started = time.monotonic()
    for query in ("", "?w=10"):
        assert_refused(hostile, f"/h/{name}{query}", 422, "over the limit")
    # Decoding any of them would take seconds and gigabytes; the header takes nothing.
    assert time.monotonic() - started < 5


def test_animation_with_too_many_frames(hostile):
    # past max_frames (1000), refused before the pixels of all frames are even added up
    text = assert_refused(hostile, "/h/frames.gif?w=10", 422, "more than 1000 frames")
    assert "over the limit" in text


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("damage", ["truncated", "corrupt", "stub"])
def test_damaged_files(hostile, fmt, damage):
    assert_refused(hostile, f"/h/{damage}.{fmt}?w=50", 422, "not a decodable image")


@pytest.mark.parametrize(
    "query,param",
    [
        ("w=99999", "w"),
        ("h=99999", "h"),
        ("w=1e308", "w"),
        ("w=inf", "w"),
        ("w=nan", "w"),
        ("w=-1", "w"),
        ("dpr=100", "dpr"),
        ("dpr=nan", "dpr"),
        ("dpr=1e-9", "dpr"),
        ("rect=0,0,99999999999,1", "rect"),
        ("blur=99999", "blur"),
        ("q=1000", "q"),
    ],
)
def test_huge_sizes_and_values(hostile, query, param):
    assert_refused(hostile, f"/h/photo.jpg?{query}", 400, f"{param}:")


@pytest.mark.parametrize(
    "query",
    [
        "w=16384&h=16384&dpr=5",
        "h=16384&w=1&fit=scale&dpr=5",
        "h=16383&w=1&fit=scale&dpr=2&fm=webp",
        "w=12000&h=2&fit=scale&rot=45&rot-type=pivot&fm=webp",
    ],
)
def test_huge_valid_sizes_are_clamped_not_refused(hostile, query):
    # imgix scales an output over 8192 a side (or the pixel limit) down to fit
    code, body = raw_get(hostile, f"/h/photo.jpg?{query}")
    assert code == 200
    img = imagegen.open_bytes(body)
    assert max(img.size) <= 8192


def test_long_urls_and_values(hostile):
    assert_refused(hostile, "/h/" + "a" * 3000 + ".jpg", 400, "too long")
    # longer than a file name may be: no such file, not a crash
    assert_refused(hostile, "/h/" + "a" * 300 + ".jpg", 404, "no such image")
    assert_refused(hostile, "/h/photo.jpg?w=" + "1" * 5000, 400, "too long")
    assert_refused(hostile, "/h/photo.jpg?" + "&".join(f"x{i}=1" for i in range(200)), 400,
                   "too many parameters")
    # past what the HTTP server reads at all: its own 400
    assert_refused(hostile, "/h/photo.jpg?w=" + "1" * 100_000, 400)


@pytest.mark.parametrize(
    "query,words",
    [
        ("w=10&w=20", "w: given more than once"),
        ("expires=9999999999&expires=9999999999", "expires: given more than once"),
        ("fit=crop&fit=clip", "fit: given more than once"),
    ],
)
def test_repeated_parameters(hostile, query, words):
    assert_refused(hostile, f"/h/photo.jpg?{query}", 400, words)


@pytest.mark.parametrize(
    "target,words",
    [
        ("/h/photo.jpg?w=%ff", "not valid UTF-8"),
        ("/h/photo.jpg?%ff=1", "not valid UTF-8"),
        ("/h/photo.jpg?w=%zz", "malformed percent escape"),
        ("/h/photo.jpg?w=%", "malformed percent escape"),
        ("/h/photo.jpg?w=%00", "control character"),
        ("/h/photo%ff.jpg", "not valid UTF-8"),
        ("/h/photo%zz.jpg", "malformed percent-escape"),
        ("/h/photo%.jpg", "malformed percent-escape"),
        ("/h/photo%00.jpg", "control character"),
        ("/h/%2e%2e/photo.jpg", ". or .."),
        ("/h/a%2fb.jpg", "encoded slash"),
    ],
)
def test_invalid_encoding(hostile, target, words):
    assert_refused(hostile, target, 400, words)


def test_invalid_encoding_in_the_source_prefix(hostile):
    assert_refused(hostile, "/%ff/photo.jpg", 404, "no source")


@pytest.mark.parametrize(
    "target",
    [
        "/sec/photo%ff.jpg?w=10",
        "/sec/photo.jpg?w=%ff",
        "/sec/photo.jpg?w=10&s=%zz",
        "/sec/photo.jpg?w=10&s=" + "0" * 5000,
        "/sec/photo.jpg?w=10&s=abc&s=def",
    ],
)
def test_hostile_urls_on_a_secure_source_are_refused_before_anything_else(hostile, target):
    assert_refused(hostile, target, (400, 403))


def test_hostile_values_under_a_valid_signature(hostile):
    # A signature only says who built the URL: the values are still checked.
    assert_refused(hostile, sign_url("/sec/photo.jpg?w=99999", KEY), 400, "w:")
    assert_refused(hostile, sign_url("/sec/bomb.png?w=10", KEY), 422, "over the limit")
