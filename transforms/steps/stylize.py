"""Stylize: monochrome, sepia, duotone, halftone and pixellate, after the resize.

- `monochrome` colour: the picture's luminance re-tinted through that colour (black stays
  black, white stays white, mid-grey becomes the colour); the colour's alpha (imgix writes
  it first: `80ff0000`) is how much of the tint replaces the picture.
- `sepia` 0..100: the classic sepia matrix, mixed in by that percent.
- `duotone` shadows,highlights with `duotone-alpha` 0..100 (default 100): luminance mapped
  from the first colour to the second, mixed in by the alpha.
- `htn` 0..100: a colour halftone: each channel becomes dots on a square grid of cells
  2 + htn x long side / 2000 pixels wide, a dot's area following the ink the cell needs.
- `px` 0..100: square blocks of `px` CSS pixels (times dpr), each its average colour.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from transforms.bands import by_bands
from transforms.context import Context
from transforms.steps.effects import on_colour

SEPIA = (
    0.393, 0.769, 0.189, 0,
    0.349, 0.686, 0.168, 0,
    0.272, 0.534, 0.131, 0,
)  # fmt: skip
HALFTONE_CELL_PER_UNIT = 1 / 2000


def stylize(ctx: Context) -> None:
    style = ctx.spec.stylize
    if not (style.monochrome or style.sepia or style.duotone or style.htn or style.px):
        return
    img = ctx.image
    if img.mode in ("L", "LA"):
        img = img.convert("RGBA" if img.mode == "LA" else "RGB")
    if style.monochrome is not None:
        colour = style.monochrome
        img = on_colour(img, lambda c: _mix(c, _tinted(c, colour[:3]), colour[3] / 255))
    if style.sepia:
        img = on_colour(img, lambda c: _mix(c, c.convert("RGB", SEPIA), style.sepia / 100))
    if style.duotone is not None:
        dark, light = style.duotone
        toned = lambda c: ImageOps.colorize(c.convert("L"), dark[:3], light[:3])  # noqa: E731
        img = on_colour(img, lambda c: _mix(c, toned(c), style.duotone_alpha / 100))
    if style.htn:
        cell = max(2, round(2 + style.htn * max(img.size) * HALFTONE_CELL_PER_UNIT))
        img = on_colour(img, lambda c: halftone(c, cell))
    if style.px:
        block = max(1, round(style.px * ctx.spec.size.dpr))
        img = on_colour(img, lambda c: pixellate(c, block))
    ctx.img = img


def _mix(base: Image.Image, styled: Image.Image, amount: float) -> Image.Image:
    if amount >= 1:
        return styled
    return Image.blend(base, styled, amount)


def _tinted(img: Image.Image, colour: tuple[int, ...]) -> Image.Image:
    return ImageOps.colorize(img.convert("L"), (0, 0, 0), (255, 255, 255), mid=colour)


def pixellate(img: Image.Image, block: int) -> Image.Image:
    if block <= 1:
        return img
    small = (max(1, -(-img.width // block)), max(1, -(-img.height // block)))
    # Box averages each block; nearest blows them back up as squares, cut to the image.
    reduced = img.resize(small, Image.Resampling.BOX)
    grid = reduced.resize((small[0] * block, small[1] * block), Image.Resampling.NEAREST)
    return grid.crop((0, 0, img.width, img.height))


def halftone(img: Image.Image, cell: int) -> Image.Image:
    """Per channel: the cell's average ink (255 - value) sets a round dot's area."""
    w, h = img.size
    cols, rows = -(-w // cell), -(-h // cell)
    averages = np.asarray(img.resize((cols, rows), Image.Resampling.BOX), dtype=np.float32)
    if averages.ndim == 2:
        averages = averages[:, :, None]
    ink = 1 - averages / 255
    # A dot of area ink x cell^2: radius = cell x sqrt(ink / pi), as a fraction of the cell.
    radius = np.sqrt(ink / np.pi) * cell
    # Each output pixel's distance to its cell's centre, and which cell it is in.
    xs = np.arange(w)
    dx2 = ((xs % cell) + 0.5 - cell / 2) ** 2
    channels = radius.shape[2]

    def band(top: int, end: int) -> np.ndarray:
        ys = np.arange(top, end)
        dy2 = ((ys % cell) + 0.5 - cell / 2) ** 2
        distance = np.sqrt(dy2[:, None] + dx2[None, :])
        per_pixel = radius[ys // cell][:, xs // cell]
        return np.where(distance[:, :, None] < per_pixel, 0, 255).astype(np.uint8)

    out = by_bands((h, w, channels), np.uint8, band)
    if channels == 1:
        return Image.fromarray(out[:, :, 0], "L")
    return Image.fromarray(out, img.mode)
