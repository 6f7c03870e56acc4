"""Adjust and stylize: per-pixel colour and tone work, blur and sharpening."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Adjust:
    """Adjustments (imgix's "adjustment" and "noise reduction" groups)."""

    sharp: int = 0  # 0-100


@dataclass(frozen=True)
class Stylize:
    blur: int = 0  # 0-2000
