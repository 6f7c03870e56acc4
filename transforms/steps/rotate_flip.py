"""`flip`, then `rot` (clockwise degrees)."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context
from transforms.modes import fill_colour, mode_holding

T = Image.Transpose
FLIPS = {"h": T.FLIP_LEFT_RIGHT, "v": T.FLIP_TOP_BOTTOM, "hv": T.ROTATE_180}
# Quarter turns are exact pixel moves; Pillow's names count counter-clockwise.
QUARTER_TURNS = {90: T.ROTATE_270, 180: T.ROTATE_180, 270: T.ROTATE_90}


def rotate_flip(ctx: Context) -> None:
    """Other angles expand the canvas; its corners get `bg`, else transparent (white for JPEG)."""
    spec = ctx.spec
    img = ctx.image
    if spec.rotation.flip:
        img = img.transpose(FLIPS[spec.rotation.flip])
    if spec.rotation.rot in QUARTER_TURNS:
        img = img.transpose(QUARTER_TURNS[spec.rotation.rot])
    elif spec.rotation.rot:
        colour = fill_colour(spec, ctx.fmt)
        mode = mode_holding(img, colour)
        if mode == "RGBA":
            # Rotate premultiplied so edge pixels don't pick up the fill's hidden colour.
            r, g, b, a = colour
            fill = (r * a // 255, g * a // 255, b * a // 255, a)
            turned = (
                img.convert("RGBA")
                .convert("RGBa")
                .rotate(-spec.rotation.rot, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
            )
            img = turned.convert("RGBA")
        else:
            img = img.convert(mode).rotate(
                -spec.rotation.rot, Image.Resampling.BICUBIC, expand=True, fillcolor=colour[:3]
            )
    ctx.img = img
