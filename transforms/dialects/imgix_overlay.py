"""The imgix overlay parameters: `mark*` (an image watermark) and `txt*` (a line of text).

They fill Overlay fields, not spec fields: an entry's field is "<layer>.<overlay field>",
and parse_params hands what it collected to `pop_overlays`, which builds the spec's
overlays (the mark first, the text drawn over it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from transforms.errors import ParamError
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay
from transforms.text import DEFAULT_FAMILY, font_name
from transforms.values import DECIMAL, Invalid, Parameter, integer, parse_colour

MAX_OFFSET = 16384  # mark-x, mark-y, pads: as large as any side
MAX_TEXT_SIZE = 500  # txt-size in CSS pixels; the drawn size is also kept within the base
MAX_SHADOW = 10
VERTICAL = ("top", "middle", "bottom")
HORIZONTAL = ("left", "center", "right")
TEXT_PAD = 10  # imgix's default for txt-pad (mark-pad's is 5, the Overlay default)


def parse_path(value: str, limits: Limits) -> str:
    # Only the form is checked here; the app resolves it against its sources.
    if not value.strip():
        raise Invalid("must name an image: a path, or source-name:path")
    return value


def parse_text(value: str, limits: Limits) -> str:
    if not value:
        raise Invalid("must not be empty")
    return value


def _base64(value: str) -> str:
    """URL-safe base64 as imgix's clients write keys ending in 64: no `=` padding."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise Invalid("must be URL-safe base64 of UTF-8 text") from None
    if has_control_character(text):
        raise Invalid("contains a control character once decoded")
    return text


def parse_path64(value: str, limits: Limits) -> str:
    return parse_path(_base64(value), limits)


def parse_text64(value: str, limits: Limits) -> str:
    return parse_text(_base64(value), limits)


def parse_mark_size(value: str, limits: Limits) -> float:
    """Pixels (CSS, times dpr) when >= 1, else a fraction of the base image."""
    if not DECIMAL.fullmatch(value) or float(value) <= 0:
        raise Invalid("must be a number greater than 0: pixels, or a fraction below 1")
    number = float(value)
    if number < 1:
        return number
    if number > MAX_OFFSET:
        raise Invalid(f"must be at most {MAX_OFFSET}")
    return float(round(number))


def parse_scale(value: str, limits: Limits) -> float:
    if not DECIMAL.fullmatch(value) or not 0 < float(value) <= 100:
        raise Invalid("must be a percent of the base image's width, above 0 and at most 100")
    return float(value)


def parse_align(value: str, limits: Limits) -> tuple[str, str]:
    """`bottom,right`, `right,bottom`, `top`: a word missing on an axis keeps the default."""
    vertical, horizontal = Overlay.align
    given_v = given_h = False
    for word in value.split(","):
        if word in VERTICAL and not given_v:
            vertical, given_v = word, True
        elif word in HORIZONTAL and not given_h:
            horizontal, given_h = word, True
        else:
            raise Invalid(
                f"must be one of {', '.join(VERTICAL)} and/or one of {', '.join(HORIZONTAL)}"
                f", comma-separated; got {word!r}"
            )
    return (vertical, horizontal)


def parse_pad(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_OFFSET)


def parse_offset(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_OFFSET)


def parse_alpha(value: str, limits: Limits) -> int:
    return integer(value, 0, 100)


def parse_tile(value: str, limits: Limits) -> bool:
    if value != "grid":
        raise Invalid("must be grid")
    return True


def parse_text_size(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_TEXT_SIZE)


def parse_font(value: str, limits: Limits) -> str:
    try:
        name = font_name(value)
    except ValueError as err:
        raise Invalid(str(err)) from None
    # The default as "": `txt-font=Helvetica` and no txt-font are one spec, one cache entry.
    return "" if name == DEFAULT_FAMILY else name


def parse_shadow(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_SHADOW)


OVERLAY_PARAMETERS: dict[str, Parameter] = {
    "mark": Parameter("mark.path", parse_path),
    "mark64": Parameter("mark.path64", parse_path64),
    "mark-w": Parameter("mark.w", parse_mark_size),
    "mark-h": Parameter("mark.h", parse_mark_size),
    "mark-scale": Parameter("mark.scale", parse_scale),
    "mark-align": Parameter("mark.align", parse_align),
    "mark-pad": Parameter("mark.pad", parse_pad),
    "mark-x": Parameter("mark.x", parse_offset),
    "mark-y": Parameter("mark.y", parse_offset),
    "mark-alpha": Parameter("mark.alpha", parse_alpha),
    "mark-tile": Parameter("mark.tile", parse_tile),
    "txt": Parameter("txt.text", parse_text),
    "txt64": Parameter("txt.text64", parse_text64),
    "txt-size": Parameter("txt.size", parse_text_size),
    "txt-color": Parameter("txt.color", parse_colour),
    "txt-align": Parameter("txt.align", parse_align),
    "txt-pad": Parameter("txt.pad", parse_pad),
    "txt-font": Parameter("txt.font", parse_font),
    "txt-shad": Parameter("txt.shadow", parse_shadow),
}
_KEY_OF = {param.field: key for key, param in OVERLAY_PARAMETERS.items()}
# layer -> (Overlay kind, the field naming what to draw, its base64 twin, fixed fields)
LAYERS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "mark": ("image", "path", "path64", {}),
    "txt": ("text", "text", "text64", {"pad": TEXT_PAD}),
}


def pop_overlays(values: dict[str, Any]) -> tuple[Overlay, ...]:
    """Take the overlay fields out of `values` (see module doc) and build the overlays.

    Raises ParamError for `mark` with `mark64` (or `txt` with `txt64`), and for an option
    such as `mark-alpha` given without the mark it applies to.
    """
    fields: dict[str, dict[str, Any]] = {}
    for name in [name for name in values if name.partition(".")[0] in LAYERS]:
        layer, _, field = name.partition(".")
        fields.setdefault(layer, {})[field] = values.pop(name)
    overlays = []
    for layer, (kind, main, twin, fixed) in LAYERS.items():
        given = fields.get(layer)
        if not given:
            continue
        if main in given and twin in given:
            raise ParamError(_KEY_OF[f"{layer}.{twin}"], f"give {layer} or {layer}64, not both")
        content = given.pop(main, None) or given.pop(twin, None)
        if content is None:
            option = _KEY_OF[f"{layer}.{next(iter(given))}"]
            raise ParamError(option, f"applies only with {layer} or {layer}64")
        overlays.append(Overlay(kind=kind, **{main: content}, **{**fixed, **given}))
    return tuple(overlays)
