"""ImageKit's keys with a step of their own: shadow, gradient, distortion, colour
replacement, the picture's opacity, and the page of a document.

Each parser takes a key's value and returns the spec fields it sets (by dotted name), as
imagekit_effects does; LOOK_KEYS joins the dialect's SIMPLE_KEYS. The steps that draw them
are transforms/steps/colour_replace.py, gradient.py, distort.py, shadow.py and opacity.py.
Values follow ImageKit's effects reference; where Signet departs, the parser says how.

Colours are ImageKit's: RRGGBB, RRGGBBAA with the alpha LAST from 00 to 99, or an SVG
colour name (`green`, `lightskyblue`). Negative numbers are written with an N (`y-N5`).
"""

from __future__ import annotations

import re
from typing import Any

from PIL import ImageColor

from transforms.dialects.imagekit_effects import _colour as hex_colour
from transforms.dialects.imgix import MAX_DIMENSION
from transforms.dialects.imgix_source import MAX_PAGE
from transforms.expressions import is_expression, parse_expression
from transforms.spec import Limits
from transforms.values import Invalid

RGBA = tuple[int, int, int, int]
_SIGNED = re.compile(r"(N|-)?([0-9]{1,5}(?:\.[0-9]{1,4})?)")
_NUMBER = re.compile(r"[0-9]{1,5}(?:\.[0-9]{1,4})?")
_INT = re.compile(r"[0-9]{1,7}")

# e-shadow: blur 0-15 (default 10), saturation 0-100 (30), offsets in % of the side (2).
SHADOW_DEFAULTS = {"bl": 10.0, "st": 30.0, "x": 2.0, "y": 2.0}
SHADOW_RANGES = {"bl": (0, 15), "st": (0, 100), "x": (-100, 100), "y": (-100, 100)}
# e-gradient: the direction as degrees clockwise from "towards the top".
DIRECTIONS = {
    "top": 0, "top_right": 45, "right": 90, "bottom_right": 135, "bottom": 180,
    "bottom_left": 225, "left": 270, "top_left": 315, "topleft": 315,
}  # fmt: skip
GRADIENT_DEFAULTS: dict[str, Any] = {
    "ld": 180.0, "from": (255, 255, 255, 255), "to": (0, 0, 0, 0), "sp": 1.0,
}  # fmt: skip
MAX_STOP = MAX_DIMENSION  # sp above 1 is in pixels
# cr: ImageKit does not publish the tolerance it uses when none is given; this is Signet's.
DEFAULT_TOLERANCE = 35.0
MAX_ARC = 360


def colour(value: str) -> RGBA:
    """An ImageKit colour: hex (alpha last, 00-99) or an SVG colour name, opaque."""
    name = value.lower()
    if name in ImageColor.colormap:
        r, g, b = ImageColor.getrgb(name)[:3]
        return (r, g, b, 255)
    try:
        return hex_colour(value)
    except Invalid:
        raise Invalid(
            f"{value!r} is not a colour: RRGGBB, RRGGBBAA (alpha last, 00-99) or a colour name"
        ) from None


def signed(value: str, what: str) -> float:
    """`10`, `N10` (negative), `2.5`."""
    match = _SIGNED.fullmatch(value)
    if match is None:
        raise Invalid(f"{what} must be a number, N for negative (N10)")
    number = float(match[2])
    return -number if match[1] else number


def _named_options(value: str, names: tuple[str, ...], key: str) -> dict[str, str]:
    """`bl-15_st-40_x-N5` -> {"bl": "15", ...}. A part without a `-` continues the value
    before it (`ld-top_right`). Each name at most once."""
    options: dict[str, str] = {}
    last = None
    for part in value.split("_") if value else []:
        name, dash, rest = part.partition("-")
        if dash and name in names:
            if name in options:
                raise Invalid(f"gives {name} more than once")
            options[name] = rest
            last = name
        elif last is not None and not dash:
            options[last] += "_" + part
        else:
            raise Invalid(f"takes {', '.join(names)} (e.g. {key}-{names[0]}-...), not {part!r}")
    return options


def _shadow(value: str, limits: Limits) -> dict[str, Any]:
    """e-shadow[-bl-B_st-S_x-X_y-Y]: a shadow under the picture's opaque pixels. `bl` is a
    Gaussian radius of B pixels (0-15), `st` the shadow's strength (its opacity, 0-100),
    `x`, `y` its offset in % of the width and height (N for left or up). The canvas keeps
    its size: a shadow past the edge is cut, as ImageKit's is."""
    given = _named_options(value, tuple(SHADOW_DEFAULTS), "e-shadow")
    numbers = dict(SHADOW_DEFAULTS)
    for name, text in given.items():
        low, high = SHADOW_RANGES[name]
        number = signed(text, name)
        if not low <= number <= high:
            lowest = f"N{-low}" if low < 0 else str(low)
            raise Invalid(f"{name} must be from {lowest} to {high}")
        numbers[name] = number
    return {"stylize.shadow": (numbers["bl"], numbers["st"], numbers["x"], numbers["y"])}


