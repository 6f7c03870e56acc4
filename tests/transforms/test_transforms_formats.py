"""Format sniffing, negotiation, and that each output format is what it says."""

from __future__ import annotations

import pytest

from tests import imagegen
from transforms.formats import CONTENT_TYPES, accepts, choose_format, sniff
from transforms.pipeline import render
from transforms.spec import Limits, Output, Size, TransformSpec

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
OLD_SAFARI = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
CURL = "*/*"


@pytest.mark.parametrize(
    "pillow_format, name",
    [
        ("JPEG", "jpg"),
        ("PNG", "png"),
        ("GIF", "gif"),
        ("WEBP", "webp"),
        ("AVIF", "avif"),
        ("TIFF", "tiff"),
        ("BMP", "bmp"),
    ],
)
def test_sniff_real_files(pillow_format: str, name: str) -> None:
    assert sniff(imagegen.encode(imagegen.photo(32, 24), pillow_format)) == name


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"hello world, not an image",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ],
)
def test_sniff_unknown(data: bytes) -> None:
    assert sniff(data) is None


def test_sniff_svg() -> None:
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "svg"
    assert sniff(b"\xef\xbb\xbf<?xml version='1.0'?><svg/>") == "svg"
    assert sniff(b"<!-- drawn --><svg/>") == "svg"
    assert sniff(b"<html><svg/></html>") is None


def test_sniff_heic_and_jxl() -> None:
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "heic"
    assert sniff(b"\xff\x0a\xfa") == "jxl"
    assert sniff(b"\x00\x00\x00\x0cJXL \r\n\x87\n") == "jxl"


def test_sniff_avif_by_compatible_brand() -> None:
    assert sniff(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf") == "avif"


def test_accepts_needs_an_explicit_listing() -> None:
    assert accepts(CHROME, "image/avif")
    assert accepts(CHROME, "image/webp")
    assert not accepts(OLD_SAFARI, "image/avif")
    assert not accepts(CURL, "image/webp")
    assert not accepts("image/avif;q=0, image/webp", "image/avif")
    assert accepts("Image/AVIF ; q=0.5", "image/avif")
    assert not accepts("", "image/webp")


@pytest.mark.parametrize(
    "spec, source, accept, expected",
    [
        (TransformSpec(), "png", CHROME, ("png", False)),
        (TransformSpec(), "gif", CHROME, ("gif", False)),
        (TransformSpec(), "avif", CURL, ("avif", False)),
        (TransformSpec(), "tiff", CHROME, ("jpg", False)),
        (TransformSpec(), "bmp", CHROME, ("jpg", False)),
        (TransformSpec(), None, CHROME, ("jpg", False)),
        (TransformSpec(output=Output(fm="webp")), "jpg", CURL, ("webp", False)),
        (TransformSpec(output=Output(auto=frozenset({"format"}))), "jpg", CHROME, ("avif", True)),
        (
            TransformSpec(output=Output(auto=frozenset({"format"}))),
            "jpg",
            OLD_SAFARI,
            ("webp", True),
        ),
        (TransformSpec(output=Output(auto=frozenset({"format"}))), "png", CURL, ("png", True)),
        (TransformSpec(output=Output(auto=frozenset({"format"}))), "tiff", CURL, ("jpg", True)),
        (
            TransformSpec(output=Output(fm="png", auto=frozenset({"format"}))),
            "jpg",
            CURL,
            ("png", True),
        ),
        (
            TransformSpec(output=Output(fm="png", auto=frozenset({"format"}))),
            "jpg",
            CHROME,
            ("avif", True),
        ),
        (TransformSpec(output=Output(auto=frozenset({"compress"}))), "jpg", CHROME, ("jpg", False)),
    ],
)
def test_choose_format(
    spec: TransformSpec, source: str | None, accept: str, expected: tuple[str, bool]
) -> None:
    assert choose_format(spec, source, accept) == expected


@pytest.mark.parametrize("fmt", ["jpg", "pjpg", "png", "webp", "avif", "gif"])
def test_each_output_format_is_what_it_says(fmt: str) -> None:
    out = render(imagegen.jpeg(320, 240), TransformSpec(size=Size(w=160)), fmt, Limits())
    assert out.content_type == CONTENT_TYPES[fmt]
    assert sniff(out.data) == ("jpg" if fmt == "pjpg" else fmt)
    img = imagegen.open_bytes(out.data)
    assert img.size == (out.width, out.height) == (160, 120)


def test_pjpg_is_progressive() -> None:
    out = render(imagegen.jpeg(320, 240), TransformSpec(), "pjpg", Limits())
    assert imagegen.open_bytes(out.data).info.get("progressive")
    plain = render(imagegen.jpeg(320, 240), TransformSpec(), "jpg", Limits())
    assert not imagegen.open_bytes(plain.data).info.get("progressive")
