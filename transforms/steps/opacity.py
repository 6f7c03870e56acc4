"""ImageKit's `o`: the picture's opacity (transforms.dialects.imagekit_looks).

Every pixel's alpha times o / 100. With `bg`, the picture is then laid on that colour made
opaque (ImageKit does not use bg's alpha here), so the answer is opaque with bg mixed in;
without it, a format with alpha keeps the transparency and JPEG is flattened on white, as
any transparency is (steps.background).
"""

from __future__ import annotations

from PIL import Image

from transforms.context import Context


def apply_opacity(ctx: Context) -> None:
    opacity = ctx.spec.stylize.opacity
    if opacity >= 100:
        return
    img = ctx.image.convert("RGBA")
    alpha = img.getchannel("A").point(lambda a: a * opacity // 100)
    img.putalpha(alpha)
    bg = ctx.spec.frame.bg
    if bg is not None:
        under = Image.new("RGBA", img.size, (*bg[:3], 255))
        img = Image.alpha_composite(under, img).convert("RGB")
    ctx.img = img
