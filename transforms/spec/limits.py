"""Limits: the bounds a render runs under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from costing unbounded memory or time."""

    max_input_pixels: int = 100_000_000
    max_output_pixels: int = 25_000_000
    max_dpr: float = 5.0
    max_seconds: float | None = None  # a render stops between steps once past this
    # Frames or pages of an original (animations, multi-page TIFF); chunks and segments are
    # bounded from it too (transforms.structure). Nothing the file declares is walked past it.
    max_frames: int = 1000
    # Pixels actually decoded (after a JPEG's shrink-on-load): a render's memory follows them.
    max_decoded_pixels: int = 25_000_000
