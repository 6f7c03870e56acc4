"""`palette=css|json`: the colours of the rendered image, in imgix's two shapes.

Two sets, as imgix documents them:
- `colors`: the `colors` most frequent colours (median-cut quantization), most frequent
  first;
- `dominant_colors`: up to six named swatches (vibrant, vibrant_light, vibrant_dark,
  muted, muted_light, muted_dark), chosen from 64 quantized colours by Vibrant.js's rule:
  a target lightness and saturation per name, scored on closeness (lightness weighs 6,
  saturation 3) and frequency (1); a swatch outside a name's bounds never gets it.

Only pixels at least half opaque count. The image is reduced to at most SAMPLE_SIDE
pixels a side first, so the cost is bounded whatever the output's size.
`average_luminance` is the mean Rec. 709 luma of those pixels, from 0 to 1.
"""

from __future__ import annotations

import colorsys
import json
from typing import NamedTuple

import numpy as np
from PIL import Image

from transforms.spec import Output

SAMPLE_SIDE = 100
SWATCH_POOL = 64
RGB = tuple[int, int, int]


class Target(NamedTuple):
    lightness: tuple[float, float, float]  # min, target, max
    saturation: tuple[float, float, float]


_VIBRANT, _MUTED = (0.35, 1.0, 1.0), (0.0, 0.3, 0.4)
_NORMAL, _LIGHT, _DARK = (0.3, 0.5, 0.7), (0.55, 0.74, 1.0), (0.0, 0.26, 0.45)
TARGETS = {
    "vibrant": Target(_NORMAL, _VIBRANT),
    "vibrant_light": Target(_LIGHT, _VIBRANT),
    "vibrant_dark": Target(_DARK, _VIBRANT),
    "muted": Target(_NORMAL, _MUTED),
    "muted_light": Target(_LIGHT, _MUTED),
    "muted_dark": Target(_DARK, _MUTED),
}
WEIGHTS = (6.0, 3.0, 1.0)  # lightness, saturation, population


class Palette(NamedTuple):
    colors: list[RGB]
    dominant: dict[str, RGB]
    average_luminance: float


def extract(img: Image.Image, count: int) -> Palette:
    small = img.convert("RGBA")
    if max(small.size) > SAMPLE_SIDE:
        small.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(small)
    opaque = pixels[pixels[..., 3] >= 128][:, :3]
    if not len(opaque):  # a wholly transparent image: its colours are all there is
        opaque = pixels[..., :3].reshape(-1, 3)
    luma = opaque.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722]) / 255
    strip = Image.fromarray(np.ascontiguousarray(opaque.reshape(-1, 1, 3)), "RGB")
    colors = [rgb for _, rgb in _quantized(strip, count)] if count else []
    return Palette(colors, _dominant(_quantized(strip, SWATCH_POOL)), float(luma.mean()))


def _quantized(strip: Image.Image, count: int) -> list[tuple[int, RGB]]:
    """(population, colour) of up to `count` median-cut colours, most frequent first."""
    quantized = strip.quantize(count, method=Image.Quantize.MEDIANCUT)
    flat = quantized.getpalette() or []
    found = quantized.getcolors(count) or []
    swatches = [(n, (flat[3 * i], flat[3 * i + 1], flat[3 * i + 2])) for n, i in found]
    return sorted(swatches, key=lambda s: (-s[0], s[1]))


def _dominant(swatches: list[tuple[int, RGB]]) -> dict[str, RGB]:
    most = max((n for n, _ in swatches), default=1)
    hls = [(n, rgb, colorsys.rgb_to_hls(*(c / 255 for c in rgb))) for n, rgb in swatches]
    chosen: dict[str, RGB] = {}
    used: set[RGB] = set()
    for name, target in TARGETS.items():
        best, best_score = None, -1.0
        for population, rgb, (_, lightness, saturation) in hls:
            if rgb in used or not _within(lightness, target.lightness):
                continue
            if not _within(saturation, target.saturation):
                continue
            score = _score(lightness, saturation, population / most, target)
            if score > best_score:
                best, best_score = rgb, score
        if best is not None:
            chosen[name] = best
            used.add(best)
    return chosen


def _within(value: float, bounds: tuple[float, float, float]) -> bool:
    return bounds[0] <= value <= bounds[2]


def _score(lightness: float, saturation: float, share: float, target: Target) -> float:
    parts = (
        1 - abs(lightness - target.lightness[1]),
        1 - abs(saturation - target.saturation[1]),
        share,
    )
    return sum(w * p for w, p in zip(WEIGHTS, parts, strict=True)) / sum(WEIGHTS)


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _entry(rgb: RGB) -> dict[str, float | str]:
    red, green, blue = (float(f"{c / 255:.6g}") for c in rgb)
    return {"red": red, "hex": _hex(rgb), "blue": blue, "green": green}


def palette_json(img: Image.Image, output: Output) -> bytes:
    """imgix's palette=json: colors, average_luminance, dominant_colors."""
    found = extract(img, output.colors)
    document = {
        "colors": [_entry(rgb) for rgb in found.colors],
        "average_luminance": float(f"{found.average_luminance:.6g}"),
        "dominant_colors": {name: _entry(rgb) for name, rgb in found.dominant.items()},
    }
    return json.dumps(document, separators=(",", ":")).encode()


def palette_css(img: Image.Image, output: Output) -> bytes:
    """imgix's palette=css: a -fg- (color) and a -bg- (background-color) class per colour:
    numbered for the frequency set, ex-1 (white) and ex-2 (black), then the named swatches."""
    found = extract(img, output.colors)
    named = [(str(i), rgb) for i, rgb in enumerate(found.colors, 1)]
    named += [("ex-1", (255, 255, 255)), ("ex-2", (0, 0, 0))]
    named += [(name.replace("_", "-"), rgb) for name, rgb in found.dominant.items()]
    lines = []
    for name, rgb in named:
        lines.append(f".{output.prefix}-fg-{name} {{ color:{_hex(rgb)} !important; }}")
        lines.append(f".{output.prefix}-bg-{name} {{ background-color:{_hex(rgb)} !important; }}")
    return ("\n".join(lines) + "\n").encode()
