"""Watermarks and texts, drawn over the finished picture in the order the spec lists them."""

from __future__ import annotations

from functools import partial

from PIL import Image

from transforms.context import Context
from transforms.errors import ParamError
from transforms.formats import ALPHA_FORMATS
from transforms.layer_images import derived
from transforms.layer_modes import combine
from transforms.marks import MARKS, faded, mark_layer, natural_size, shown
from transforms.placement import Position, has_size_expression, place, resolve_sizes
from transforms.spec import Overlay
from transforms.text import text_layer

# A coloured mark on a grey picture stays coloured.
COLOUR_MODES = {"L": "RGB", "LA": "RGBA"}
WHITE = (255, 255, 255, 255)


def draw_overlays(ctx: Context) -> None:
    """Composite each overlay at the output's pixel density (sizes are CSS pixels times dpr).

    Runs after the background step, so a mark over a JPEG's flattened transparency sits
    on the white the viewer sees, and a mark over a transparent PNG keeps it transparent
    around the mark. An ImageKit layer's own transformations (Overlay.layer: rotation,
    radius, effects, nested layers) run on its picture before it is placed; its `mode`
    (lm-) says how it meets the picture (transforms.layer_modes).
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
            if has_size_expression(overlay):
                natural = natural_size(overlay.path, mark, ctx.limits)
                overlay = resolve_sizes(overlay, img.size, natural, dpr)
            layer, where = mark_layer(overlay, mark, img.size, dpr, ctx.limits)
            if overlay.layer:
                key = ("layer", overlay.path, mark.validator, layer.size, overlay.alpha,
                       _stages_key(overlay, ctx))
                layer = derived(key, partial(_transformed, ctx, layer, overlay))
        elif overlay.kind == "canvas":
            if has_size_expression(overlay):
                overlay = resolve_sizes(overlay, img.size, img.size, dpr)
            layer, where = canvas_layer(overlay, img.size, dpr)
            layer = _transformed(ctx, layer, overlay)
        else:
            if has_size_expression(overlay):
                overlay = resolve_sizes(overlay, img.size, img.size, dpr)
            layer, where = _text(overlay, img.size, dpr)
            if overlay.box_color is not None:
                layer, where = boxed(layer, overlay, img.size, dpr)
            if overlay.alpha < 100:
                layer = faded(layer, overlay.alpha)
            layer = _transformed(ctx, layer, overlay)
        if overlay.layer and not overlay.tile:
            where = place(layer.size, img.size, overlay, dpr)  # turned or framed: a new size
        if overlay.mode:
            shift = (round(overlay.displace[0] * dpr), round(overlay.displace[1] * dpr))
            img = combine(img, layer, where, overlay.mode, shift)
        else:
            composite(img, layer, where)
    if img.mode == "RGBA" and ctx.fmt not in ALPHA_FORMATS and _cuts(ctx.spec.overlays):
        under = Image.new("RGBA", img.size, ctx.spec.frame.bg or WHITE)
        under.alpha_composite(img)
        img = under.convert("RGB")  # a cut made after the background step: flattened here
    ctx.img = img


def _text(overlay: Overlay, base: tuple[int, int], dpr: float) -> tuple[Image.Image, Position]:
    """text_layer, kept in the marks' cache: a site's captions repeat on every thumbnail
    of a size. The layer is shared: read it, never draw on it (the steps after copy)."""
    key = ("text", overlay, base, dpr)
    cached = MARKS.get(key)
    if isinstance(cached, tuple):
        return cached
    made = text_layer(overlay, base, dpr)
    MARKS.put(key, made, made[0].width * made[0].height * 4)
    return made


def _cuts(overlays: tuple[Overlay, ...]) -> bool:
    return any(o.mode in ("cutter", "cutout") for o in overlays)


def _transformed(ctx: Context, layer: Image.Image, overlay: Overlay) -> Image.Image:
    if not overlay.layer:
        return layer
    assert ctx.render_layer is not None, "the pipeline sets render_layer"
    return ctx.render_layer(layer, overlay.layer)


def _stages_key(overlay: Overlay, ctx: Context) -> tuple[object, ...]:
    # Nested layers' images are among the marks: a new one must miss too.
    validators = tuple(sorted(mark.validator for mark in ctx.marks.values()))
    return (tuple(stage.canonical() for stage in overlay.layer), validators)


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
    """The text layer on a box of `box_color`, `box_pad` (or `box_pads`: top, right,
    bottom, left; times dpr) around it; the box is placed as the text would be (lx, ly,
    lfo)."""
    assert overlay.box_color is not None
    sides = overlay.box_pads or (overlay.box_pad,) * 4
    top, right, bottom, left = (round(side * dpr) for side in sides)
    size = (layer.width + left + right, layer.height + top + bottom)
    box = Image.new("RGBA", size, overlay.box_color)
    box.alpha_composite(layer, (left, top))
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
