"""Size, crop and rotation: where the output's pixels come from."""

from __future__ import annotations

from dataclasses import dataclass

FITS = ("clip", "max", "crop", "fill", "scale", "min")


@dataclass(frozen=True)
class Size:
    """Size and crop. `w`/`h`: pixels when >= 1, a fraction of the (rect-cropped)
    original in (0, 1); `dpr` multiplies both."""

    w: float | None = None
    h: float | None = None
    dpr: float = 1.0
    # One of FITS, or an ImageKit crop mode without an imgix twin: at_least (c-at_least:
    # cover, no crop), extract (cm-extract: a region at the original scale, placed by
    # gravity), pad_extract (cm-pad_extract: the same, padded).
    fit: str = "clip"
    crop: tuple[str, ...] = ()  # gravity words, e.g. ("top", "left"), ("focalpoint",)
    fp_x: float = 0.5
    fp_y: float = 0.5
    rect: tuple[int, int, int, int] | None = None  # x, y, w, h in original pixels


@dataclass(frozen=True)
class Rotation:
    rot: int = 0  # degrees clockwise, 0-359
    flip: str = ""  # "", "h", "v", "hv"
    orient: int | None = None  # explicit EXIF-style orientation overriding the file's
