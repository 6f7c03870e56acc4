"""How an ImageKit layer meets the picture under it (`lm-`), besides covering it.

- `multiply`: the layer's colours multiplied into the picture where the layer is, by its
  alpha: Signet's blend mode of that name (transforms.blend_modes, imgix's blend-mode).
- `cutter`: only what lies under the layer's opaque pixels stays; the rest of the picture,
  inside and outside the layer, turns transparent (the picture keeps its size).
- `cutout`: the layer's opaque pixels punch a hole: the picture turns transparent there.
- `displace`: the layer is a displacement map for the picture under it. Its red channel
  moves the picture's pixels across, its green channel up and down: 128 leaves a pixel
  where it is, 255 moves it by the whole `shift` (right, down), 0 by the whole of it the
  other way (left, up), in proportion between; a map pixel's alpha scales its shift
  (transparent ones move nothing). Each output pixel takes the picture's pixel the map
  says came there (nearest, held at the picture's edges); outside the layer nothing moves.
  ImageKit documents the channels and that `x` and `y` set the magnitude, not the
  scale: this one (ImageMagick's, centred on 128) is Signet's.

Vectorised over the overlapping area only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from transforms.blend_modes import blend_pixels
from transforms.placement import Position

MODES = ("multiply", "cutter", "cutout", "displace")
NEUTRAL = 128.0  # a map value that moves nothing


def combine(
    base: Image.Image, layer: Image.Image, where: Position, mode: str,
    shift: tuple[int, int] = (0, 0),
) -> Image.Image:
    """`base` (RGB or RGBA) with the RGBA `layer` at `where` by `mode`: a new image.
    `shift`: displace's largest move (x, y) in output pixels."""
    x, y = where
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(base.width, x + layer.width), min(base.height, y + layer.height)
    overlap = x1 > x0 and y1 > y0
    if mode == "displace":
        out = base.copy() if base.mode in ("RGB", "RGBA") else base.convert("RGBA")
        if overlap:
            part = np.asarray(layer.crop((x0 - x, y0 - y, x1 - x, y1 - y)), dtype=np.float32)
            out.paste(_displaced(out, part, (x0, y0), shift), (x0, y0))
        return out
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


def _displaced(
    base: Image.Image, part: np.ndarray, corner: Position, shift: tuple[int, int]
) -> Image.Image:
    """The picture's pixels under `part` (the map's RGBA floats there), each taken from
    where the map says it moved from: p - shift x (value - 128) / 127 x alpha."""
    weight = part[:, :, 3] / 255.0
    moves = [np.clip((part[:, :, channel] - NEUTRAL) / 127.0, -1.0, 1.0) * amount * weight
             for channel, amount in ((0, shift[0]), (1, shift[1]))]
    height, width = part.shape[:2]
    rows, cols = np.mgrid[corner[1] : corner[1] + height, corner[0] : corner[0] + width]
    from_x = np.clip(np.rint(cols - moves[0]), 0, base.width - 1).astype(np.intp)
    from_y = np.clip(np.rint(rows - moves[1]), 0, base.height - 1).astype(np.intp)
    pixels = np.asarray(base)
    return Image.fromarray(pixels[from_y, from_x], base.mode)
