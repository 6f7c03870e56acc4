"""The imgix overlay parameters: `mark*` (an image watermark) and `txt*` (text).

They fill Overlay fields, not spec fields: an entry's field is "<layer>.<overlay field>",
and parse_params hands what it collected to `pop_overlays`, which builds the spec's
overlays (the mark first, the text drawn over it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from transforms.errors import ParamError
from transforms.font_names import DEFAULT_FAMILY, font_name
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay
from transforms.values import DECIMAL, INTEGER, Invalid, Parameter, integer, one_of, parse_colour

MAX_OFFSET = 16384  # mark-x, mark-y, pads: as large as any side
MAX_TEXT_SIZE = 500  # txt-size in CSS pixels; the drawn size is also kept within the base
MAX_SHADOW = 10
MAX_OUTLINE = 50  # txt-line, CSS pixels
MIN_TRACK, MAX_TRACK = -20, 100  # txt-track, CSS pixels between letters
MAX_MIN_SIDE = 65535  # mark-if-min-width/-height: past any output, the mark never shows
MARK_FITS = ("clip", "crop", "fill", "max", "scale")
CLIP_WORDS = ("start", "middle", "end", "ellipsis")
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


def decode_base64(value: str) -> str:
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
    return parse_path(decode_base64(value), limits)


def parse_text64(value: str, limits: Limits) -> str:
    return parse_text(decode_base64(value), limits)


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
    if not DECIMAL.fullmatch(value) or not 0 <= float(value) <= 100:
        raise Invalid("must be a percent of the base image's width, from 0 to 100")
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
    """0, imgix's lowest, is text of no size: nothing is drawn (transforms.marks.shown)."""
    return integer(value, 0, MAX_TEXT_SIZE)


def parse_font(value: str, limits: Limits) -> str:
    try:
        name = font_name(value)
    except ValueError as err:
        raise Invalid(str(err)) from None
    # The default as "": `txt-font=Helvetica` and no txt-font are one spec, one cache entry.
    return "" if name == DEFAULT_FAMILY else name


def parse_shadow(value: str, limits: Limits) -> float:
    """imgix's txt-shad is a number (0-10): decimals soften the shadow in between."""
    if not DECIMAL.fullmatch(value) or float(value) > MAX_SHADOW:
        raise Invalid(f"must be a number from 0 to {MAX_SHADOW}")
    return float(value)


def parse_mark_fit(value: str, limits: Limits) -> str:
    fit = one_of(value, MARK_FITS)
    return "" if fit == "clip" else fit  # the default, as one cache entry


def parse_mark_rotation(value: str, limits: Limits) -> float:
    if not DECIMAL.fullmatch(value) or not 0 <= float(value) < 360:
        raise Invalid("must be degrees from 0 to below 360")
    return float(value)


def parse_min_side(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_MIN_SIDE)


def parse_mark_base(value: str, limits: Limits) -> str:
    if not value.strip():
        raise Invalid("must be a path prefix, or source-name: (with or without a path)")
    return value


def parse_text_width(value: str, limits: Limits) -> int | None:
    return integer(value, 0, MAX_OFFSET) or None  # 0: no box, one line


def parse_clip(value: str, limits: Limits) -> tuple[str, ...]:
    words = set(value.split(","))
    if not words <= set(CLIP_WORDS):
        raise Invalid(f"must be {', '.join(CLIP_WORDS)}, comma-separated")
    if len(words & {"start", "middle", "end"}) > 1:
        raise Invalid("start, middle and end cannot be combined")
    if not words & {"start", "middle"}:
        words.add("end")
    return tuple(word for word in CLIP_WORDS if word in words)


def parse_text_fit(value: str, limits: Limits) -> str:
    return one_of(value, ("max",))


def parse_lead(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_OFFSET)


def parse_track(value: str, limits: Limits) -> int:
    digits = value.removeprefix("-")
    if INTEGER.fullmatch(digits) and MIN_TRACK <= int(value) <= MAX_TRACK:
        return int(value)
    raise Invalid(f"must be an integer from {MIN_TRACK} to {MAX_TRACK}")


def parse_outline(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_OUTLINE)


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
    "mark-fit": Parameter("mark.fit", parse_mark_fit),
    "mark-rot": Parameter("mark.rot", parse_mark_rotation),
    "mark-base": Parameter("mark.base", parse_mark_base),
    "mark-if-min-width": Parameter("mark.min_w", parse_min_side),
    "mark-if-min-height": Parameter("mark.min_h", parse_min_side),
    "txt": Parameter("txt.text", parse_text),
    "txt64": Parameter("txt.text64", parse_text64),
    "txt-size": Parameter("txt.size", parse_text_size),
    "txt-color": Parameter("txt.color", parse_colour),
    "txt-align": Parameter("txt.align", parse_align),
    "txt-pad": Parameter("txt.pad", parse_pad),
    "txt-font": Parameter("txt.font", parse_font),
    "txt-shad": Parameter("txt.shadow", parse_shadow),
    "txt-width": Parameter("txt.text_width", parse_text_width),
    "txt-clip": Parameter("txt.clip", parse_clip),
    "txt-fit": Parameter("txt.fit", parse_text_fit),
    "txt-lead": Parameter("txt.lead", parse_lead),
    "txt-track": Parameter("txt.track", parse_track),
    "txt-line": Parameter("txt.line", parse_outline),
    "txt-line-color": Parameter("txt.line_color", parse_colour),
    "txt-x": Parameter("txt.x", parse_offset),
    "txt-y": Parameter("txt.y", parse_offset),
}
_KEY_OF = {param.field: key for key, param in OVERLAY_PARAMETERS.items()}
# layer -> (Overlay kind, the field naming what to draw, its base64 twin, fixed fields)
LAYERS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "mark": ("image", "path", "path64", {}),
    "txt": ("text", "text", "text64", {"pad": TEXT_PAD}),
}


def join_mark_base(base: str, path: str) -> str:
    """`mark-base` + `mark`: `brand:` + `logo.png` is `brand:logo.png`, `/logos` + `a.png`
    is `/logos/a.png`. The result is a mark path like any other: the same checks apply."""
    if base.endswith((":", "/")):
        return base + path.lstrip("/")
    return f"{base}/{path.lstrip('/')}"


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
        if "base" in given:
            content = join_mark_base(given.pop("base"), content)
        overlays.append(Overlay(kind=kind, **{main: content}, **{**fixed, **given}))
    return tuple(overlays)
