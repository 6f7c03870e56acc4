"""Where an ImageKit layer goes and its colour: `lx`, `ly` (`N20` from the right or bottom
edge, or an expression), `lfo`, `o`, and RRGGBB[AA] colours. Shared by image, canvas and
text layers (imagekit_layers, imagekit_text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from transforms.errors import ParamError
from transforms.expressions import Expression, is_expression, parse_expression

# ImageKit's focus words -> Overlay.align (vertical, horizontal). ImageKit
# places a layer at the centre of the base image unless told otherwise.
LAYER_FOCUS: dict[str, tuple[str, str]] = {
    "center": ("middle", "center"),
    "top": ("top", "center"),
    "bottom": ("bottom", "center"),
    "left": ("middle", "left"),
    "right": ("middle", "right"),
    "top_left": ("top", "left"),
    "top_right": ("top", "right"),
    "bottom_left": ("bottom", "left"),
    "bottom_right": ("bottom", "right"),
}
DEFAULT_ALIGN = LAYER_FOCUS["center"]
# lap-*: where on each axis (horizontal, vertical) lx and ly measure from.
ANCHORS: dict[str, tuple[str, str]] = {
    "top_left": ("start", "start"),
    "top": ("mid", "start"),
    "top_right": ("end", "start"),
    "left": ("start", "mid"),
    "center": ("mid", "mid"),
    "right": ("end", "mid"),
    "bottom_left": ("start", "end"),
    "bottom": ("mid", "end"),
    "bottom_right": ("end", "end"),
}

# Keys accepted inside `l-image ... l-end`, and the older overlay keys with their layer twins.
_OFFSET = re.compile(r"[0-9]{1,5}")
_HEX = re.compile(r"[0-9A-Fa-f]{6}(?:[0-9]{2})?")


def layer_position(options: dict[str, str], name: Callable[[str], str] = str) -> dict[str, Any]:
    """lx, ly (pixels from the top left; `N20`: from the right or bottom edge), lxc, lyc
    (where the layer's centre goes), lfo and lap, as Overlay fields."""
    out: dict[str, Any] = {"align": DEFAULT_ALIGN}
    if "lx" in options:
        out["x"], out["x_end"] = _offset(options["lx"], name("lx"))
    if "ly" in options:
        out["y"], out["y_end"] = _offset(options["ly"], name("ly"))
    for key, axis, twin in (("lxc", "x", "lx"), ("lyc", "y", "ly")):
        if key in options:
            if twin in options or "lap" in options:
                raise ParamError(key, f"places the layer's centre: give it without {twin} or lap")
            value = options[key]
            if value.startswith("N"):
                raise ParamError(key, "is a point of the base image, without N")
            out[axis] = _offset(value, key)[0]
            out[f"{axis}_centred"] = True
    if ("x" in out) != ("y" in out):
        # Coordinates measure from the top left corner; the axis not given stays at 0.
        out.setdefault("x", 0)
        out.setdefault("y", 0)
    if "lfo" in options:
        out["align"] = LAYER_FOCUS.get(options["lfo"]) or _bad_focus(name("lfo"))
    if "lap" in options:
        out.update(_anchor(options))
    return out


def _anchor(options: dict[str, str]) -> dict[str, bool]:
    """lap: the point of the base image lx and ly measure from, the same point of the layer
    put there (lap-bottom_right,lx-10,ly-10: the layer's bottom right corner 10 pixels in
    from the base's); an axis at the centre measures from centre to centre."""
    if options["lap"] not in ANCHORS:
        raise ParamError("lap", f"must be one of {', '.join(ANCHORS)}")
    if "lx" not in options and "ly" not in options:
        raise ParamError("lap", "anchors lx and ly: it needs one of them")
    for key in ("lx", "ly"):
        if options.get(key, "").startswith("N"):
            raise ParamError(key, "with lap is an offset from the anchor, without N")
    horizontal, vertical = ANCHORS[options["lap"]]
    return {"x_end": horizontal == "end", "x_mid": horizontal == "mid",
            "y_end": vertical == "end", "y_mid": vertical == "mid"}


def layer_colour(value: str, key: str) -> tuple[int, int, int, int]:
    """RRGGBB, or RRGGBBAA with the alpha last, 00-99, as ImageKit writes a colour."""
    if not _HEX.fullmatch(value):
        raise ParamError(key, "must be RRGGBB or RRGGBBAA (alpha last, 00-99)")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    alpha = round(int(value[6:8]) * 255 / 99) if len(value) == 8 else 255
    return (r, g, b, alpha)


def _offset(value: str, key: str) -> tuple[int | Expression, bool]:
    """`20` -> (20, False); `N20` -> (20, True): from the right or bottom edge; an
    expression (`bw_mul_0.9`) is resolved when the layer is drawn (transforms.placement)."""
    end = value.startswith("N")
    number = value[1:] if end else value
    if is_expression(number):
        return parse_expression(number, key), end
    if not _OFFSET.fullmatch(number):
        raise ParamError(key, "must be a whole number of pixels (N20: from the right or bottom)")
    return int(number), end


def opacity(value: str) -> int:
    if _OFFSET.fullmatch(value) and int(value) <= 100:
        return int(value)
    raise ParamError("o", "must be an opacity from 0 to 100")


def _bad_focus(key: str) -> tuple[str, str]:
    raise ParamError(key, f"must be one of {', '.join(LAYER_FOCUS)}")


DISPLACE_KEYS = ("x", "y")
MAX_DISPLACE = 1000  # pixels: a map moves the picture by at most this much


def displacement(options: dict[str, str]) -> tuple[int, int]:
    """lm-displace's `x` and `y`, taken out of `options`: the largest move across and down
    (transforms.layer_modes), whole pixels, `N` for the other way (`x-N20`); one at least."""
    given = {key: options.pop(key) for key in DISPLACE_KEYS if key in options}
    if not given:
        raise ParamError("lm", "lm-displace needs x or y: the largest move in pixels (x-20)")
    moves = []
    for key in DISPLACE_KEYS:
        value = given.get(key, "0")
        number = value[1:] if value.startswith("N") else value
        if not (number.isascii() and number.isdigit()) or int(number) > MAX_DISPLACE:
            raise ParamError(key, f"with lm-displace must be whole pixels, 0 to {MAX_DISPLACE} "
                             "(N for left or up: x-N20)")
        moves.append(-int(number) if value.startswith("N") else int(number))
    return (moves[0], moves[1])
