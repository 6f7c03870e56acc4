"""ImageKit's `e-gradient`: a linear gradient of two colours laid over the picture
(transforms.dialects.imagekit_looks).

The direction is an angle clockwise from "towards the top" (180, the default, runs top to
bottom). As in CSS, the gradient line passes through the centre and is as long as the
picture measured along it, so `from` is pure at the corner or edge it starts at; `to` is
reached at the stop point (a fraction of that length, or pixels) and holds after it.
Colours are mixed premultiplied, as CSS mixes them. A stop point written as an expression
is in pixels, with bw, bh, cw, ch the picture's size here and iw, ih the original's.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from transforms.bands import by_bands
from transforms.context import Context
from transforms.errors import ParamError
from transforms.expressions import Expression
from transforms.steps.expressions import _variables

KEY = "e-gradient"


def gradient_layer(size: tuple[int, int], angle: float, start: tuple[int, ...],
                   end: tuple[int, ...], stop: float) -> Image.Image:
    """The gradient alone, RGBA, of `size`."""
    width, height = size
    dx, dy = math.sin(math.radians(angle)), -math.cos(math.radians(angle))
    half = (abs(width * dx) + abs(height * dy)) / 2 or 1.0
    length = 2 * half
    stop_at = stop if stop <= 1 else min(1.0, stop / length)
    # Mixed premultiplied, as CSS mixes: a transparent end adds no colour of its own.
    first = np.array([*(c * start[3] / 255 for c in start[:3]), start[3]], dtype=np.float32)
    last = np.array([*(c * end[3] / 255 for c in end[:3]), end[3]], dtype=np.float32)
    xs = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) * dx

    def band(top: int, bottom: int) -> np.ndarray:
        ys = (np.arange(top, bottom, dtype=np.float32) + 0.5 - height / 2) * dy
        along = (ys[:, None] + xs[None, :] + half) / length  # 0 at the start, 1 at the end
        t = np.clip(along / stop_at, 0.0, 1.0)[..., None]
        mixed = first + (last - first) * t
        alpha = mixed[..., 3:]
        colour = np.where(alpha > 0, mixed[..., :3] * 255 / np.maximum(alpha, 1e-6), 0)
        return np.rint(np.concatenate([np.clip(colour, 0, 255), alpha], axis=2)).astype(np.uint8)

    return Image.fromarray(by_bands((height, width, 4), np.uint8, band), "RGBA")


def draw_gradient(ctx: Context) -> None:
    look = ctx.spec.stylize.gradient
    if look is None:
        return
    angle, start, end, stop = look
    img = ctx.image
    if isinstance(stop, Expression):  # sp-bh_div_2: pixels of the picture drawn on
        value = stop.evaluate(_variables(ctx.initial_size or img.size, img.size), KEY)
        if value <= 0:
            raise ParamError(KEY, f"sp comes to {value:g}, not a stop point")
        stop = max(1.0, float(round(value)))
    layer = gradient_layer(img.size, angle, start, end, stop)
    done = Image.alpha_composite(img.convert("RGBA"), layer)
    ctx.img = done if img.mode in ("RGBA", "LA") else done.convert("RGB")
