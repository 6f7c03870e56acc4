"""`flip`, then `rot` (clockwise degrees), as a pivot or a straighten (`rot-type`)."""

from __future__ import annotations

import math

from PIL import Image

from transforms.context import Context
from transforms.geometry import straighten_zoom
from transforms.modes import fill_colour, mode_holding

T = Image.Transpose
FLIPS = {"h": T.FLIP_LEFT_RIGHT, "v": T.FLIP_TOP_BOTTOM, "hv": T.ROTATE_180}
# Quarter turns are exact pixel moves; Pillow's names count counter-clockwise.
QUARTER_TURNS = {90: T.ROTATE_270, 180: T.ROTATE_180, 270: T.ROTATE_90}
# Alpha is turned premultiplied, so edge pixels don't pick up hidden colours.
PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def rotate_flip(ctx: Context) -> None:
    """A quarter turn swaps the sides; another angle either turns the picture within its
    frame, enlarged just enough to cover it (straighten, imgix's default), or expands the
    canvas to hold it, with corners of `bg`, else transparent, white for JPEG (pivot)."""
    spec = ctx.spec
    img = ctx.image
    rot = spec.rotation.rot
    if spec.rotation.flip:
        img = img.transpose(FLIPS[spec.rotation.flip])
    if rot in QUARTER_TURNS:
        img = img.transpose(QUARTER_TURNS[int(rot)])
    elif rot and spec.rotation.rot_type == "straighten":
        img = _straighten(img, rot)
    elif rot:
        colour = fill_colour(spec, ctx.fmt)
        mode = mode_holding(img, colour)
        if mode == "RGBA":
            r, g, b, a = colour
            fill = (r * a // 255, g * a // 255, b * a // 255, a)
            turned = (
                img.convert("RGBA")
                .convert("RGBa")
                .rotate(-rot, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
            )
            img = turned.convert("RGBA")
        else:
            img = img.convert(mode).rotate(
                -rot, Image.Resampling.BICUBIC, expand=True, fillcolor=colour[:3]
            )
    ctx.img = img


def _straighten(img: Image.Image, degrees: float) -> Image.Image:
    """Turn clockwise about the centre and zoom in, in one resample, to the same size."""
    w, h = img.size
    # A pixel more than the exact cover, so the filter never reads outside the picture.
    zoom = straighten_zoom(img.size, degrees) * (1 + 2 / min(w, h))
    angle = math.radians(degrees)
    a, b = math.cos(angle) / zoom, math.sin(angle) / zoom
    d, e = -b, a
    cx, cy = w / 2, h / 2
    # Output pixel (x, y) reads the input at centre + M (x - cx, y - cy) / zoom.
    matrix = (a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy)
    mode = img.mode
    work = img.convert(PREMULTIPLIED[mode]) if mode in PREMULTIPLIED else img
    turned = work.transform(img.size, Image.Transform.AFFINE, matrix, Image.Resampling.BICUBIC)
    return turned.convert(mode) if mode in PREMULTIPLIED else turned
