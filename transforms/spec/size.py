"""Size, crop and rotation: where the output's pixels come from."""

from __future__ import annotations

from dataclasses import dataclass

FITS = ("clip", "max", "crop", "fill", "scale", "min")
# ImageKit's crop modes without an imgix twin: c-at_least (cover, no crop), cm-extract
# (a region at the original scale, placed by gravity), cm-pad_extract (the same, padded).
IMAGEKIT_FITS = ("at_least", "extract", "pad_extract")


@dataclass(frozen=True)
class Size:
    """Size and crop. `w`/`h`: pixels when >= 1, a fraction of the (rect-cropped)
    original in (0, 1); `dpr` multiplies both."""

    w: float | None = None
    h: float | None = None
    dpr: float = 1.0
    fit: str = "clip"  # one of FITS or IMAGEKIT_FITS
    crop: tuple[str, ...] = ()  # gravity words, e.g. ("top", "left"), ("focalpoint",)
    fp_x: float = 0.5
    fp_y: float = 0.5
    rect: tuple[int, int, int, int] | None = None  # x, y, w, h in original pixels


@dataclass(frozen=True)
class Rotation:
    rot: int = 0  # degrees clockwise, 0-359
    flip: str = ""  # "", "h", "v", "hv"
    orient: int | None = None  # explicit EXIF-style orientation overriding the file's
