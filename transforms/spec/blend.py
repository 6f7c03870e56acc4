"""Blend: a colour or an image blended over the output (imgix `blend*`)."""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[int, int, int, int]
BLEND_MODES = (
    "normal", "multiply", "screen", "overlay", "darken", "lighten", "dodge", "burn",
    "hardlight", "softlight", "difference", "exclusion", "hue", "saturation", "color",
    "luminosity",
)  # fmt: skip


@dataclass(frozen=True)
class Blend:
    """imgix `blend*`: a colour or an image blended over the whole output.

    `blend_source` (`blend=`) is a colour (r, g, b, a) or an image path (as `mark` takes
    one). Sizes and offsets are CSS pixels, times dpr; `blend_w`/`blend_h` up to 1 are
    fractions of the picture.
    """

    # Not named `blend`: the canonical string would take a field named as a part for it.
    blend_source: RGBA | str | None = None
    blend_color: RGBA | None = None
    blend_mode: str = "overlay"  # one of BLEND_MODES
    blend_alpha: int = 100  # 0..100
    blend_align: tuple[str, str] = ("middle", "center")
    blend_pad: int = 0
    blend_x: int | None = None
    blend_y: int | None = None
    blend_w: float | None = None
    blend_h: float | None = None
    blend_fit: str = "clip"  # clamp | clip | crop | max | scale
    blend_crop: tuple[str, ...] = ()  # gravity for blend_fit=crop
    blend_size: str | None = None  # "inherit": sized as the picture is


def blend_image(blend: Blend) -> str | None:
    """The path of an image blend, or None."""
    return blend.blend_source if isinstance(blend.blend_source, str) else None
