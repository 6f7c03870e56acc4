"""Fill: what the fit=fill (and fillmax) canvas shows around the picture, by `fill`.

- `solid`: `fill-color`, else what the padding would be (`bg`, else transparent or white).
- `blur`: the picture itself, scaled to cover the canvas and blurred (a Gaussian of
  min(canvas) / 20 pixels, at least 4 and at most 200: imgix's automatic strength).
- `gradient`: see transforms.gradients. Without its two colours (`fill-gradient-linear`
  or `-radial`), imgix's default: the picture's own vibrant dark and vibrant light
  (transforms.palette, the swatches `palette=json` names), falling back to its muted
  dark and light, then to black and white, for a picture without such colours.
- `dominant`: the picture's most common colour (ImageKit's bg-dominant): the most
  frequent of its colours quantized to 8, on a 64 x 64 thumbnail.
The picture is centred, as the fit=fill padding centres it; without `fill` the pad step
paints the canvas as before.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image, ImageFilter

from transforms.context import Context
from transforms.gradients import gradient_image
from transforms.modes import fill_colour
from transforms.palette import extract
from transforms.placement import on_canvas
from transforms.spec import Frame

BLUR_FRACTION = 1 / 20
BLUR_MIN, BLUR_MAX = 4.0, 200.0
# The backdrop is blurred at a reduced size (a Gaussian this wide hides the difference),
# so its cost does not grow with the blur.
BLUR_PIXELS_PER_SAMPLE = 4.0


def fill_canvas(ctx: Context) -> None:
    frame = ctx.spec.frame
    if frame.fill is None:
        return
    img = ctx.image
    canvas = ctx.planned.canvas
    if img.size == canvas:
        return
    if frame.fill == "blur":
        base = blurred_backdrop(img, canvas)
    elif frame.fill == "gradient":
        base = gradient_image(canvas, with_gradient_colours(frame, img))
    elif frame.fill == "dominant":
        base = Image.new("RGB", canvas, dominant_colour(img))
    else:
        colour = frame.fill_color or fill_colour(ctx.spec, ctx.fmt)
        base = Image.new("RGBA", canvas, colour)
    where = on_canvas(img.size, canvas, ctx.spec.size.pad_gravity)
    base = base.convert("RGBA")
    base.alpha_composite(img.convert("RGBA"), where)
    if all(a == 255 for a in base.getchannel("A").getextrema()):
        base = base.convert("RGB")
    ctx.img = base


def with_gradient_colours(frame: Frame, img: Image.Image) -> Frame:
    """`frame` with its gradient's two colours, taken from the picture when the URL gave
    none (dark first: imgix's color1 is the vibrant dark, color2 the vibrant light)."""
    field = f"fill_gradient_{frame.fill_gradient_type}"
    if getattr(frame, field) is not None:
        return frame
    swatches = extract(img, 0).dominant
    dark = swatches.get("vibrant_dark") or swatches.get("muted_dark") or (0, 0, 0)
    light = swatches.get("vibrant_light") or swatches.get("muted_light") or (255, 255, 255)
    return replace(frame, **{field: ((*dark, 255), (*light, 255))})


def blurred_backdrop(img: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    sigma = min(BLUR_MAX, max(BLUR_MIN, min(canvas) * BLUR_FRACTION))
    shrink = max(1.0, sigma / BLUR_PIXELS_PER_SAMPLE)
    small = (max(1, round(canvas[0] / shrink)), max(1, round(canvas[1] / shrink)))
    scale = max(small[0] / img.width, small[1] / img.height)
    cover = (max(small[0], round(img.width * scale)), max(small[1], round(img.height * scale)))
    left, top = (cover[0] - small[0]) // 2, (cover[1] - small[1]) // 2
    backdrop = img.convert("RGB").resize(
        small, Image.Resampling.BILINEAR, box=_box(img.size, cover, (left, top), small)
    )
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(sigma / shrink))
    return backdrop.resize(canvas, Image.Resampling.BILINEAR)


def _box(
    size: tuple[int, int], cover: tuple[int, int], offset: tuple[int, int], small: tuple[int, int]
) -> tuple[float, float, float, float]:
    """The part of the picture (in its pixels) that covers the backdrop once scaled."""
    fx, fy = size[0] / cover[0], size[1] / cover[1]
    x, y = offset
    return (x * fx, y * fy, (x + small[0]) * fx, (y + small[1]) * fy)


DOMINANT_SAMPLE = (64, 64)
DOMINANT_COLOURS = 8


def dominant_colour(img: Image.Image) -> tuple[int, int, int]:
    """The most frequent colour of the picture, quantized (transparent pixels left out)."""
    small = img.convert("RGBA").resize(DOMINANT_SAMPLE, Image.Resampling.BILINEAR)
    opaque = Image.new("RGB", DOMINANT_SAMPLE, (255, 255, 255))
    opaque.paste(small, mask=small.getchannel("A"))
    quantized = opaque.quantize(DOMINANT_COLOURS)
    counts = quantized.getcolors(DOMINANT_COLOURS) or [(1, 0)]
    _, index = max(counts)
    palette = quantized.getpalette() or [255, 255, 255]
    r, g, b = palette[index * 3 : index * 3 + 3]
    return (r, g, b)
