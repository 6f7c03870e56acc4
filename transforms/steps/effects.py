"""Blur, sharpening and noise reduction, scaled to the output so a dpr=2 answer looks like
the dpr=1 one.

- `blur` 0-2000: a Gaussian of radius blur x long side / 10000.
- `sharp` 0-100: an unsharp mask of radius 1 px, 0..200%.
- `usm` -100..100 with `usmrad` (default 2.5 px, times dpr): an unsharp mask of that radius,
  0..200% for positive amounts; a negative amount softens instead, mixing in up to all of
  the Gaussian-blurred picture.
- `nr`, `nrs` (either given turns noise reduction on, the other then defaults to 20, as
  imgix does): a pixel whose every channel is within `nr` x 0.5 levels of its 3x3 mean is
  noise and takes its 3x3 median (which keeps edges); the others (edges, detail) are
  sharpened by an unsharp mask of `nrs` percent (0..100). Negative values turn either off.
Colour is worked on; alpha never is (sharpening it would draw halos around the shape).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from transforms.bands import by_bands
from transforms.context import Context

# blur=100 is a Gaussian radius of 1% of the output's long side (blur=2000:
# 20%). At a 1000-pixel output that is a radius of blur / 10 pixels.
BLUR_PER_UNIT = 1 / 10_000
# sharp=100 is a 200% unsharp mask of radius 1 pixel.
SHARP_RADIUS = 1.0
SHARP_PERCENT_PER_UNIT = 2
USM_PERCENT_PER_UNIT = 2
NR_LEVELS_PER_UNIT = 0.5
NRS_RADIUS = 1.0
DEFAULT_NR = 20


def blur_radius(blur: int, size: tuple[int, int]) -> float:
    """The Gaussian radius, in output pixels, for `blur` (0-2000) on an image of `size`."""
    return blur * max(size) * BLUR_PER_UNIT


def blur_image(img: Image.Image, radius: float) -> Image.Image:
    """A Gaussian blur that keeps the colour of invisible pixels from bleeding in."""
    if img.mode in ("RGBA", "LA"):
        premultiplied = {"RGBA": "RGBa", "LA": "La"}[img.mode]
        return img.convert(premultiplied).filter(ImageFilter.GaussianBlur(radius)).convert(img.mode)
    return img.filter(ImageFilter.GaussianBlur(radius))


def apply_effects(ctx: Context) -> None:
    spec = ctx.spec
    adjust = spec.adjust
    img = ctx.image
    dpr = spec.size.dpr
    if spec.stylize.blur:
        img = blur_image(img, blur_radius(spec.stylize.blur, img.size))
    if adjust.nr is not None or adjust.nrs is not None:
        img = on_colour(img, lambda c: reduce_noise(c, adjust.nr, adjust.nrs))
    if adjust.usm:
        radius = adjust.usmrad * dpr
        if adjust.usm > 0:
            mask = ImageFilter.UnsharpMask(radius, adjust.usm * USM_PERCENT_PER_UNIT, 0)
            img = on_colour(img, lambda c: c.filter(mask))
        else:
            amount = -adjust.usm / 100
            img = on_colour(
                img, lambda c: Image.blend(c, c.filter(ImageFilter.GaussianBlur(radius)), amount)
            )
    if adjust.sharp:
        percent = round(adjust.sharp * SHARP_PERCENT_PER_UNIT)
        sharpen = ImageFilter.UnsharpMask(SHARP_RADIUS, percent, 0)
        img = on_colour(img, lambda c: c.filter(sharpen))
    ctx.img = img


def on_colour(img: Image.Image, work: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """`work` on the colour channels only; the alpha channel is put back as it was."""
    if img.mode not in ("RGBA", "LA"):
        return work(img)
    *colour, alpha = img.split()
    base = "RGB" if img.mode == "RGBA" else "L"
    done = work(Image.merge(base, colour))
    return Image.merge(img.mode, (*done.split(), alpha))


def reduce_noise(img: Image.Image, nr: int | None, nrs: int | None) -> Image.Image:
    """imgix: pixels under the `nr` threshold are noise and are smoothed; those above it
    are sharpened by `nrs`. One unset takes imgix's default of 20."""
    bound = (DEFAULT_NR if nr is None else nr) * NR_LEVELS_PER_UNIT
    sharpen = DEFAULT_NR if nrs is None else nrs
    smooth = np.asarray(img.filter(ImageFilter.MedianFilter(3)) if bound > 0 else img)
    local = np.asarray(img.filter(ImageFilter.BoxBlur(1)))  # the 3x3 mean: local contrast
    crisp = np.asarray(
        img.filter(ImageFilter.UnsharpMask(NRS_RADIUS, sharpen, 0)) if sharpen > 0 else img
    )
    pixels = np.asarray(img)

    def band(top: int, end: int) -> np.ndarray:
        here = pixels[top:end]
        difference = np.abs(here.astype(np.int16) - local[top:end])
        if difference.ndim == 3:  # a pixel is noise when every channel is near its median
            difference = difference.max(axis=2, keepdims=True)
        return np.where(difference < bound, smooth[top:end], crisp[top:end])

    return Image.fromarray(by_bands(pixels.shape, np.uint8, band), img.mode)
