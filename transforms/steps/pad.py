"""fit=fill: the resized picture centred on a canvas of exactly w x h."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context
from transforms.modes import fill_colour, mode_holding


def pad(ctx: Context) -> None:
    """Paint the canvas with `bg` (else transparent, or white for JPEG) and centre the image."""
    img = ctx.image
    canvas = ctx.planned.canvas
    if img.size == canvas:
        return
    colour = fill_colour(ctx.spec, ctx.fmt)
    mode = mode_holding(img, colour)
    base = Image.new(mode, canvas, colour if mode == "RGBA" else colour[:3])
    where = ((canvas[0] - img.width) // 2, (canvas[1] - img.height) // 2)
    base.paste(img.convert(mode), where)
    ctx.img = base
