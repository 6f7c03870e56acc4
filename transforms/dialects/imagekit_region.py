"""What an ImageKit step derives from its sizes: the side `ar` gives, and cm-extract's region.

Any of the values may be an arithmetic expression (transforms.expressions), as ImageKit's
reference lists for `ar` (`ar-car_mul_0.5`, `ar-bar`: the width / height ratio), `x`, `y`
(`x-iw_sub_cw`), `xc`, `yc` (`xc-cw_mul_0.25`) and `w`, `h`. A value that needs the image
is kept as an Expression, or a Formula of them (`w / ar`, `xc - w / 2`), which
transforms/steps/expressions.py works out once the image is known; plain numbers are
worked out here, as before.
"""

from __future__ import annotations

import re
from typing import Any

from transforms.dialects.imgix import MAX_DIMENSION
from transforms.errors import ParamError
from transforms.expressions import Formula, Value, is_deferred, is_expression, parse_expression

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_RATIO = re.compile(rf"({_NUMBER})[-_]({_NUMBER})")
_CORNER = re.compile(r"[0-9]{1,5}")
MAX_CORNER = 99999
# cm-extract's region: the top-left corner (x, y) or the centre (xc, yc), with w and h.
EXTRACT_KEYS = ("x", "y", "xc", "yc")


def aspect_side(value: str, fields: dict[str, Any]) -> dict[str, Value]:
    """ar-W-H (or ar-W_H), or an expression of the ratio, with one of w and h computes
    the other; with both, ImageKit ignores ar."""
    match = _RATIO.fullmatch(value)
    ratio: Value
    if match is not None:
        if float(match[1]) == 0 or float(match[2]) == 0:
            raise ParamError("ar", "must be <width>-<height>, e.g. ar-4-3")
        ratio = float(match[1]) / float(match[2])
    elif is_expression(value):
        ratio = parse_expression(value, "ar")  # the width / height ratio
    else:
        raise ParamError("ar", "must be <width>-<height> (ar-4-3), or an expression (ar-bar)")
    w, h = fields.get("size.w"), fields.get("size.h")
    if w is not None and h is not None:
        return {}
    if w is None and h is None:
        raise ParamError("ar", "needs w or h")
    given = w if w is not None else h
    assert given is not None
    if not is_deferred(given) and given < 1:
        raise ParamError("ar", "needs w or h in pixels, not a fraction of the original")
    if is_deferred(given) or is_deferred(ratio):  # worked out once the image is known
        derived: Value = Formula("div" if w is not None else "mul", given, ratio, "ar")
        return {"size.h": derived} if w is not None else {"size.w": derived}
    assert isinstance(ratio, float)
    other = float(max(1, round(given / ratio if w is not None else given * ratio)))
    if other > MAX_DIMENSION:
        raise ParamError("ar", f"makes a side over {MAX_DIMENSION} pixels")
    return {"size.h": other} if w is not None else {"size.w": other}


def extract_region(options: dict[str, str], fields: dict[str, Any]) -> dict[str, Any]:
    """x, y (or xc, yc) with cm-extract and w, h: the region w x h at that point, at the
    original's scale (a source rect). Without them cm-extract places w x h by fo."""
    given = [key for key in EXTRACT_KEYS if key in options]
    if not given:
        return {}
    if options.get("cm") not in ("extract", "pad_extract"):
        raise ParamError(given[0], "needs cm-extract (or cm-pad_extract)")
    w, h = fields.get("size.w"), fields.get("size.h")
    if w is None or h is None or any(not is_deferred(v) and v < 1 for v in (w, h)):
        raise ParamError(given[0], "needs w and h in pixels beside it")
    if ("x" in options and "xc" in options) or ("y" in options and "yc" in options):
        raise ParamError(given[0], "takes x or xc (and y or yc), not both")
    x = _coordinate(options, "x", "xc", w)
    y = _coordinate(options, "y", "yc", h)
    return {"size.rect": tuple(v if is_deferred(v) else float(v) for v in (x, y, w, h))}


def _coordinate(options: dict[str, str], corner: str, centre: str, side: Value) -> Value:
    if corner in options:
        value, key = options[corner], corner
    elif centre in options:
        value, key = options[centre], centre
    else:
        return 0.0  # ImageKit measures from the top left; an axis not given is 0
    number: Value
    if is_expression(value):  # x-iw_sub_cw: worked out once the image is known
        number = parse_expression(value, key)
    elif _CORNER.fullmatch(value) and int(value) <= MAX_CORNER:
        number = float(value)
    else:
        raise ParamError(key, "must be a whole number of pixels, or an expression")
    if key == corner:
        return number
    if is_deferred(number) or is_deferred(side):  # the corner: xc - w / 2
        return Formula("sub", number, Formula("div", side, 2.0, key), key)
    assert isinstance(number, float) and not is_deferred(side)
    return float(max(0, number - round(side / 2)))  # type: ignore[operator]
