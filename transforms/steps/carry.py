"""The start of a later stage of a chain: the image the stage before left, not the original."""

from __future__ import annotations

from transforms.context import Context
from transforms.errors import ImageError


def carry_over(ctx: Context) -> None:
    """Take the previous stage's picture as this stage's original (in place of open_image).

    It is already decoded, upright and in a working mode, so no decode and no EXIF
    orientation follow; an `orient` in this stage turns it as it would a stored file.
    """
    img = ctx.image
    limit = ctx.limits.max_input_pixels
    if img.width * img.height > limit:
        # The stage before kept within the output limit; this holds whatever the config says.
        raise ImageError(f"a chained step made {img.width} x {img.height}, over {limit} pixels")
    ctx.stored_size = img.size
    ctx.orientation = ctx.spec.rotation.orient or 1
