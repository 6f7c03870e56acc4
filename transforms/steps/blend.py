"""Blending (imgix `blend*`): a colour or an image mixed into the picture by a blend mode.

Runs after the adjustments and stylize, over the resized picture (before fit=fill padding,
mask and border). A colour covers the whole picture; its alpha and `blend-alpha` (0..100,
default 100) set how much of the mode's result shows. An image is sized by
`blend-w`/`blend-h` (pixels times dpr, or fractions of the picture) and `blend-fit`
(`clip` default, `max`, `scale`, `crop` placed by `blend-crop`, `clamp`: clip, then the
edge pixels extended to the box), or by `blend-size=inherit` (the picture's own size: a
cover-and-crop when the URL's fit crops, a stretch for fit=scale, else fit inside), or
else is its own size in CSS pixels; placed by `blend-align` (default centred),
`blend-pad`, `blend-x`/`blend-y`; its alpha limits it. The picture's own alpha is kept.
Modes: transforms.blend_modes (the W3C definitions; `dodge`/`burn` are colour dodge/burn).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from transforms.blend_modes import blend_pixels
from transforms.context import Context
from transforms.layer_images import decode_rgba, derived, fetched
from transforms.modes import ALPHA_MODES
from transforms.placement import place
from transforms.spec import Overlay, TransformSpec
from transforms.spec.blend import blend_image

Size = tuple[int, int]


def apply_blend(ctx: Context) -> None:
    blend = ctx.spec.blend
    if blend.blend_source is None and blend.blend_color is None:
        return
    img = ctx.image
    alpha = img.getchannel("A") if img.mode in ALPHA_MODES else None
    base = np.asarray(img.convert("RGB"))
    strength = blend.blend_alpha / 100
    path = blend_image(blend)
    if path is None:
        colour = blend.blend_color or blend.blend_source
        assert isinstance(colour, tuple)
        layer = np.broadcast_to(np.array(colour[:3], dtype=np.uint8), base.shape)
        alpha_layer = np.broadcast_to(np.uint8(colour[3]), base.shape[:2] + (1,))
        out = blend_pixels(base, layer, alpha_layer, strength, blend.blend_mode)
    else:
        picture = blend_layer(ctx, path, img.size)
        x, y = place(picture.size, img.size, _placing(ctx.spec), ctx.spec.size.dpr)
        # Only where the layer and the picture overlap is anything computed.
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(img.width, x + picture.width), min(img.height, y + picture.height)
        out = base.copy()
        if x1 > x0 and y1 > y0:
            part = np.asarray(picture.crop((x0 - x, y0 - y, x1 - x, y1 - y)))
            region = base[y0:y1, x0:x1]
            out[y0:y1, x0:x1] = blend_pixels(
                region, part[:, :, :3], part[:, :, 3:4], strength, blend.blend_mode
            )
    result = Image.fromarray(out, "RGB")
    if alpha is not None:
        result = result.convert("RGBA")
        result.putalpha(alpha)
    ctx.img = result


def _placing(spec: TransformSpec) -> Overlay:
    b = spec.blend
    return Overlay(kind="image", align=b.blend_align, pad=b.blend_pad, x=b.blend_x, y=b.blend_y)


def blend_layer(ctx: Context, path: str, base: Size) -> Image.Image:
    """The blend image, decoded and fitted (cached by validator and size)."""
    mark = fetched(ctx.marks, path, "blend")
    spec = ctx.spec
    key = (path, mark.validator, "blend", base, spec.size.dpr, _sizing(spec))
    return derived(key, lambda: _fitted(decode_rgba(mark.data, ctx.limits, "blend"), base, ctx))


def _sizing(spec: TransformSpec) -> tuple[object, ...]:
    b = spec.blend
    size = spec.size
    return (b.blend_w, b.blend_h, b.blend_fit, b.blend_crop, b.blend_size, size.fit, size.crop)


def _fitted(img: Image.Image, base: Size, ctx: Context) -> Image.Image:
    spec = ctx.spec
    b = spec.blend
    dpr = spec.size.dpr
    fit, crop = b.blend_fit, b.blend_crop
    if b.blend_size == "inherit":
        box: tuple[int | None, int | None] = base
        fit = {"crop": "crop", "min": "crop", "scale": "scale"}.get(spec.size.fit, "clip")
        crop = tuple(w for w in spec.size.crop if w in ("top", "bottom", "left", "right"))
    elif b.blend_w is not None or b.blend_h is not None:
        box = (_pixels(b.blend_w, base[0], dpr), _pixels(b.blend_h, base[1], dpr))
    else:
        box = (max(1, round(img.width * dpr)), None)
    target = _box_size(img.size, box, fit)
    if target[0] * target[1] > ctx.limits.max_output_pixels:
        # Scaled down to fit the output limit, as an output is (imgix clamps, not refuses).
        scale = math.sqrt(ctx.limits.max_output_pixels / (target[0] * target[1]))
        target = (max(1, math.floor(target[0] * scale)), max(1, math.floor(target[1] * scale)))
        box = tuple(None if v is None else max(1, math.floor(v * scale)) for v in box)
    if fit == "crop" and None not in box:
        return _cover(img, target, crop)
    fitted = img if img.size == target else img.resize(target, Image.Resampling.LANCZOS)
    if fit == "clamp" and None not in box:
        return _clamped(fitted, (int(box[0] or 0), int(box[1] or 0)))
    return fitted


def _pixels(value: float | None, base: int, dpr: float) -> int | None:
    if value is None:
        return None
    return max(1, round(value * base if value <= 1 else value * dpr))


def _box_size(natural: Size, box: tuple[int | None, int | None], fit: str) -> Size:
    nw, nh = natural
    w, h = box
    if w is None or h is None:
        scale = w / nw if w is not None else (h or nh) / nh
    elif fit == "scale" or fit == "crop":
        return (w, h)
    else:
        scale = min(w / nw, h / nh)
    if fit == "max":
        scale = min(scale, 1.0)
    return (max(1, round(nw * scale)), max(1, round(nh * scale)))


def _cover(img: Image.Image, target: Size, crop: tuple[str, ...]) -> Image.Image:
    scale = max(target[0] / img.width, target[1] / img.height)
    keep = (target[0] / scale, target[1] / scale)
    spare = (img.width - keep[0], img.height - keep[1])
    fx = 0.0 if "left" in crop else 1.0 if "right" in crop else 0.5
    fy = 0.0 if "top" in crop else 1.0 if "bottom" in crop else 0.5
    left, top = spare[0] * fx, spare[1] * fy
    return img.resize(
        target, Image.Resampling.LANCZOS, box=(left, top, left + keep[0], top + keep[1])
    )


def _clamped(img: Image.Image, box: Size) -> Image.Image:
    """`img` centred in `box`, the space around it filled by repeating its edge pixels."""
    pad_x, pad_y = max(0, box[0] - img.width), max(0, box[1] - img.height)
    if not pad_x and not pad_y:
        return img
    pixels = np.asarray(img)
    widths = ((pad_y // 2, pad_y - pad_y // 2), (pad_x // 2, pad_x - pad_x // 2), (0, 0))
    return Image.fromarray(np.pad(pixels, widths, mode="edge"), "RGBA")
