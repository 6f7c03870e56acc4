"""fp-debug: the focal point drawn over the cropped picture, to check where it falls.

Drawn as imgix shows it: a grid of thirds over the picture and a crosshair with a ring
on the focal point (which may lie outside the crop when the crop is pushed against an
edge; then only the grid shows). Sizes scale with the picture, so a thumbnail and a
large render look alike.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from transforms.context import Context

GRID = (255, 255, 255, 140)
CROSS = (255, 0, 80, 255)
COLOUR_MODES = {"L": "RGB", "LA": "RGBA"}


def draw_focal_point(ctx: Context) -> None:
    if ctx.focal is None:
        return
    img = ctx.image
    if img.mode in COLOUR_MODES:
        img = img.convert(COLOUR_MODES[img.mode])
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = max(1, round(min(w, h) / 200))
    for i in (1, 2):
        draw.line([(w * i / 3, 0), (w * i / 3, h)], fill=GRID, width=line)
        draw.line([(0, h * i / 3), (w, h * i / 3)], fill=GRID, width=line)
    x, y = ctx.focal
    arm, ring = max(6, min(w, h) / 12), max(3, min(w, h) / 30)
    draw.line([(x - arm, y), (x + arm, y)], fill=CROSS, width=line)
    draw.line([(x, y - arm), (x, y + arm)], fill=CROSS, width=line)
    draw.ellipse([(x - ring, y - ring), (x + ring, y + ring)], outline=CROSS, width=line)
    if img.mode == "RGBA":
        img.alpha_composite(layer)
    else:
        img.paste(layer, (0, 0), layer)
    ctx.img = img
