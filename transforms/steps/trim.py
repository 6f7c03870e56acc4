"""Trim: cut away the original's plain border before anything else (imgix trims first).

- `trim=color`: rows and columns whose every pixel is within `trim-tol` (per channel,
  0-255) of `trim-color`, by default the top-left pixel's colour, are cut from the edges.
- `trim=alpha`: pixels at most `trim-alpha` opaque (default 0: fully transparent) count as
  empty, and the box around the others is kept.
- `trim=colorunlessalpha`: `alpha` when the original has transparent pixels, else `color`.
- `trim=auto`: walking in from each edge, a row (or column) is cut while its pixels differ
  from the edge's by less than `trim-md` on average and their standard deviation is under
  `trim-sd` (defaults 11 and 10, imgix's). Measured on a copy at most 1024 pixels long
  (edges rounded outwards, so nothing is cut that would have been kept at full size).
- `trim-pad` -200..200: original pixels kept beyond (or cut inside) the trimmed edges.
An image that would trim to nothing is left whole. `rect`, sizes and the rest then work
on the trimmed picture.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

from transforms.context import Context
from transforms.spec.frame import Frame
from transforms.steps.plan_frame import cut_original

Box = tuple[int, int, int, int]
AUTO_SAMPLE = 1024


def trim_original(ctx: Context) -> None:
    if ctx.spec.frame.trim is None:
        return
    img = ctx.image
    if "trim" not in ctx.memo:  # an animation trims every frame as its first
        ctx.memo["trim"] = trim_box(img, ctx.spec.frame)
    box = ctx.memo["trim"]
    if box in (None, (0, 0, *img.size)):  # nothing to trim
        return
    cut_original(ctx, box)  # from here the trimmed picture is the original


def trim_box(img: Image.Image, frame: Frame) -> Box | None:
    mode = frame.trim
    has_alpha = img.mode in ("RGBA", "LA")
    if mode == "colorunlessalpha":
        mode = "alpha" if has_alpha and img.getchannel("A").getextrema()[0] < 255 else "color"
    if mode == "alpha":
        if not has_alpha:
            return None
        limit = int(frame.trim_alpha)
        box = img.getchannel("A").point(lambda a: 255 if a > limit else 0).getbbox()
    elif mode == "color":
        box = _colour_box(img, frame)
    else:
        box = _auto_box(img, frame)
    if box is None:
        return None
    return _padded(box, frame.trim_pad, img.size)


def _colour_box(img: Image.Image, frame: Frame) -> Box | None:
    rgb = img.convert("RGB")
    if frame.trim_color is not None:
        colour = frame.trim_color[:3]
    else:
        first = rgb.getpixel((0, 0))
        assert isinstance(first, tuple)
        colour = first
    difference = ImageChops.difference(rgb, Image.new("RGB", rgb.size, colour))
    tolerance = int(frame.trim_tol)
    # getbbox() finds the box of non-zero pixels in C, at full resolution.
    return difference.point(lambda v: 255 if v > tolerance else 0).getbbox()


def _auto_box(img: Image.Image, frame: Frame) -> Box | None:
    factor = max(1, -(-max(img.size) // AUTO_SAMPLE))
    sample = img.convert("RGB")
    if factor > 1:
        sample = sample.reduce(factor)
    pixels = np.asarray(sample, dtype=np.float32)
    h, w = pixels.shape[:2]
    top = _edge(pixels, frame, reverse=False)
    bottom = h - _edge(pixels, frame, reverse=True)
    if top >= bottom:
        return None
    columns = pixels[top:bottom].transpose(1, 0, 2)
    left = _edge(columns, frame, reverse=False)
    right = w - _edge(columns, frame, reverse=True)
    if left >= right:
        return None
    # Back to full size, rounded outwards.
    return (
        left * factor,
        top * factor,
        min(img.width, right * factor),
        min(img.height, bottom * factor),
    )


def _edge(lines: np.ndarray, frame: Frame, reverse: bool) -> int:
    """How many lines (rows of `lines`) from one end look like border."""
    if reverse:
        lines = lines[::-1]
    edge = lines[0]
    difference = np.abs(lines - edge[None]).mean(axis=(1, 2))
    spread = lines.std(axis=(1, 2))
    plain = (difference < frame.trim_md) & (spread < frame.trim_sd)
    if plain.all():
        return len(plain)
    return int(np.argmin(plain))  # the first line that is not plain


def _padded(box: Box, pad: int, size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
    x1, y1 = min(size[0], x1 + pad), min(size[1], y1 + pad)
    if x1 <= x0:  # a negative pad larger than the box keeps its middle column
        x0 = min(size[0] - 1, (box[0] + box[2]) // 2)
        x1 = x0 + 1
    if y1 <= y0:
        y0 = min(size[1] - 1, (box[1] + box[3]) // 2)
        y1 = y0 + 1
    return (x0, y0, x1, y1)
