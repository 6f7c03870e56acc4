"""Frame: background, border, padding, fill, mask, trim."""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Frame:
    """Background, border, padding, fill, mask and trim."""

    bg: RGBA | None = None
