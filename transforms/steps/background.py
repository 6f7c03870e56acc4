"""`bg` under transparent pixels, and flattening for formats without alpha."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context
from transforms.formats import ALPHA_FORMATS
from transforms.modes import ALPHA_MODES, WHITE


def apply_background(ctx: Context) -> None:
    """Put `bg` under transparent pixels, as imgix does; for JPEG, default to white."""
    img = ctx.image
    if img.mode not in ALPHA_MODES:
        return
    bg = ctx.spec.frame.bg
    if bg is None and ctx.fmt in ALPHA_FORMATS:
        return
    img = img.convert("RGBA")
    if bg is not None:
        img = Image.alpha_composite(Image.new("RGBA", img.size, bg), img)
    if ctx.fmt not in ALPHA_FORMATS or (bg is not None and bg[3] == 255):
        under = Image.new("RGB", img.size, (bg or WHITE)[:3])
        under.paste(img, mask=img.getchannel("A"))
        img = under
    ctx.img = img
