"""Decoding the images a render composites besides marks: `mask` and `blend` images.

The app fetches them as it fetches marks (same sources, same access rules) and hands them
to render() in the same mapping; they are decoded here under the same limits, and what a
render derives from them (a resized mask, a fitted blend layer) is kept in the marks'
cache, keyed by the image's validator, so a new file misses.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Hashable, Mapping

from PIL import Image, ImageOps

from transforms.errors import ParamError
from transforms.marks import MARKS, MarkData
from transforms.spec import Limits
from transforms.steps.load import DECODE_ERRORS, OPENABLE


def decode_rgba(data: bytes, limits: Limits, param: str) -> Image.Image:
    """The image upright, as RGBA; a file that is not one is a bad `param`."""
    try:
        img = Image.open(io.BytesIO(data), formats=OPENABLE)
        if img.width * img.height > limits.max_input_pixels:
            raise ParamError(param, f"the {param} image is over {limits.max_input_pixels} pixels")
        img.load()
        return ImageOps.exif_transpose(img).convert("RGBA")
    except DECODE_ERRORS:
        raise ParamError(param, f"the {param} is not a decodable image") from None


def derived(key: Hashable, make: Callable[[], Image.Image]) -> Image.Image:
    """`make()`, or its cached result: read it, never draw on it (renders share it)."""
    cached = MARKS.get(key)
    if isinstance(cached, Image.Image):
        return cached
    img = make()
    MARKS.put(key, img, img.width * img.height * len(img.getbands()))
    return img


def fetched(marks: Mapping[str, MarkData], path: str, param: str) -> MarkData:
    """The fetched image for `path`; the app fetches every image the spec names."""
    data = marks.get(path)
    if data is None:
        raise ParamError(param, f"the {param} image {path} was not fetched")
    return data
