"""Mask: cut the picture to an ellipse, rounded corners, or an image's shape.

- `mask=ellipse`: the largest ellipse inside the image (a circle when it is square).
- `mask=corners` with `corner-radius` (one radius, or top-left,top-right,bottom-right,
  bottom-left; CSS pixels times dpr): default 20% of the shorter side.
- `mask=<image>`: a path as `mark` takes one, fetched by the app under the same rules; its
  luminance times its alpha, stretched over the picture, is what stays visible.
Outside the mask the picture is transparent where the format allows it and `mask-bg` is
not given; else it is `mask-bg` (default white). The mask covers the fit=fill canvas too,
and runs before the border, so a border frames the masked picture.
"""

from __future__ import annotations

from PIL import Image, ImageChops

from transforms.context import Context
from transforms.formats import ALPHA_FORMATS
from transforms.layer_images import decode_rgba, derived, fetched
from transforms.marks import MarkData
from transforms.shapes import ellipse_mask, rounded_mask
from transforms.spec import Limits
from transforms.spec.frame import mask_image

DEFAULT_CORNER_FRACTION = 0.2
WHITE = (255, 255, 255, 255)


def apply_mask(ctx: Context) -> None:
    frame = ctx.spec.frame
    if frame.mask is None:
        return
    img = ctx.image
    path = mask_image(frame)
    if path is not None:
        shape = image_mask(path, fetched(ctx.marks, path, "mask"), img.size, ctx.limits)
    elif frame.mask == "ellipse":
        shape = ellipse_mask(img.size)
    else:
        if frame.corner_radius is None:
            radius = round(min(img.size) * DEFAULT_CORNER_FRACTION)
            radii = (radius, radius, radius, radius)
        else:
            a, b, c, d = (round(r * ctx.spec.size.dpr) for r in frame.corner_radius)
            radii = (a, b, c, d)
        shape = rounded_mask(img.size, radii)
    rgba = img.convert("RGBA")
    rgba.putalpha(ImageChops.multiply(rgba.getchannel("A"), shape))
    if frame.mask_bg is None and ctx.fmt in ALPHA_FORMATS:
        ctx.img = rgba
        return
    under = Image.new("RGBA", rgba.size, frame.mask_bg or WHITE)
    under.alpha_composite(rgba)
    ctx.img = under if under.getchannel("A").getextrema()[0] < 255 else under.convert("RGB")


def image_mask(path: str, mark: MarkData, size: tuple[int, int], limits: Limits) -> Image.Image:
    """The mask image's luminance x alpha at `size`, kept in the marks' cache."""

    def make() -> Image.Image:
        source = decode_rgba(mark.data, limits, "mask")
        shape = ImageChops.multiply(source.convert("L"), source.getchannel("A"))
        return shape.resize(size, Image.Resampling.BILINEAR)

    return derived((path, mark.validator, "mask", size), make)
