"""Watermarks and texts, drawn over the finished picture in the order the spec lists them."""

from __future__ import annotations

from PIL import Image

from transforms.context import Context
from transforms.errors import ParamError
from transforms.marks import mark_layer, shown
from transforms.placement import Position, place
from transforms.spec import Overlay
from transforms.text import text_layer

# A coloured mark on a grey picture stays coloured.
COLOUR_MODES = {"L": "RGB", "LA": "RGBA"}


def draw_overlays(ctx: Context) -> None:
    """Composite each overlay at the output's pixel density (sizes are CSS pixels times dpr).

    Runs after the background step, so a mark over a JPEG's flattened transparency sits
    on the white the viewer sees, and a mark over a transparent PNG keeps it transparent
    around the mark.
    """
    if not ctx.spec.overlays:
        return
    img = ctx.image
    if img.mode in COLOUR_MODES:
        img = img.convert(COLOUR_MODES[img.mode])
    dpr = ctx.spec.size.dpr
    for overlay in ctx.spec.overlays:
        if not shown(overlay, img.size):
            continue
        if overlay.kind == "image":
            mark = ctx.marks.get(overlay.path)
            if mark is None:
                raise ParamError("mark", f"the watermark {overlay.path} was not fetched")
            layer, where = mark_layer(overlay, mark, img.size, dpr, ctx.limits)
        elif overlay.kind == "canvas":
            layer, where = canvas_layer(overlay, img.size, dpr)
        else:
            layer, where = text_layer(overlay, img.size, dpr)
            if overlay.box_color is not None:
                layer, where = boxed(layer, overlay, img.size, dpr)
        composite(img, layer, where)
    ctx.img = img


def canvas_layer(
    overlay: Overlay, base: tuple[int, int], dpr: float
) -> tuple[Image.Image, Position]:
    """A solid box of the overlay's colour, w x h (times dpr; a fraction is of the base)."""
    size = []
    for side, whole in ((overlay.w, base[0]), (overlay.h, base[1])):
        assert side is not None
        pixels = side * whole if side < 1 else side * dpr
        size.append(max(1, min(round(pixels), whole)))  # what passes the base is clipped
    box = (size[0], size[1])
    return Image.new("RGBA", box, overlay.color), place(box, base, overlay, dpr)


def boxed(
    layer: Image.Image, overlay: Overlay, base: tuple[int, int], dpr: float
) -> tuple[Image.Image, Position]:
    """The text layer on a box of `box_color`, `box_pad` (times dpr) around it; the box is
    placed as the text would be (lx, ly, lfo)."""
    assert overlay.box_color is not None
    pad = round(overlay.box_pad * dpr)
    box = Image.new("RGBA", (layer.width + 2 * pad, layer.height + 2 * pad), overlay.box_color)
    box.alpha_composite(layer, (pad, pad))
    return box, place(box.size, base, overlay, dpr)


def composite(base: Image.Image, layer: Image.Image, where: Position) -> None:
    """Draw an RGBA layer over `base` (RGB or RGBA) in place; what falls outside is clipped."""
    x, y = where
    if x < 0 or y < 0:
        layer = layer.crop((max(0, -x), max(0, -y), layer.width, layer.height))
        x, y = max(0, x), max(0, y)
    if x >= base.width or y >= base.height or layer.width == 0 or layer.height == 0:
        return
    if base.mode == "RGBA":
        base.alpha_composite(layer, (x, y))
    else:
        base.paste(layer, (x, y), layer)
