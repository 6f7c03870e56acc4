"""How an ImageKit layer meets the picture under it (`lm-`), besides covering it.

- `multiply`: the layer's colours multiplied into the picture where the layer is, by its
  alpha: Signet's blend mode of that name (transforms.blend_modes, imgix's blend-mode).
- `cutter`: only what lies under the layer's opaque pixels stays; the rest of the picture,
  inside and outside the layer, turns transparent (the picture keeps its size).
- `cutout`: the layer's opaque pixels punch a hole: the picture turns transparent there.

Vectorised over the overlapping area only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from transforms.blend_modes import blend_pixels
from transforms.placement import Position

MODES = ("multiply", "cutter", "cutout")


def combine(base: Image.Image, layer: Image.Image, where: Position, mode: str) -> Image.Image:
    """`base` (RGB or RGBA) with the RGBA `layer` at `where` by `mode`: a new image."""
    x, y = where
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(base.width, x + layer.width), min(base.height, y + layer.height)
    overlap = x1 > x0 and y1 > y0
    if mode == "multiply":
        out = base.copy()
        if overlap:
            part = np.asarray(layer.crop((x0 - x, y0 - y, x1 - x, y1 - y)))
            region = np.asarray(base.convert("RGB").crop((x0, y0, x1, y1)))
            mixed = blend_pixels(region, part[:, :, :3], part[:, :, 3:4], 1.0, "multiply")
            patch = Image.fromarray(mixed, "RGB")
            if out.mode == "RGBA":
                patch.putalpha(out.crop((x0, y0, x1, y1)).getchannel("A"))
            out.paste(patch, (x0, y0))
        return out
    rgba = base.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A")).astype(np.uint16)
    cover = np.zeros(alpha.shape, dtype=np.uint16)  # the layer's alpha over the whole picture
    if overlap:
        part = np.asarray(layer.getchannel("A").crop((x0 - x, y0 - y, x1 - x, y1 - y)))
        cover[y0:y1, x0:x1] = part
    kept = cover if mode == "cutter" else 255 - cover
    rgba.putalpha(Image.fromarray((alpha * kept // 255).astype(np.uint8), "L"))
    return rgba
