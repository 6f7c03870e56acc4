"""`transparency=grid`: transparent areas shown over a checkerboard (imgix's preview grid).

Squares of `grid-size` CSS pixels (default 4, times dpr) in the two `grid-colors`
(default D0D7DD and FFFFFF), from the top-left corner. The result is opaque, so `bg` and
the format's alpha no longer matter.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from transforms.bands import by_bands
from transforms.context import Context
from transforms.modes import ALPHA_MODES


def show_transparency(ctx: Context) -> None:
    frame = ctx.spec.frame
    img = ctx.image
    if frame.transparency != "grid" or img.mode not in ALPHA_MODES:
        return
    size = max(1, round(frame.grid_size * ctx.spec.size.dpr))
    board = checkerboard(img.size, size, frame.grid_colors)
    board.alpha_composite(img.convert("RGBA"))
    ctx.img = board.convert("RGB")


def checkerboard(
    size: tuple[int, int], square: int, colours: tuple[tuple[int, ...], tuple[int, ...]]
) -> Image.Image:
    w, h = size
    palette = np.array([colours[0][:3] + (255,), colours[1][:3] + (255,)], dtype=np.uint8)
    columns = (np.arange(w) // square % 2).astype(np.uint8)

    def band(top: int, end: int) -> np.ndarray:
        rows = (np.arange(top, end) // square % 2).astype(np.uint8)
        return palette[rows[:, None] ^ columns[None, :]]

    return Image.fromarray(by_bands((h, w, 4), np.uint8, band), "RGBA")
