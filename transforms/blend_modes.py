"""The sixteen blend modes, as the W3C Compositing spec (and Photoshop) defines them.

Each takes the base `b` and the layer `s` as float arrays in [0, 1] of shape (h, w, 3)
and returns B(b, s); `blend_pixels` then mixes B in by the layer's opacity, a band of
rows at a time. Vectorised: a mode costs a few array passes over the blended area.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from transforms.bands import by_bands

Array = np.ndarray
LUMA = np.array([0.3, 0.59, 0.11], dtype=np.float32)  # the spec's Lum() weights


def _overlay(b: Array, s: Array) -> Array:
    return _hardlight(s, b)


def _hardlight(b: Array, s: Array) -> Array:
    return np.where(s <= 0.5, b * 2 * s, 1 - (1 - b) * (1 - (2 * s - 1)))


def _dodge(b: Array, s: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s >= 1, 1.0, np.minimum(1, b / np.maximum(1 - s, 1e-6)))
    return np.where(b <= 0, 0.0, out)


def _burn(b: Array, s: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s <= 0, 0.0, 1 - np.minimum(1, (1 - b) / np.maximum(s, 1e-6)))
    return np.where(b >= 1, 1.0, out)


def _softlight(b: Array, s: Array) -> Array:
    d = np.where(b <= 0.25, ((16 * b - 12) * b + 4) * b, np.sqrt(b))
    return np.where(s <= 0.5, b - (1 - 2 * s) * b * (1 - b), b + (2 * s - 1) * (d - b))


def _lum(c: Array) -> Array:
    return (c @ LUMA)[..., None]


def _clip_colour(c: Array) -> Array:
    lum = _lum(c)
    low = c.min(axis=-1, keepdims=True)
    high = c.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(low < 0, lum + (c - lum) * lum / np.maximum(lum - low, 1e-6), c)
        c = np.where(high > 1, lum + (c - lum) * (1 - lum) / np.maximum(high - lum, 1e-6), c)
    return c


def _set_lum(c: Array, lum: Array) -> Array:
    return _clip_colour(c + (lum - _lum(c)))


def _sat(c: Array) -> Array:
    return c.max(axis=-1, keepdims=True) - c.min(axis=-1, keepdims=True)


def _set_sat(c: Array, sat: Array) -> Array:
    low = c.min(axis=-1, keepdims=True)
    spread = c.max(axis=-1, keepdims=True) - low
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(spread > 0, (c - low) * sat / np.maximum(spread, 1e-6), 0.0)
    return out


MODES: dict[str, Callable[[Array, Array], Array]] = {
    "normal": lambda b, s: s,
    "multiply": lambda b, s: b * s,
    "screen": lambda b, s: b + s - b * s,
    "overlay": _overlay,
    "darken": np.minimum,
    "lighten": np.maximum,
    "dodge": _dodge,
    "burn": _burn,
    "hardlight": _hardlight,
    "softlight": _softlight,
    "difference": lambda b, s: np.abs(b - s),
    "exclusion": lambda b, s: b + s - 2 * b * s,
    "hue": lambda b, s: _set_lum(_set_sat(s, _sat(b)), _lum(b)),
    "saturation": lambda b, s: _set_lum(_set_sat(b, _sat(s)), _lum(b)),
    "color": lambda b, s: _set_lum(s, _lum(b)),
    "luminosity": lambda b, s: _set_lum(b, _lum(s)),
}


def blend_pixels(base: Array, layer: Array, alpha: Array, strength: float, mode: str) -> Array:
    """uint8 (h, w, 3) base and layer, the layer's uint8 (h, w, 1) alpha times `strength`
    (0..1) as its opacity -> uint8 (h, w, 3). Broadcast views are fine for layer and alpha."""
    def band(top: int, end: int) -> np.ndarray:
        b = base[top:end].astype(np.float32) / 255
        s = layer[top:end].astype(np.float32) / 255
        mixed = MODES[mode](b, s)
        opacity = alpha[top:end].astype(np.float32) * (strength / 255)
        out = b + (np.clip(mixed, 0, 1) - b) * opacity
        return (out * 255 + 0.5).astype(np.uint8)

    return by_bands(base.shape, np.uint8, band)
