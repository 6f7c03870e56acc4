"""Antialiased shape masks (L images, 255 inside): ellipses and rounded rectangles.

Coverage is computed from each pixel centre's distance to the edge (numpy, no drawing at
a larger scale), so a mask costs a few passes over the output and nothing more.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from transforms.bands import by_bands

Corners = tuple[int, int, int, int]  # top-left, top-right, bottom-right, bottom-left


def ellipse_mask(size: tuple[int, int]) -> Image.Image:
    """The largest ellipse inside `size`."""
    w, h = size
    a, b = w / 2, h / 2
    xs = ((np.arange(w, dtype=np.float32) + 0.5 - a) / a) ** 2

    def band(top: int, end: int) -> np.ndarray:
        ys = ((np.arange(top, end, dtype=np.float32) + 0.5 - b) / b) ** 2
        d = np.sqrt(xs[None, :] + ys[:, None])  # 1 on the edge
        # Distance to the edge in pixels, roughly: (1 - d) times the local radius.
        coverage = np.clip((1 - d) * min(a, b) + 0.5, 0, 1)
        return (coverage * 255 + 0.5).astype(np.uint8)

    return Image.fromarray(by_bands((h, w), np.uint8, band), "L")


def rounded_mask(size: tuple[int, int], radii: Corners) -> Image.Image:
    """A rectangle of `size` with its corners rounded; each radius at most half the short side."""
    w, h = size
    out = np.full((h, w), 255, dtype=np.uint8)
    limit = min(w, h) // 2
    for corner, radius in enumerate(radii):
        r = min(radius, limit)
        if r <= 0:
            continue
        centres = np.arange(r, dtype=np.float32) + 0.5
        d = np.sqrt((r - centres)[None, :] ** 2 + (r - centres)[:, None] ** 2)
        patch = (np.clip(r - d + 0.5, 0, 1) * 255 + 0.5).astype(np.uint8)  # top-left corner
        if corner == 0:
            out[:r, :r] = np.minimum(out[:r, :r], patch)
        elif corner == 1:
            out[:r, w - r :] = np.minimum(out[:r, w - r :], patch[:, ::-1])
        elif corner == 2:
            out[h - r :, w - r :] = np.minimum(out[h - r :, w - r :], patch[::-1, ::-1])
        else:
            out[h - r :, :r] = np.minimum(out[h - r :, :r], patch[::-1, :])
    return Image.fromarray(out, "L")
