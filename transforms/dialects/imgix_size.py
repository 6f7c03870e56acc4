"""The imgix dialect's core table: size, crop and rotation (imgix's "Size" and
"Rotation" groups), plus the few core names of other groups that predate their own table
(fm, q, auto, bg, blur, sharp). transforms.dialects.imgix looks keys up here first.
"""

from __future__ import annotations

from transforms.dialects.imgix_output import parse_format
from transforms.spec import FITS, Limits
from transforms.values import (
    INTEGER,
    Invalid,
    Parameter,
    crop_words,
    decimal,
    integer,
    one_of,
    parse_colour,
)

MAX_DIMENSION = 16384  # w, h: a sanity bound; outputs are clamped to 8192 a side anyway
MAX_BOUND = 8192  # min-w, max-w, min-h, max-h (imgix's range)
MAX_RATIO = 10_000.0  # ar: wider than this is no picture
MAX_ZOOM = 100.0  # fp-z (imgix's range)

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
AUTO_WORDS = ("compress", "enhance", "format", "redeye", "true")  # enhance, true: steps/adjust.py;
# redeye: steps/face_effects.py
ROT_TYPES = ("pivot", "straighten")
# imgix's degree aliases for orient are EXIF values: 90 = 6, 180 = 3, 270 = 8; 0 is
# "no orientation" (imgix's assumption for a file without one): the picture as stored.
ORIENT_ALIASES = {0: 1, 90: 6, 180: 3, 270: 8}
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
RECT_X = ("left", "center", "right")
RECT_Y = ("top", "middle", "bottom")


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
    if number is None or not 0 < number <= limits.max_dpr:
        raise Invalid(f"must be a number greater than 0 and at most {limits.max_dpr:g}")
    return number


def parse_fit(value: str, limits: Limits) -> str:
    return one_of(value, FITS)


def parse_crop(value: str, limits: Limits) -> tuple[str, ...]:
    return crop_words(value, CROP_WORDS)


def parse_unit(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or number > 1:
        raise Invalid("must be a number from 0 to 1")
    return number


def parse_zoom(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or not 1 <= number <= MAX_ZOOM:
        raise Invalid(f"must be a number from 1 to {MAX_ZOOM:g}")
    return number


def parse_boolean(value: str, limits: Limits) -> bool:
    if value.lower() in BOOLEANS:
        return BOOLEANS[value.lower()]
    raise Invalid("must be true or false")


def parse_ratio(value: str, limits: Limits) -> float:
    """imgix writes an aspect ratio W:H (`16:9`, `0.85:1`); stored as W / H."""
    width, colon, height = value.partition(":")
    w, h = decimal(width), decimal(height)
    if colon and w and h and 1 / MAX_RATIO <= w / h <= MAX_RATIO:
        return w / h
    raise Invalid("must be W:H, two numbers greater than 0 (16:9)")


def parse_bound(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_BOUND)


def parse_quality(value: str, limits: Limits) -> int:
    return integer(value, 0, 100)


def parse_auto(value: str, limits: Limits) -> frozenset[str]:
    words = frozenset(value.split(","))
    for word in sorted(words):
        if word not in AUTO_WORDS:
            raise Invalid(f"{word!r} is not supported; expected {', '.join(AUTO_WORDS)}")
    return words


def parse_rect(value: str, limits: Limits) -> tuple[float | str, ...]:
    """x,y,w,h: each pixels, or a fraction in (0, 1); x also left|center|right, y also
    top|middle|bottom, w and h also full (resolved against the image in geometry)."""
    parts = value.split(",")
    if len(parts) != 4:
        raise Invalid("must be x,y,w,h")
    keywords = (RECT_X, RECT_Y, ("full",), ("full",))
    rect: list[float | str] = []
    for i, (part, words) in enumerate(zip(parts, keywords, strict=True)):
        if part in words:
            rect.append(part)
            continue
        number = decimal(part)
        if number is None or number > MAX_DIMENSION or (i >= 2 and number <= 0):
            raise Invalid(
                f"{'xywh'[i]} must be {' or '.join(words)}, pixels, or a fraction in (0, 1)"
                + (", greater than 0" if i >= 2 else "")
            )
        rect.append(number if 0 < number < 1 else float(round(number)))
    return tuple(rect)


def parse_rotation(value: str, limits: Limits) -> float:
    number = decimal(value)
    if number is None or number >= 360:
        raise Invalid("must be a number of degrees from 0 to less than 360")
    return number


def parse_rot_type(value: str, limits: Limits) -> str:
    return one_of(value, ROT_TYPES)


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
    raise Invalid("must be 0 to 8 (EXIF values), 90, 180 or 270")


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
    "ar": Parameter("size.ar", parse_ratio),
    "min-w": Parameter("size.min_w", parse_bound),
    "max-w": Parameter("size.max_w", parse_bound),
    "min-h": Parameter("size.min_h", parse_bound),
    "max-h": Parameter("size.max_h", parse_bound),
    "fp-x": Parameter("size.fp_x", parse_unit),
    "fp-y": Parameter("size.fp_y", parse_unit),
    "fp-z": Parameter("size.fp_z", parse_zoom),
    "fp-debug": Parameter("size.fp_debug", parse_boolean),
    "fm": Parameter("output.fm", parse_format),
    "q": Parameter("output.q", parse_quality),
    "auto": Parameter("output.auto", parse_auto),
    "bg": Parameter("frame.bg", parse_colour),
    "rect": Parameter("size.rect", parse_rect),
    "rot": Parameter("rotation.rot", parse_rotation),
    "rot-type": Parameter("rotation.rot_type", parse_rot_type),
    "flip": Parameter("rotation.flip", parse_flip),
    "orient": Parameter("rotation.orient", parse_orient),
    "blur": Parameter("stylize.blur", parse_blur),
    "sharp": Parameter("adjust.sharp", parse_sharp),
}
