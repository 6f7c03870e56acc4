"""Padding and border around the picture (imgix `pad*`, `border*`).

CSS's box order: the picture, then its padding (`bg`, else transparent where the format
allows, else white), then the border. `border-radius-inner` rounds the padded picture's
corners, so the border colour shows in them; `border-radius` rounds the outer corners,
outside which the image is transparent (or `bg`, or white, as the background step
decides). `border-stroke-size` draws a line of `border-stroke-color` (default transparent
white, imgix's) along the outer edge, inside the border, following `border-radius`.
plan_frame made room for all of this inside the requested size.
"""

from __future__ import annotations

from PIL import Image, ImageChops

from transforms.context import Context
from transforms.frame_layout import border_sides, pad_sides, scaled
from transforms.modes import fill_colour
from transforms.shapes import rounded_mask


def frame_picture(ctx: Context) -> None:
    spec = ctx.spec
    frame = spec.frame
    dpr = spec.size.dpr
    pad = scaled(pad_sides(frame), dpr)
    border = scaled(border_sides(frame), dpr)
    if not any(pad) and frame.border is None:
        return
    img = ctx.image.convert("RGBA")
    if any(pad):
        padded = Image.new("RGBA", _grown(img.size, pad), fill_colour(spec, ctx.fmt))
        padded.alpha_composite(img, (pad[0], pad[1]))
        img = padded
    if frame.border is not None:
        colour = frame.border[1]
        if frame.border_radius_inner is not None:
            radii = _radii(frame.border_radius_inner, dpr)
            img.putalpha(ImageChops.multiply(img.getchannel("A"), rounded_mask(img.size, radii)))
        framed = Image.new("RGBA", _grown(img.size, border), colour)
        if frame.border_radius_inner is not None:
            framed.alpha_composite(img, (border[0], border[1]))
        else:
            framed.paste(img, (border[0], border[1]))  # the picture's own alpha, kept as is
        img = framed
        outer = _radii(frame.border_radius, dpr) if frame.border_radius else (0, 0, 0, 0)
        if frame.border_stroke_size:
            _stroke(img, outer, round(frame.border_stroke_size * dpr), frame.border_stroke_color)
        if any(outer):
            img.putalpha(ImageChops.multiply(img.getchannel("A"), rounded_mask(img.size, outer)))
    if img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")
    ctx.img = img


def _grown(size: tuple[int, int], sides: tuple[int, int, int, int]) -> tuple[int, int]:
    return (size[0] + sides[0] + sides[2], size[1] + sides[1] + sides[3])


def _radii(corners: tuple[int, int, int, int], dpr: float) -> tuple[int, int, int, int]:
    a, b, c, d = (round(r * dpr) for r in corners)
    return (a, b, c, d)


def _stroke(
    img: Image.Image, radii: tuple[int, int, int, int], width: int, colour: tuple[int, ...]
) -> None:
    """A band `width` wide along the outer edge, rounded like the outer corners."""
    if width <= 0 or colour[3] == 0:
        return
    w, h = img.size
    inner_size = (max(1, w - 2 * width), max(1, h - 2 * width))
    inner_radii = (max(0, r - width) for r in radii)
    a, b, c, d = inner_radii
    inside = Image.new("L", (w, h), 0)
    inside.paste(rounded_mask(inner_size, (a, b, c, d)), (width, width))
    band = ImageChops.subtract(rounded_mask((w, h), radii), inside)
    layer = Image.new("RGBA", (w, h), colour)
    layer.putalpha(ImageChops.multiply(band, Image.new("L", (w, h), colour[3])))
    img.alpha_composite(layer)
