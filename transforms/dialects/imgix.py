"""The imgix dialect: decoded query pairs -> TransformSpec.

Each parameter is one parser in PARAMETERS (key -> spec field + function), so
adding a parameter is adding an entry, not a branch. A parser gets the raw
value and the limits, returns the field's value, and raises Invalid with a
message; parse_params turns that into a ParamError naming the key. The
watermark and text parameters (`mark*`, `txt*`) are in transforms.dialects.imgix_overlay.
"""

from __future__ import annotations

from typing import Any

from transforms.dialects.imgix_adjust import ADJUST_PARAMETERS
from transforms.dialects.imgix_blend import BLEND_PARAMETERS
from transforms.dialects.imgix_frame import FRAME_PARAMETERS, check_frame_options
from transforms.dialects.imgix_overlay import OVERLAY_PARAMETERS, pop_overlays
from transforms.errors import ParamError
from transforms.spec import FITS, FORMATS, Limits, TransformSpec
from transforms.values import (
    INTEGER,
    Invalid,
    Parameter,
    decimal,
    integer,
    one_of,
    parse_colour,
)

MAX_DIMENSION = 16384

# Crop words in the order they are stored, so crop=left,top and crop=top,left
# make the same spec (and the same cache key).
CROP_WORDS = (
    "focalpoint",
    "entropy",
    "faces",
    "edges",
    "top",
    "bottom",
    "left",
    "right",
    "center",
)
AUTO_WORDS = ("compress", "enhance", "format", "true")  # enhance, true: steps/adjust.py
UNSUPPORTED_FORMATS = ("json", "blurhash", "mp4", "gif-loop", "jp2", "jxr", "png8", "png32", "webm")
UNSUPPORTED_FITS = ("facearea", "fillmax", "clamp")
# imgix's degree aliases for orient are EXIF values: 90 = 6, 180 = 3, 270 = 8.
ORIENT_ALIASES = {90: 6, 180: 3, 270: 8}

def parse_params(
    pairs: list[tuple[str, str]], limits: Limits, ignore: frozenset[str] = frozenset()
) -> TransformSpec:
    """Build a spec from decoded query pairs (see transforms.query.split_query).

    Keys in `ignore` (signature, expiry, client-library markers) are skipped.
    A repeated key is refused, except `auto`, whose values merge.
    """
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for key, raw in pairs:
        if key in ignore:
            continue
        param = (
            PARAMETERS.get(key)
            or OVERLAY_PARAMETERS.get(key)
            or ADJUST_PARAMETERS.get(key)
            or FRAME_PARAMETERS.get(key)
            or BLEND_PARAMETERS.get(key)
        )
        if param is None:
            raise ParamError(key, "unknown parameter")
        if key in seen and key != "auto":
            raise ParamError(key, "given more than once")
        try:
            value = param.parse(raw, limits)
        except Invalid as err:
            raise ParamError(key, str(err)) from None
        if key in seen:
            value = values[param.field] | value
        seen.add(key)
        values[param.field] = value
    overlays = pop_overlays(values)  # first: it takes the overlay fields out of values
    spec = TransformSpec().with_fields({**values, "overlays": overlays})
    if spec.size.w is None and spec.size.h is None and spec.size.dpr != 1.0:
        # dpr only multiplies w and h; dropping it keeps one cache entry per result.
        spec = spec.with_fields({"size.dpr": 1.0})
    check_frame_options(spec)
    return spec


def parse_dimension(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or number <= 0:
        raise Invalid("must be a number greater than 0")
    if number < 1:
        return number  # a fraction of the original
    if number > MAX_DIMENSION:
        raise Invalid(f"must be at most {MAX_DIMENSION}")
    return float(round(number))


def parse_dpr(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or not 1 <= number <= limits.max_dpr:
        raise Invalid(f"must be a number from 1 to {limits.max_dpr:g}")
    return number


def parse_fit(value: str, limits: Limits) -> str:
    if value in UNSUPPORTED_FITS:
        raise Invalid(f"{value} is not supported; expected one of {', '.join(FITS)}")
    return one_of(value, FITS)


def parse_crop(value: str, limits: Limits) -> tuple[str, ...]:
    words = set(value.split(","))
    for word in words:
        if word not in CROP_WORDS:
            raise Invalid(f"unknown crop mode {word!r}; expected {', '.join(CROP_WORDS)}")
    for a, b in (("top", "bottom"), ("left", "right")):
        if a in words and b in words:
            raise Invalid(f"{a} and {b} cannot be combined")
    return tuple(word for word in CROP_WORDS if word in words)


def parse_unit(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or number > 1:
        raise Invalid("must be a number from 0 to 1")
    return number


def parse_format(value: str, limits: Limits) -> str:
    if value == "jpeg":
        return "jpg"
    if value in UNSUPPORTED_FORMATS:
        raise Invalid(f"{value} is not supported; expected one of {', '.join(FORMATS)}")
    return one_of(value, FORMATS)


def parse_quality(value: str, limits: Limits) -> int:
    return integer(value, 0, 100)


def parse_auto(value: str, limits: Limits) -> frozenset[str]:
    words = frozenset(value.split(","))
    for word in sorted(words):
        if word not in AUTO_WORDS:
            raise Invalid(f"{word!r} is not supported; expected {', '.join(AUTO_WORDS)}")
    return words


def parse_rect(value: str, limits: Limits) -> tuple[int, int, int, int]:
    parts = value.split(",")
    if len(parts) == 4 and all(INTEGER.fullmatch(p) for p in parts):
        x, y, w, h = (int(p) for p in parts)
        if w > 0 and h > 0:
            return (x, y, w, h)
    raise Invalid("must be x,y,w,h: integers, with w and h greater than 0")


def parse_rotation(value: str, limits: Limits) -> int:
    return integer(value, 0, 359)


def parse_flip(value: str, limits: Limits) -> str:
    if value == "vh":
        return "hv"
    return one_of(value, ("h", "v", "hv"))


def parse_orient(value: str, limits: Limits) -> int:
    if INTEGER.fullmatch(value):
        number = int(value)
        if 1 <= number <= 8:
            return number
        if number in ORIENT_ALIASES:
            return ORIENT_ALIASES[number]
    raise Invalid("must be 1 to 8 (EXIF values), 90, 180 or 270")


def parse_blur(value: str, limits: Limits) -> int:
    return integer(value, 0, 2000)


def parse_sharp(value: str, limits: Limits) -> float:
    number = decimal(value)  # imgix's sharp is a number, not only an integer
    if number is None or number > 100:
        raise Invalid("must be a number from 0 to 100")
    return number


PARAMETERS: dict[str, Parameter] = {
    "w": Parameter("size.w", parse_dimension),
    "h": Parameter("size.h", parse_dimension),
    "dpr": Parameter("size.dpr", parse_dpr),
    "fit": Parameter("size.fit", parse_fit),
    "crop": Parameter("size.crop", parse_crop),
    "fp-x": Parameter("size.fp_x", parse_unit),
    "fp-y": Parameter("size.fp_y", parse_unit),
    "fm": Parameter("output.fm", parse_format),
    "q": Parameter("output.q", parse_quality),
    "auto": Parameter("output.auto", parse_auto),
    "bg": Parameter("frame.bg", parse_colour),
    "rect": Parameter("size.rect", parse_rect),
    "rot": Parameter("rotation.rot", parse_rotation),
    "flip": Parameter("rotation.flip", parse_flip),
    "orient": Parameter("rotation.orient", parse_orient),
    "blur": Parameter("stylize.blur", parse_blur),
    "sharp": Parameter("adjust.sharp", parse_sharp),
}
