"""`colorquant` and `fm=png8`: at most N colours, as a palette where the format has one."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context

PALETTE_FORMATS = frozenset({"png", "png8", "gif"})  # store the palette image as it is
PNG8_COLOURS = 256


def quantize_colours(ctx: Context) -> None:
    """Reduce the image to `colorquant` colours (png8: 256 unless fewer are asked for).

    PNG and GIF keep the palette image, so the file is a palette file (with a tRNS
    transparency table where there is alpha). Other formats get the reduced colours back
    as RGB or RGBA; a lossy encoder then blurs the edges between them a little.
    """
    count = ctx.spec.output.colorquant
    if ctx.fmt == "png8":
        count = count or PNG8_COLOURS
    if count is None:
        return
    img = ctx.image
    original_mode = img.mode
    if img.mode in ("LA", "RGBA"):
        # Median cut cannot take alpha; the octree quantizer keeps it in the palette.
        palette = img.convert("RGBA").quantize(count, method=Image.Quantize.FASTOCTREE)
    else:
        palette = img.convert("RGB").quantize(count, method=Image.Quantize.MEDIANCUT)
    if ctx.fmt in PALETTE_FORMATS:
        ctx.img = palette
    else:
        ctx.img = palette.convert("RGBA" if original_mode in ("LA", "RGBA") else "RGB")
