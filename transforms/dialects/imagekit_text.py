"""ImageKit text layers -> Overlay: `l-text,i-Hello,fs-40,co-FF0000,l-end`.

The keys Signet draws: `i-` (the text, percent-encoded) or `ie-` (base64, what the SDKs
write for other characters), `fs` (font size in pixels, default 16), `ff` (a family Signet
ships, by the names transforms.text knows: sans-serif, serif, monospace and the usual
aliases), `co` (RRGGBB or RRGGBBAA, alpha last 00-99; black by default), `w` (the box
width: the text wraps in it, the block is that wide), `ia` (the lines' alignment in `w`:
left, center (ImageKit's default), right), `lh` (line height: pixels from one line's top
to the next's), `tg` (typography: `b`, `i`, `strikethrough`, joined by `_`), `al` (alpha
1-9: the layer's opacity in tenths, `al-5` half), `bg` (a background box, RRGGBB[AA])
with `pa` (its padding: one to four numbers of pixels joined by `_`, in CSS order), and
the position keys of every layer (`lx`, `ly`, `lfo`, `lap`, `lm`). `fs`, `w`, `lh` and
`pa` also take an arithmetic expression (`fs-bh_div_10`; `pa-bh_mul_0.05` pads all four
sides alike), worked out when the text is drawn. `rt`, `fl` and `r`
(the box's corner radius) are the layer's own transformations: imagekit_layers puts them
in the layer's stage, which turns, flips and rounds the drawn text and box.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from transforms.dialects.imagekit_placement import layer_colour, layer_position
from transforms.errors import ParamError
from transforms.expressions import Expression, is_expression, parse_expression
from transforms.font_names import font_name
from transforms.placement import MAX_LINE_HEIGHT, MAX_PAD
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay

DEFAULT_SIZE = 16
MAX_SIZE = 1000
MAX_TEXT = 500  # characters
MAX_BOX = 8192
TYPOGRAPHY = ("b", "i", "strikethrough")
INNER = ("left", "center", "right")


def text_overlay(options: dict[str, str], limits: Limits) -> Overlay:
    if "i" in options and "ie" in options:
        raise ParamError("ie", "give the text once, as i- or ie-")
    if "i" in options:
        text = unquote(options["i"])
    elif "ie" in options:
        text = _base64_text(options["ie"])
    else:
        raise ParamError("l", "a text layer needs its text: i-<text> or ie-<base64 text>")
    if not text.strip() or has_control_character(text) or len(text) > MAX_TEXT:
        raise ParamError("i", f"must be a text of 1 to {MAX_TEXT} characters, no controls")
    fields: dict[str, Any] = {"text": text, "size": DEFAULT_SIZE, "pad": 0}
    if "fs" in options:
        fields["size"] = _whole_or_expression(options["fs"], "fs", 1, MAX_SIZE)
    if "co" in options:
        fields["color"] = layer_colour(options["co"], "co")
    if "w" in options:
        fields["text_width"] = _whole_or_expression(options["w"], "w", 1, MAX_BOX)
    if "bg" in options:
        fields["box_color"] = layer_colour(options["bg"], "bg")
    if "pa" in options:
        if "bg" not in options:
            raise ParamError("pa", "pads the text's background: it needs bg")
        fields["box_pads"] = _padding(options["pa"])
    if "ia" in options:
        if "w" not in options:
            raise ParamError("ia", "aligns the lines inside the width w: it needs w")
        if options["ia"] not in INNER:
            raise ParamError("ia", f"must be one of {', '.join(INNER)}")
    if "w" in options:
        fields["inner"] = options.get("ia", "center")
    if "lh" in options:
        fields["line_height"] = _whole_or_expression(options["lh"], "lh", 1, MAX_LINE_HEIGHT)
    if "al" in options:
        fields["alpha"] = _whole(options["al"], "al", 1, 9) * 10
    family = options.get("ff", "sans-serif").replace("_", " ").replace("-", " ")
    family = {"sans serif": "sans-serif"}.get(family.lower(), family)
    if "tg" in options:
        styles = options["tg"].split("_")
        if not set(styles) <= set(TYPOGRAPHY) or len(set(styles)) != len(styles):
            raise ParamError("tg", f"must be {', '.join(TYPOGRAPHY)} or several joined by _")
        if "b" in styles:
            family += ",bold"
        fields["italic"] = "i" in styles
        fields["strike"] = "strikethrough" in styles
    try:
        fields["font"] = font_name(family)
    except ValueError as err:
        raise ParamError("ff", str(err)) from None
    return Overlay(kind="text", **fields, **layer_position(options))


def _padding(value: str) -> tuple[int, int, int, int] | Expression:
    """`pa-10`, `pa-10_20` (vertical, horizontal), `pa-10_20_30` (top, horizontal,
    bottom), `pa-10_20_30_40` (top, right, bottom, left): CSS's order. Or an expression
    (`pa-bh_mul_0.05`), the same padding on all four sides, as ImageKit applies it, worked
    out when the text is drawn: any part that is not a whole number makes it one."""
    parts = value.split("_")
    if not all(part.isascii() and part.isdigit() for part in parts):
        return parse_expression(value, "pa")
    if len(parts) > 4:
        raise ParamError("pa", "takes one to four sides joined by _ (top, right, bottom, left)")
    sides = [_whole(part, "pa", 0, MAX_PAD) for part in parts]
    top, right, bottom, left = {
        1: lambda s: (s[0], s[0], s[0], s[0]),
        2: lambda s: (s[0], s[1], s[0], s[1]),
        3: lambda s: (s[0], s[1], s[2], s[1]),
        4: lambda s: (s[0], s[1], s[2], s[3]),
    }[len(sides)](sides)
    return (top, right, bottom, left)


def _whole_or_expression(value: str, key: str, low: int, high: int) -> int | Expression:
    """A whole number, or an expression (`fs-bh_div_10`) worked out when the text is drawn
    (transforms.placement.resolve_sizes)."""
    if is_expression(value):
        return parse_expression(value, key)
    return _whole(value, key, low, high)


def _whole(value: str, key: str, low: int, high: int) -> int:
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise ParamError(key, f"must be a whole number from {low} to {high}")
    return int(value)


def _base64_text(value: str) -> str:
    text = unquote(value).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ParamError("ie", "must be base64-encoded UTF-8 text") from None
