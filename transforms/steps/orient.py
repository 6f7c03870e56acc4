"""Turning the decoded pixels the way the picture is meant to be seen."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context

T = Image.Transpose
# EXIF orientation -> the transpose that undoes it (as ImageOps.exif_transpose).
TRANSPOSES = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}


def orient(ctx: Context) -> None:
    """Apply the EXIF orientation, or `orient` when given, so later steps see the upright picture.

    The output carries no EXIF, so the orientation must be in the pixels.
    """
    method = TRANSPOSES.get(ctx.orientation)
    if method is not None:
        ctx.img = ctx.image.transpose(method)