def _gradient(value: str, limits: Limits) -> dict[str, Any]:
    """e-gradient[-ld-D_from-C_to-C_sp-S]: a linear gradient over the picture, from `from`
    (white) to `to` (transparent) along the direction `ld` (degrees 0-359 clockwise from
    the top, or top, top_right, ..., bottom by default). `sp` is where `to` reaches its
    full colour: a fraction of the way up to 1 (the default, the far edge), pixels above
    1, or an expression in pixels (`sp-bh_div_2`): bw, bh, cw, ch are the picture the
    gradient is drawn on (after the step's resize), iw, ih the original."""
    given = _named_options(value, tuple(GRADIENT_DEFAULTS), "e-gradient")
    parts = dict(GRADIENT_DEFAULTS)
    if "ld" in given:
        ld = given["ld"]
        if ld in DIRECTIONS:
            parts["ld"] = float(DIRECTIONS[ld])
        elif _INT.fullmatch(ld) and int(ld) < 360:
            parts["ld"] = float(ld)
        else:
            raise Invalid("ld must be degrees 0-359 or top, top_right, right, bottom_right, "
                          "bottom, bottom_left, left, top_left")
    for name in ("from", "to"):
        if name in given:
            parts[name] = colour(given[name])
    if "sp" in given:
        sp = given["sp"]
        if is_expression(sp):  # sp-bh_mul_0.75: resolved by the step, on its picture
            parts["sp"] = parse_expression(sp, "e-gradient")
        elif not _NUMBER.fullmatch(sp) or not 0 < float(sp) <= MAX_STOP:
            raise Invalid(f"sp must be a fraction up to 1, pixels up to {MAX_STOP}, "
                          "or an expression (sp-bh_div_2)")
        else:
            parts["sp"] = float(sp)
    return {"stylize.gradient": (parts["ld"], parts["from"], parts["to"], parts["sp"])}


def _distort(value: str, limits: Limits) -> dict[str, Any]:
    """e-distort-p-x1_y1_x2_y2_x3_y3_x4_y4 moves the picture's corners (top-left, then
    clockwise) to those points, in pixels of the picture (N for negative), on a canvas of
    the same size; e-distort-a-D bends it along an arc of D degrees (1-360), upwards, or
    downwards for a negative D (a-N45), on a canvas that holds the arc."""
    mode, dash, rest = value.partition("-")
    if mode == "p" and dash:
        texts = rest.split("_")
        if len(texts) != 8:
            raise Invalid("p takes eight coordinates: p-x1_y1_x2_y2_x3_y3_x4_y4")
        points = tuple(signed(text, "a coordinate") for text in texts)
        if any(abs(p) > MAX_DIMENSION for p in points):
            raise Invalid(f"coordinates must be within {MAX_DIMENSION} pixels")
        return {"stylize.distort": points}
    if mode == "a" and dash:
        degrees = signed(rest, "the arc")
        if not 1 <= abs(degrees) <= MAX_ARC:
            raise Invalid(f"the arc must be from 1 to {MAX_ARC} degrees (N for downwards)")
        return {"stylize.distort": (degrees,)}
    raise Invalid("must be e-distort-p-x1_y1_x2_y2_x3_y3_x4_y4 or e-distort-a-<degrees>")


def _colour_replace(value: str, limits: Limits) -> dict[str, Any]:
    """cr-TO[_TOLERANCE[_FROM]]: pixels within TOLERANCE (0-100, % of the largest distance
    between two colours) of FROM, or of the picture's dominant colour when no FROM is
    given, take the colour TO, keeping their own alpha. The default tolerance (35) is
    Signet's choice."""
    parts = value.split("_")
    if not value or len(parts) > 3:
        raise Invalid("must be cr-<to colour>, cr-<to>_<tolerance> or cr-<to>_<tolerance>_<from>")
    to = colour(parts[0])
    tolerance = DEFAULT_TOLERANCE
    if len(parts) > 1:
        if not _NUMBER.fullmatch(parts[1]) or float(parts[1]) > 100:
            raise Invalid("the tolerance must be a number from 0 to 100")
        tolerance = float(parts[1])
    source = colour(parts[2]) if len(parts) == 3 else None
    return {"stylize.colour_replace": (to, tolerance, source)}


def _opacity(value: str, limits: Limits) -> dict[str, Any]:
    """o-N: the picture's opacity, 0 (invisible) to 100 (unchanged). With `bg` the picture
    is laid on that colour, made opaque (its alpha not used), as ImageKit does."""
    if not _INT.fullmatch(value) or int(value) > 100:
        raise Invalid("must be an opacity from 0 to 100")
    return {"stylize.opacity": int(value)}


def _page(value: str, limits: Limits) -> dict[str, Any]:
    """pg-N: page N (from 1) of a PDF original, as imgix's `page` (one field, source.page).
    ImageKit's PSD ranges and layer names (pg-2-4, pg-name-...) are not taken; on an
    original that is not a document, pg is unused, as imgix's page is."""
    if not _INT.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        raise Invalid("must be a page number from 1 (ranges and layer names are PSD "
                      "features Signet does not take)")
    return {"source.page": int(value)}


LOOK_KEYS = {
    "e-shadow": _shadow,
    "e-gradient": _gradient,
    "e-distort": _distort,
    "cr": _colour_replace,
    "o": _opacity,
    "pg": _page,
}
