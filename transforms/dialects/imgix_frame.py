"""The imgix border, padding, fill, mask, trim and transparency parameters.

`check_frame_options` refuses an option given without the parameter it modifies
(`duotone-alpha` without `duotone`, `trim-tol` without `trim`), as `mark-alpha` without
`mark` is refused: it would otherwise do nothing, yet make a cache entry of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from transforms.dialects.imgix_adjust import (
    bounded_decimal,
    colour_pair,
    signed,
    unsigned,
)
from transforms.dialects.imgix_blend import check_blend_options
from transforms.errors import ParamError
from transforms.spec import FIELD_PATHS, Limits, TransformSpec
from transforms.spec.frame import MASK_SHAPES
from transforms.values import DECIMAL, INTEGER, Invalid, Parameter, one_of, parse_colour

MAX_FRAME = 1000  # border and padding sides, CSS pixels
MAX_RADIUS = 10000
MAX_GRADIENT_PIXELS = 8192
SIDES = ("top", "bottom", "left", "right")
FILL_MODES = ("solid", "blur", "gradient")
GENERATIVE_FILLS = ("gen", "generative")
TRIM_MODES = ("auto", "color", "alpha", "colorunlessalpha")
COLOUR_SPACES = ("linear", "srgb", "oklab", "hsl", "lch")
FILLING_FITS = ("fill", "fillmax")
GRADIENT_OPTIONS = (
    "type", "linear", "linear_direction", "radial", "radial_radius", "radial_x", "radial_y", "cs"
)


def parse_border(value: str, limits: Limits) -> tuple[int, tuple[int, int, int, int]]:
    size, sep, colour = value.partition(",")
    if not sep:
        raise Invalid("must be size,colour (e.g. 10,000000)")
    return (integer_in(size, 0, MAX_FRAME), parse_colour(colour, limits))


def integer_in(value: str, low: int, high: int) -> int:
    return unsigned(low, high)(value, Limits())


def parse_corners(value: str, limits: Limits) -> tuple[int, int, int, int]:
    """One radius for every corner, or four: top-left, top-right, bottom-right, bottom-left."""
    parts = value.split(",")
    if len(parts) not in (1, 4):
        raise Invalid("must be one radius, or four (top-left,top-right,bottom-right,bottom-left)")
    radii = [integer_in(p, 0, MAX_RADIUS) for p in parts]
    if len(radii) == 1:
        radii *= 4
    return (radii[0], radii[1], radii[2], radii[3])


def parse_fill(value: str, limits: Limits) -> str:
    if value in GENERATIVE_FILLS:
        raise Invalid("generative fill needs generative AI, which Signet does not offer")
    return one_of(value, FILL_MODES)


def parse_direction(value: str, limits: Limits) -> tuple[str, ...]:
    """`from,to` sides (`top,bottom`, the default), or one side: towards it from its opposite."""
    words = tuple(value.split(","))
    known = all(w in SIDES for w in words)
    if len(words) not in (1, 2) or not known or len(set(words)) != len(words):
        raise Invalid("must be one side, or two different sides: top, bottom, left, right")
    return words


def parse_length(value: str, limits: Limits) -> float:
    """A fraction of the canvas in [0, 1], or pixels from 2 to 8192."""
    if DECIMAL.fullmatch(value):
        number = float(value)
        if number <= 1 or (INTEGER.fullmatch(value) and 2 <= number <= MAX_GRADIENT_PIXELS):
            return number
    raise Invalid(f"must be a fraction from 0 to 1, or pixels from 2 to {MAX_GRADIENT_PIXELS}")


def parse_radii(value: str, limits: Limits) -> tuple[float, float]:
    parts = value.split(",")
    if len(parts) not in (1, 2):
        raise Invalid("must be one or two lengths (fractions, or pixels)")
    lengths = [parse_length(p, limits) for p in parts]
    return (lengths[0], lengths[-1])


def parse_mask(value: str, limits: Limits) -> str:
    if value in MASK_SHAPES:
        return value
    if not value.strip():
        raise Invalid("must be ellipse, corners, or an image: a path, or source-name:path")
    return value


def parse_choice(choices: tuple[str, ...]) -> Callable[[str, Limits], str]:
    def parse(value: str, limits: Limits) -> str:
        return one_of(value, choices)

    return parse


def parse_nonnegative(value: str, limits: Limits) -> float:
    return bounded_decimal(value, 0, 1000)


def parse_trim_tol(value: str, limits: Limits) -> float:
    return bounded_decimal(value, 0, 255)


def parse_trim_alpha(value: str, limits: Limits) -> float:
    return bounded_decimal(value, 0, 255)


FRAME_PARAMETERS: dict[str, Parameter] = {
    "border": Parameter("frame.border", parse_border),
    **{
        f"border-{side}": Parameter(f"frame.border_{side}", unsigned(0, MAX_FRAME))
        for side in SIDES
    },
    "border-radius": Parameter("frame.border_radius", parse_corners),
    "border-radius-inner": Parameter("frame.border_radius_inner", parse_corners),
    "border-stroke-size": Parameter("frame.border_stroke_size", unsigned(0, MAX_FRAME)),
    "border-stroke-color": Parameter("frame.border_stroke_color", parse_colour),
    "pad": Parameter("frame.pad", unsigned(0, MAX_FRAME)),
    **{f"pad-{side}": Parameter(f"frame.pad_{side}", unsigned(0, MAX_FRAME)) for side in SIDES},
    "fill": Parameter("frame.fill", parse_fill),
    "fill-color": Parameter("frame.fill_color", parse_colour),
    "fill-gradient-type": Parameter("frame.fill_gradient_type", parse_choice(("linear", "radial"))),
    "fill-gradient-linear": Parameter("frame.fill_gradient_linear", colour_pair),
    "fill-gradient-linear-direction": Parameter(
        "frame.fill_gradient_linear_direction", parse_direction
    ),
    "fill-gradient-radial": Parameter("frame.fill_gradient_radial", colour_pair),
    "fill-gradient-radial-radius": Parameter("frame.fill_gradient_radial_radius", parse_radii),
    "fill-gradient-radial-x": Parameter("frame.fill_gradient_radial_x", parse_length),
    "fill-gradient-radial-y": Parameter("frame.fill_gradient_radial_y", parse_length),
    "fill-gradient-cs": Parameter("frame.fill_gradient_cs", parse_choice(COLOUR_SPACES)),
    "mask": Parameter("frame.mask", parse_mask),
    "mask-bg": Parameter("frame.mask_bg", parse_colour),
    "corner-radius": Parameter("frame.corner_radius", parse_corners),
    "trim": Parameter("frame.trim", parse_choice(TRIM_MODES)),
    "trim-color": Parameter("frame.trim_color", parse_colour),
    "trim-md": Parameter("frame.trim_md", parse_nonnegative),
    "trim-sd": Parameter("frame.trim_sd", parse_nonnegative),
    "trim-tol": Parameter("frame.trim_tol", parse_trim_tol),
    "trim-pad": Parameter("frame.trim_pad", signed(-200, 200)),
    "trim-alpha": Parameter("frame.trim_alpha", parse_trim_alpha),
    "transparency": Parameter("frame.transparency", parse_choice(("grid",))),
    "grid-colors": Parameter("frame.grid_colors", colour_pair),
    # imgix's range starts at 0; the finest grid Signet draws is 1 px (steps/transparency).
    "grid-size": Parameter("frame.grid_size", unsigned(0, MAX_FRAME)),
}

# (option, the field it modifies, what that field must be) for check_frame_options.
_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("usmrad", "adjust.usm", "usm"),
    ("duotone_alpha", "stylize.duotone", "duotone"),
    *((f"border_{side}", "frame.border", "border") for side in SIDES),
    ("border_radius", "frame.border", "border"),
    ("border_radius_inner", "frame.border", "border"),
    ("border_stroke_size", "frame.border", "border"),
    ("border_stroke_color", "frame.border_stroke_size", "border-stroke-size"),
    ("fill_color", "frame.fill", "fill"),
    *(
        (f"fill_gradient_{name}", "frame.fill", "fill=gradient")
        for name in GRADIENT_OPTIONS
    ),
    ("mask_bg", "frame.mask", "mask"),
    ("corner_radius", "frame.mask", "mask=corners"),
    *(
        (f"trim_{name}", "frame.trim", "trim")
        for name in ("color", "md", "sd", "tol", "pad", "alpha")
    ),
    ("grid_colors", "frame.transparency", "transparency"),
    ("grid_size", "frame.transparency", "transparency"),
)


def check_frame_options(spec: TransformSpec) -> None:
    """400 for an option without the parameter it modifies, naming the option."""
    check_blend_options(spec)
    default = TransformSpec()
    for option, field, needs in _NEEDS:
        path = FIELD_PATHS[option]
        if spec.get(path) == default.get(path):
            continue
        base = spec.get(field)
        if base == default.get(field) or (needs == "fill=gradient" and base != "gradient") or (
            needs == "mask=corners" and base != "corners"
        ):
            raise ParamError(option.replace("_", "-"), f"needs {needs}")
    frame = spec.frame
    if frame.fill is not None and spec.size.fit not in FILLING_FITS:
        raise ParamError("fill", "needs fit=fill or fit=fillmax")
