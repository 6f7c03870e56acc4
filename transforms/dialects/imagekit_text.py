"""ImageKit text layers -> Overlay: `l-text,i-Hello,fs-40,co-FF0000,l-end`.

The keys Signet draws: `i-` (the text, percent-encoded) or `ie-` (base64, what the SDKs
write for other characters), `fs` (font size in pixels, default 16), `ff` (a family Signet
ships, by the names transforms.text knows: sans-serif, serif, monospace and the usual
aliases), `co` (RRGGBB or RRGGBBAA, alpha last 00-99; black by default), `w` (the box
width: the text wraps in it), `tg-b` (bold), and the position keys of every layer (`lx`,
`ly`, `lfo`), `bg` (a background box, RRGGBB[AA]) with `pa` (its padding, one number of
pixels). The others ImageKit documents (`r`, `al`, `ia`, `lap`, `fl`, `rt`, `tg-i`, a
`pa` of several sides) answer 400 naming the key: not drawn yet.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from transforms.dialects.imagekit_placement import layer_colour, layer_position
from transforms.errors import ParamError
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay
from transforms.text import font_name

DEFAULT_SIZE = 16
MAX_SIZE = 1000
MAX_TEXT = 500  # characters
MAX_BOX = 8192
MAX_PAD = 1000
BOLD = ("b",)


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
        fields["size"] = _whole(options["fs"], "fs", 1, MAX_SIZE)
    if "co" in options:
        fields["color"] = layer_colour(options["co"], "co")
    if "w" in options:
        fields["text_width"] = _whole(options["w"], "w", 1, MAX_BOX)
    if "bg" in options:
        fields["box_color"] = layer_colour(options["bg"], "bg")
    if "pa" in options:
        if "bg" not in options:
            raise ParamError("pa", "pads the text's background: it needs bg")
        fields["box_pad"] = _whole(options["pa"], "pa", 0, MAX_PAD)
    family = options.get("ff", "sans-serif").replace("_", " ").replace("-", " ")
    family = {"sans serif": "sans-serif"}.get(family.lower(), family)
    if "tg" in options:
        if options["tg"] not in BOLD:
            raise ParamError("tg", "only tg-b (bold) is drawn yet")
        family += ",bold"
    try:
        fields["font"] = font_name(family)
    except ValueError as err:
        raise ParamError("ff", str(err)) from None
    return Overlay(kind="text", **fields, **layer_position(options))


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
