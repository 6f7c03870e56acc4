"""`fm=blurhash`: the BlurHash string of the rendered image (Wolt's algorithm, woltapp/blurhash).

The image is reduced to at most SAMPLE_SIDE pixels a side first: BlurHash keeps only the
lowest frequencies, which a small copy holds as well, and the cost stays bounded whatever
the output's size. COMPONENTS is 4 across by 3 down, the reference's example choice.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

COMPONENTS = (4, 3)
SAMPLE_SIDE = 64
BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def blurhash(img: Image.Image, components: tuple[int, int] = COMPONENTS) -> str:
    """The BlurHash of an image (any mode; alpha is ignored, as BlurHash has none)."""
    small = img.convert("RGB")
    if max(small.size) > SAMPLE_SIDE:
        small.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
    return encode_pixels(np.asarray(small, dtype=np.float64), components)


def encode_pixels(pixels: np.ndarray, components: tuple[int, int] = COMPONENTS) -> str:
    """BlurHash of an (height, width, 3) array of sRGB values 0-255."""
    cx, cy = components
    height, width = pixels.shape[:2]
    linear = _to_linear(pixels / 255.0)
    xs = np.cos(np.pi * np.outer(np.arange(cx), np.arange(width)) / width)  # (cx, width)
    ys = np.cos(np.pi * np.outer(np.arange(cy), np.arange(height)) / height)  # (cy, height)
    # factors[j, i] = norm * mean over pixels of cos_x(i) * cos_y(j) * colour
    factors = np.einsum("jy,ix,yxc->jic", ys, xs, linear) / (width * height)
    factors[1:, :] *= 2
    factors[0, 1:] *= 2
    dc, ac = factors[0, 0], factors.reshape(-1, 3)[1:]
    out = _base83((cx - 1) + (cy - 1) * 9, 1)
    if len(ac):
        quantised = int(max(0, min(82, np.floor(np.abs(ac).max() * 166 - 0.5))))
        maximum = (quantised + 1) / 166
        out += _base83(quantised, 1)
    else:
        maximum = 1.0
        out += _base83(0, 1)
    r, g, b = (_to_srgb(v) for v in dc)
    out += _base83((r << 16) + (g << 8) + b, 4)
    for colour in ac:
        q = [int(max(0, min(18, np.floor(_sign_pow(v / maximum, 0.5) * 9 + 9.5)))) for v in colour]
        out += _base83(q[0] * 19 * 19 + q[1] * 19 + q[2], 2)
    return out


def _to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return float(np.copysign(abs(value) ** exponent, value))


def _base83(value: int, length: int) -> str:
    return "".join(BASE83[(value // 83 ** (length - 1 - i)) % 83] for i in range(length))
