"""The `rect` source region, located in the decoded image."""

from __future__ import annotations

from transforms.context import Context


def locate_rect(ctx: Context) -> None:
    """Map the clamped rect (upright original pixels) onto the decoded image.

    No pixels are copied: the resize step cuts the region out as part of its
    one resample, which is both cheaper and sharper than crop-then-resize
    after a shrink-on-load.
    """
    img = ctx.image
    fx = img.width / ctx.shown_size[0]
    fy = img.height / ctx.shown_size[1]
    x, y, w, h = ctx.rect
    ctx.region = (x * fx, y * fy, (x + w) * fx, (y + h) * fy)
