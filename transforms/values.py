"""The value grammar every parameter parser shares: numbers, choices, colours.

Both the core imgix parameters (transforms.dialects.imgix) and the overlay ones
(transforms.dialects.imgix_overlay) build on these, so a value means the same thing
whichever parameter it is given to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from PIL import ImageColor

from transforms.spec import Limits

DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
INTEGER = re.compile(r"[0-9]{1,9}")
HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


class Invalid(Exception):
    """A parser's complaint about a value; parse_params adds the key."""


class Parameter(NamedTuple):
    field: str
    parse: Callable[[str, Limits], Any]


def decimal(value: str) -> float | None:
    # A strict grammar: Python's float() also takes "nan", "1e9", "1_0" and spaces.
    return float(value) if DECIMAL.fullmatch(value) else None


def integer(value: str, low: int, high: int) -> int:
    if INTEGER.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    raise Invalid(f"must be an integer from {low} to {high}")


def one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value in allowed:
        return value
    raise Invalid(f"must be one of {', '.join(allowed)}")


def crop_words(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated set of crop words (imgix's `crop`, `blend-crop`), in the order of
    `allowed`, so crop=left,top and crop=top,left make the same spec (and cache key)."""
    words = set(value.split(","))
    for word in words:
        if word not in allowed:
            raise Invalid(f"unknown crop mode {word!r}; expected {', '.join(allowed)}")
    for a, b in (("top", "bottom"), ("left", "right")):
        if a in words and b in words:
            raise Invalid(f"{a} and {b} cannot be combined")
    return tuple(word for word in allowed if word in words)


# imgix's colour keywords (its parameters.json `colorKeywordValues`) are the CSS named
# colours, which Pillow knows, plus two brand colours whose values imgix does not publish.
UNPUBLISHED_KEYWORDS = ("imgixorange", "imgixblue")


def parse_colour(value: str, limits: Limits) -> tuple[int, int, int, int]:
    """imgix colours put alpha FIRST: RGB, ARGB, RRGGBB, AARRGGBB -> (r, g, b, a); or a
    CSS colour keyword (`red`, `cornflowerblue`), opaque."""
    keyword = value.lower()
    if keyword in ImageColor.colormap:
        r, g, b = ImageColor.getrgb(keyword)[:3]
        return (r, g, b, 255)
    if keyword in UNPUBLISHED_KEYWORDS:
        raise Invalid(f"imgix does not publish the colour of {value}; give it in hex")
    match = HEX_COLOUR.fullmatch(value)
    if match is None:
        raise Invalid(
            "must be a hex colour of 3, 4, 6 or 8 digits (alpha first: ARGB) or a colour name"
        )
    digits = match.group(1)
    if len(digits) <= 4:
        digits = "".join(d * 2 for d in digits)
    if len(digits) == 6:
        digits = "ff" + digits
    a, r, g, b = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return (r, g, b, a)
