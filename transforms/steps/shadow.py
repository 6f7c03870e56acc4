"""ImageKit's `e-shadow`: a shadow under the picture's opaque pixels
(transforms.dialects.imagekit_looks).

The shadow is the picture's alpha, in black at `st` % strength, blurred by a Gaussian of
`bl` pixels and moved by `x` %, `y` % of the width and height; the picture is drawn over
it. The canvas keeps its size. An opaque picture has nothing around it to shade, so only
the edge the offset uncovers shows the shadow (ImageKit means e-shadow for pictures with
a transparent background).
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

from transforms.context import Context


def cast_shadow(ctx: Context) -> None:
    look = ctx.spec.stylize.shadow
    if look is None:
        return
    blur, strength, x_percent, y_percent = look
    img = ctx.image.convert("RGBA")
    width, height = img.size
    dx, dy = round(width * x_percent / 100), round(height * y_percent / 100)
    alpha = img.getchannel("A").point(lambda a: round(a * strength / 100))
    moved = ImageChops.offset(alpha, dx, dy)
    # ImageChops.offset wraps around: what came in from the far side is cleared.
    if dx > 0:
        moved.paste(0, (0, 0, dx, height))
    elif dx < 0:
        moved.paste(0, (width + dx, 0, width, height))
    if dy > 0:
        moved.paste(0, (0, 0, width, dy))
    elif dy < 0:
        moved.paste(0, (0, height + dy, width, height))
    if blur:
        moved = moved.filter(ImageFilter.GaussianBlur(blur))
    shadow = Image.new("RGBA", img.size, (0, 0, 0, 0))
    shadow.putalpha(moved)
    ctx.img = Image.alpha_composite(shadow, img)
