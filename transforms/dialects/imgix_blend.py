"""The imgix blending parameters: `blend` (a colour or an image) and every `blend-*`.

`blend` is a colour when it reads as one (`f00`, `80ff0000`), else an image path as `mark`
takes one (write `/fff` for an image named `fff`). `blend-color` is a colour blend too;
giving both answers 400.
"""

from __future__ import annotations

from transforms.dialects.imgix_adjust import unsigned
from transforms.errors import ParamError
from transforms.spec import Limits, TransformSpec
from transforms.spec.blend import BLEND_MODES
from transforms.values import (
    DECIMAL,
    Invalid,
    Parameter,
    crop_words,
    integer,
    one_of,
    parse_colour,
)

VERTICAL = ("top", "middle", "bottom")
HORIZONTAL = ("left", "center", "right")
BLEND_FITS = ("clamp", "clip", "crop", "max", "scale")
CROP_WORDS = ("top", "bottom", "left", "right", "faces")
MAX_BLEND_SIDE = 8192
MAX_OFFSET = 16384


def parse_blend(value: str, limits: Limits) -> tuple[int, int, int, int] | str:
    try:
        return parse_colour(value, limits)
    except Invalid:
        pass
    if not value.strip():
        raise Invalid("must be a colour, or an image: a path, or source-name:path")
    return value


def parse_blend_align(value: str, limits: Limits) -> tuple[str, str]:
    """As mark-align, but an axis left out stays centred (imgix's default: center,middle)."""
    vertical, horizontal = "middle", "center"
    for word in value.split(","):
        if word in VERTICAL:
            vertical = word
        elif word in HORIZONTAL:
            horizontal = word
        else:
            raise Invalid(f"must be {', '.join(VERTICAL)} and/or {', '.join(HORIZONTAL)}")
    return (vertical, horizontal)


def parse_blend_side(value: str, limits: Limits) -> float:
    """Pixels from 2 to 8192, or a fraction of the picture in (0, 1]."""
    if DECIMAL.fullmatch(value):
        number = float(value)
        if 0 < number <= 1:
            return number
        if value.isdigit() and 2 <= number <= MAX_BLEND_SIDE:
            return number
    raise Invalid(f"must be pixels from 2 to {MAX_BLEND_SIDE}, or a fraction from 0 to 1")


def parse_blend_crop(value: str, limits: Limits) -> tuple[str, ...]:
    return crop_words(value, CROP_WORDS)


def parse_offset(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_OFFSET)


def parse_mode(value: str, limits: Limits) -> str:
    return one_of(value, BLEND_MODES)


def parse_fit(value: str, limits: Limits) -> str:
    return one_of(value, BLEND_FITS)


def parse_size(value: str, limits: Limits) -> str:
    return one_of(value, ("inherit",))


BLEND_PARAMETERS: dict[str, Parameter] = {
    "blend": Parameter("blend.blend_source", parse_blend),
    "blend-color": Parameter("blend.blend_color", parse_colour),
    "blend-mode": Parameter("blend.blend_mode", parse_mode),
    "blend-alpha": Parameter("blend.blend_alpha", unsigned(0, 100)),
    "blend-align": Parameter("blend.blend_align", parse_blend_align),
    "blend-pad": Parameter("blend.blend_pad", parse_offset),
    "blend-x": Parameter("blend.blend_x", parse_offset),
    "blend-y": Parameter("blend.blend_y", parse_offset),
    "blend-w": Parameter("blend.blend_w", parse_blend_side),
    "blend-h": Parameter("blend.blend_h", parse_blend_side),
    "blend-fit": Parameter("blend.blend_fit", parse_fit),
    "blend-crop": Parameter("blend.blend_crop", parse_blend_crop),
    "blend-size": Parameter("blend.blend_size", parse_size),
}

# Options that place or size an image: meaningless for a colour, which covers everything.
IMAGE_OPTIONS = ("blend_align", "blend_pad", "blend_x", "blend_y", "blend_w", "blend_h",
                 "blend_fit", "blend_crop", "blend_size")  # fmt: skip


def check_blend_options(spec: TransformSpec) -> None:
    """400 for a blend option without a blend, or an image option on a colour blend."""
    blend, default = spec.blend, TransformSpec().blend
    given = [
        name for name in (*IMAGE_OPTIONS, "blend_mode", "blend_alpha")
        if getattr(blend, name) != getattr(default, name)
    ]
    colour = blend.blend_color is not None or (
        blend.blend_source is not None and not isinstance(blend.blend_source, str)
    )
    if blend.blend_source is not None and blend.blend_color is not None:
        raise ParamError("blend-color", "give the colour in blend or in blend-color, not both")
    if blend.blend_source is None and blend.blend_color is None:
        if given:
            raise ParamError(given[0].replace("_", "-"), "needs blend")
        return
    if colour:
        for name in given:
            if name in IMAGE_OPTIONS:
                raise ParamError(name.replace("_", "-"), "needs blend to be an image, not a colour")
    if blend.blend_crop and blend.blend_fit != "crop":
        raise ParamError("blend-crop", "needs blend-fit=crop")
