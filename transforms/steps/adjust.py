"""Tone and colour adjustments: bri, con, exp, gam, shad, high, hue, sat, vib, invert, auto=enhance.

Run after the resize (as imgix does), so their cost follows the output, not the original.
The tone curves (exp, bri, con, gam, shad, high) compose into one 256-entry table per
channel, applied with one `point()`; hue turns the H channel of Pillow's HSV mode; sat is
ImageEnhance.Color; vibrance is numpy. Alpha is never touched.

imgix documents what each parameter does, not its formula; Signet's curves, with each
value's extremes:
- `exp` -100..100: exposure in stops, -1..+1 (pixel values x 0.5 .. x 2).
- `bri` -100..100: adds -255..+255 to every value.
- `con` -100..100: spreads values from mid-grey by x0 (flat grey) .. x2.
- `gam` -100..100: a gamma curve, out = in ^ 2^(-gam/100): +100 lightens midtones (^0.5).
- `shad` 0..100: lifts the dark half (at 100, black's neighbours rise by half their gap to grey).
- `high` -100..0: pulls the light half towards grey the same way.
- `auto=enhance` (and `auto=true`): stretches each channel's levels so its darkest 0.5%
  and brightest 0.5% reach 0 and 255 (imgix: "adjusts the distribution of highlights,
  midtones and shadows across the RGB channels"), a mild colour lift (x1.1) after it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from transforms.bands import by_bands
from transforms.context import Context
from transforms.spec.adjust import Adjust

ENHANCE_CUTOFF = 0.5  # percent clipped at each end of a channel's histogram
ENHANCE_COLOUR = 1.1
ENHANCE_WORDS = frozenset({"enhance", "true"})


def tone_table(adjust: Adjust) -> list[int] | None:
    """The 256-entry curve of exp, bri, con, gam, shad and high; None when it is the identity."""
    if not (adjust.exp or adjust.bri or adjust.con or adjust.gam or adjust.shad or adjust.high):
        return None
    v = np.arange(256, dtype=np.float64)
    v = v * 2.0 ** (adjust.exp / 100)
    v = v + adjust.bri * 2.55
    v = (v - 127.5) * (1 + adjust.con / 100) + 127.5
    v = np.clip(v, 0, 255)
    v = 255 * (v / 255) ** (2.0 ** (-adjust.gam / 100))
    if adjust.shad:
        weight = np.clip(1 - v / 127.5, 0, 1)  # 1 at black, 0 from mid-grey up
        v = v + adjust.shad / 100 * weight * (127.5 - v) * 0.5
    if adjust.high:
        weight = np.clip(v / 127.5 - 1, 0, 1)  # 1 at white, 0 up to mid-grey
        v = v + (-adjust.high) / 100 * weight * (127.5 - v) * 0.5
    return [int(x) for x in np.clip(np.rint(v), 0, 255)]


def adjust_colours(ctx: Context) -> None:
    adjust = ctx.spec.adjust
    enhance = bool(ctx.spec.output.auto & ENHANCE_WORDS)
    changes = (
        enhance or adjust.invert or adjust.hue or adjust.sat or adjust.vib
        or tone_table(adjust) is not None
    )
    if not changes:
        return
    img = ctx.image
    alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
    colour = img.convert("RGB" if img.mode in ("RGB", "RGBA") else "L")
    if enhance:
        colour = ImageOps.autocontrast(colour, cutoff=ENHANCE_CUTOFF)
        if colour.mode == "RGB":
            colour = ImageEnhance.Color(colour).enhance(ENHANCE_COLOUR)
    table = tone_table(adjust)
    if table is not None:
        colour = colour.point(table * len(colour.getbands()))
    if colour.mode == "RGB":
        if adjust.hue:
            colour = rotate_hue(colour, adjust.hue)
        if adjust.sat:
            colour = ImageEnhance.Color(colour).enhance(1 + adjust.sat / 100)
        if adjust.vib:
            colour = vibrance(colour, adjust.vib)
    if adjust.invert:
        colour = ImageOps.invert(colour)
    if alpha is not None:
        colour = colour.convert("RGBA" if colour.mode == "RGB" else "LA")
        colour.putalpha(alpha)
    ctx.img = colour


def rotate_hue(img: Image.Image, degrees: int) -> Image.Image:
    """Turn every colour's hue by `degrees` (Pillow's HSV keeps hue in 0..255)."""
    h, s, v = img.convert("HSV").split()
    shift = round(degrees * 256 / 360)
    h = h.point([(i + shift) % 256 for i in range(256)])
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def vibrance(img: Image.Image, amount: int) -> Image.Image:
    """Saturation that favours dull colours: each pixel moves away from (or towards) its grey
    in proportion to how little colour it has, so skin and vivid colours change least."""
    pixels = np.asarray(img)
    strength = amount / 100

    def band(top: int, end: int) -> np.ndarray:
        rgb = pixels[top:end].astype(np.float32) / 255
        peak = rgb.max(axis=2, keepdims=True)
        mean = rgb.mean(axis=2, keepdims=True)
        # Saturated pixels (far from their mean) get less; positive pushes away from grey.
        factor = strength * (1 - np.clip((peak - mean) * 3, 0, 1))
        out = rgb + (rgb - mean) * factor
        return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)

    return Image.fromarray(by_bands(pixels.shape, np.uint8, band), "RGB")
