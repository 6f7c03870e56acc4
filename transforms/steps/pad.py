"""fit=fill, fillmax and clamp: the resized picture centred on a canvas of exactly w x h."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context
from transforms.modes import fill_colour, mode_holding
from transforms.placement import on_canvas


def pad(ctx: Context) -> None:
    """Paint the canvas with `bg` (else transparent, or white for JPEG) and centre the image;
    fit=clamp extends the picture's edge pixels out to the canvas instead."""
    img = ctx.image
    canvas = ctx.planned.canvas
    if img.size == canvas:
        return
    where = on_canvas(img.size, canvas, ctx.spec.size.pad_gravity)
    if ctx.spec.size.fit == "clamp":
        ctx.img = _clamp_edges(img, canvas, where)
        return
    colour = fill_colour(ctx.spec, ctx.fmt)
    mode = mode_holding(img, colour)
    base = Image.new(mode, canvas, colour if mode == "RGBA" else colour[:3])
    base.paste(img.convert(mode), where)
    ctx.img = base


def _clamp_edges(img: Image.Image, canvas: tuple[int, int], where: tuple[int, int]) -> Image.Image:
    """imgix's affine clamp: each edge row and column repeated out to the canvas's edge."""
    (x, y), (w, h), (cw, ch) = where, img.size, canvas
    base = Image.new(img.mode, canvas)
    base.paste(img, where)
    stretch = Image.Resampling.NEAREST
    right, bottom = cw - x - w, ch - y - h
    if x > 0:
        base.paste(img.crop((0, 0, 1, h)).resize((x, h), stretch), (0, y))
    if right > 0:
        base.paste(img.crop((w - 1, 0, w, h)).resize((right, h), stretch), (x + w, y))
    # Rows last, from the widened picture, so the corners take the corner pixels.
    if y > 0:
        base.paste(base.crop((0, y, cw, y + 1)).resize((cw, y), stretch), (0, 0))
    if bottom > 0:
        base.paste(base.crop((0, y + h - 1, cw, y + h)).resize((cw, bottom), stretch), (0, y + h))
    return base
