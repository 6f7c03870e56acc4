"""Blur and sharpen, scaled to the output so a dpr=2 answer looks like the dpr=1 one."""

from __future__ import annotations

from PIL import Image, ImageFilter

from transforms.context import Context

# blur=100 is a Gaussian radius of 1% of the output's long side (blur=2000:
# 20%). At a 1000-pixel output that is a radius of blur / 10 pixels.
BLUR_PER_UNIT = 1 / 10_000
# sharp=100 is a 200% unsharp mask of radius 1 pixel.
SHARP_RADIUS = 1.0
SHARP_PERCENT_PER_UNIT = 2


def blur_radius(blur: int, size: tuple[int, int]) -> float:
    """The Gaussian radius, in output pixels, for `blur` (0-2000) on an image of `size`."""
    return blur * max(size) * BLUR_PER_UNIT


def apply_effects(ctx: Context) -> None:
    spec = ctx.spec
    img = ctx.image
    if spec.stylize.blur:
        radius = blur_radius(spec.stylize.blur, img.size)
        if img.mode in ("RGBA", "LA"):
            # Blur premultiplied, or the colour of invisible pixels bleeds in.
            premultiplied = {"RGBA": "RGBa", "LA": "La"}[img.mode]
            blurred = img.convert(premultiplied).filter(ImageFilter.GaussianBlur(radius))
            img = blurred.convert(img.mode)
        else:
            img = img.filter(ImageFilter.GaussianBlur(radius))
    if spec.adjust.sharp:
        mask = ImageFilter.UnsharpMask(
            radius=SHARP_RADIUS, percent=spec.adjust.sharp * SHARP_PERCENT_PER_UNIT, threshold=0
        )
        if img.mode in ("RGBA", "LA"):
            # Sharpening the alpha channel would draw halos around the shape.
            *colour, alpha = img.split()
            base = "RGB" if img.mode == "RGBA" else "L"
            sharpened = Image.merge(base, colour).filter(mask)
            img = Image.merge(img.mode, (*sharpened.split(), alpha))
        else:
            img = img.filter(mask)
    ctx.img = img
