"""The parts of a TransformSpec, one frozen dataclass per group of parameters.

Defaults mean "leave as is". Each part is read by the pipeline steps of its group only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FITS = ("clip", "max", "crop", "fill", "scale", "min")
# ImageKit's crop modes without an imgix twin: c-at_least (cover, no crop), cm-extract
# (a region at the original scale, placed by gravity), cm-pad_extract (the same, padded).
IMAGEKIT_FITS = ("at_least", "extract", "pad_extract")
FORMATS = ("jpg", "pjpg", "png", "webp", "avif", "gif")

RGBA = tuple[int, int, int, int]


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


@dataclass(frozen=True)
class Adjust:
    """Adjustments (imgix's "adjustment" and "noise reduction" groups)."""

    sharp: int = 0  # 0-100


@dataclass(frozen=True)
class Stylize:
    blur: int = 0  # 0-2000


@dataclass(frozen=True)
class Frame:
    """Background, border, padding, fill, mask and trim."""

    bg: RGBA | None = None


@dataclass(frozen=True)
class Blend:
    """imgix `blend*`: a colour or an image blended over the whole output."""


@dataclass(frozen=True)
class Output:
    """The encoded output: format, quality and what `auto` allows."""

    fm: str | None = None  # one of FORMATS; None keeps the original's format
    q: int | None = None  # None: the format's default (75, or 45 with auto=compress)
    auto: frozenset[str] = field(default_factory=frozenset)  # {"format", "compress"}
