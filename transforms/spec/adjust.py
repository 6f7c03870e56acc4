"""Adjust and stylize: per-pixel colour and tone work, blur and sharpening.

Every field's default means "leave as is". Numbers are imgix's own scales (see the
imgix_adjust table for ranges); transforms/steps/adjust.py, stylize.py and effects.py
say what each one does to the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Adjust:
    """Adjustments (imgix's "adjustment" and "noise reduction" groups)."""

    bri: int = 0  # -100..100
    con: int = 0  # -100..100
    exp: int = 0  # -100..100
    gam: int = 0  # -100..100
    high: int = 0  # -100..0
    shad: float = 0.0  # 0..100
    hue: int = 0  # 0..360 degrees
    sat: int = 0  # -100..100
    vib: int = 0  # -100..100
    invert: bool = False
    usm: int = 0  # -100..100
    usmrad: float = 2.5  # pixels, with usm
    nr: int | None = None  # -100..100; None: no noise reduction asked for (imgix default 20)
    nrs: int | None = None  # -100..100; imgix default 20
    sharp: float = 0.0  # 0..100


@dataclass(frozen=True)
class Stylize:
    blur: int = 0  # 0-2000
    monochrome: RGBA | None = None  # the tint; its alpha is the strength
    sepia: int = 0  # 0..100
    duotone: tuple[RGBA, RGBA] | None = None  # (shadows, highlights)
    duotone_alpha: int = 100  # 0..100
    htn: int = 0  # halftone, 0..100
    px: int = 0  # pixellate: block size in CSS pixels, 0..100
    # ImageKit's looks (transforms/dialects/imagekit_looks.py says what each value means).
    colour_replace: tuple[RGBA, float, RGBA | None] | None = None  # cr: to, tolerance, from
    # e-gradient: angle, from, to, stop (a number, or an Expression resolved when drawn)
    gradient: tuple[float, RGBA, RGBA, float] | None = None
    distort: tuple[float, ...] | None = None  # e-distort: 8 corner coordinates, or 1 arc angle
    shadow: tuple[float, float, float, float] | None = None  # e-shadow: bl, st, x %, y %
    opacity: int = 100  # o: the picture's opacity, 0..100
    face_blur: int = 0  # blur the detected faces, 0..100 (transforms/steps/face_privacy.py)
    face_pixel: int = 0  # pixellate the detected faces, 0..100
