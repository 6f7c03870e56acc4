"""ImageKit's `cr`: pixels near one colour take another (transforms.dialects.imagekit_looks).

The distance is Euclidean in RGB, as a percentage of the largest there is (black to
white); a pixel within the tolerance takes the new colour whole and keeps its own alpha
(times the new colour's). Without a colour to replace, the picture's dominant colour is
the one (the same as ImageKit's bg-dominant: steps.fill.dominant_colour).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from transforms.bands import by_bands
from transforms.context import Context
from transforms.steps.fill import dominant_colour

LARGEST_DISTANCE = math.sqrt(3) * 255


def replace_colour(ctx: Context) -> None:
    look = ctx.spec.stylize.colour_replace
    if look is None:
        return
    to, tolerance, source = look
    img = ctx.image
    rgba = np.asarray(img.convert("RGBA"))
    origin = np.array((source or dominant_colour(img))[:3], dtype=np.float32)
    bound = tolerance / 100 * LARGEST_DISTANCE

    def band(top: int, end: int) -> np.ndarray:
        here = rgba[top:end]
        distance = np.sqrt(((here[..., :3].astype(np.float32) - origin) ** 2).sum(axis=2))
        near = distance <= bound
        out = here.copy()
        out[near, :3] = to[:3]
        out[near, 3] = (here[near, 3].astype(np.uint16) * to[3] // 255).astype(np.uint8)
        return out

    result = Image.fromarray(by_bands(rgba.shape, np.uint8, band), "RGBA")
    keeps_alpha = img.mode in ("RGBA", "LA") or to[3] < 255
    ctx.img = result if keeps_alpha else result.convert("RGB")
