"""Size, crop and rotation: where the output's pixels come from."""

from __future__ import annotations

from dataclasses import dataclass

FITS = ("clip", "max", "crop", "fill", "fillmax", "clamp", "scale", "min", "facearea")
# A rect side: pixels (>= 1), a fraction of the image in (0, 1), or a keyword
# (x: left|center|right, y: top|middle|bottom, w and h: full).
RectValue = float | str


@dataclass(frozen=True)
class Size:
    """Size and crop. `w`/`h`: pixels when >= 1, a fraction of the (rect-cropped)
    original in (0, 1); `dpr` multiplies both, and the min/max bounds."""

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
    fp_z: float = 1.0  # zoom on the focal point (fit=crop, crop=focalpoint), 1-100
    fp_debug: bool = False  # draw the focal point and a grid over the output
    ar: float | None = None  # width / height, for fit=crop and fit=fill
    min_w: int | None = None  # bounds of the output for fit=crop, in CSS pixels
    max_w: int | None = None
    min_h: int | None = None
    max_h: int | None = None
    rect: tuple[RectValue, RectValue, RectValue, RectValue] | None = None  # x, y, w, h
    # Where the picture sits on a padded canvas (fill, fillmax): gravity words, () centred.
    # ImageKit's fo with cm-pad_resize; imgix always centres.
    pad_gravity: tuple[str, ...] = ()
    faceindex: int = 1  # fit=facearea: which face, from 1, largest first (transforms.faces)
    facepad: float = 1.0  # fit=facearea: the face box times this, then to the w:h shape


@dataclass(frozen=True)
class Rotation:
    rot: float = 0.0  # degrees clockwise, [0, 360)
    # pivot: the canvas grows to hold the turned picture (ImageKit's rt, the default here);
    # straighten: turned within its frame, zoomed to fill it (imgix's default for rot).
    rot_type: str = "pivot"
    flip: str = ""  # "", "h", "v", "hv"
    orient: int | None = None  # explicit EXIF-style orientation overriding the file's
