"""Rendering through the imgix dialect as the edge does (parse, choose a format, render)."""

from __future__ import annotations

import struct

from PIL import Image

from tests import imagegen
from transforms.dialects.imgix import parse_params
from transforms.formats import choose_format, sniff
from transforms.pipeline import Rendered, render
from transforms.query import split_query
from transforms.spec import Limits

LIMITS = Limits()


def render_query(data: bytes, query: str, accept: str = "") -> tuple[Rendered, str]:
    spec = parse_params(split_query(query.encode()), LIMITS)
    fmt, _ = choose_format(spec, sniff(data), accept)
    return render(data, spec, fmt, LIMITS), fmt


def image_of(data: bytes, query: str) -> Image.Image:
    return imagegen.open_bytes(render_query(data, query)[0].data)


def iptc_record(*datasets: tuple[int, str]) -> bytes:
    """An IPTC-NAA record of record-2 datasets (number, text)."""
    out = b""
    for number, text in datasets:
        value = text.encode()
        out += bytes((0x1C, 2, number)) + struct.pack(">H", len(value)) + value
    return out
