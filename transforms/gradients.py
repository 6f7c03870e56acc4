"""Gradient fills (imgix `fill=gradient`): linear or radial, interpolated in a colour space.

The colour space only shapes a 1024-step ramp between the two colours; the image is then
an index into that ramp, so a gradient costs the same in every space. `lch` is OKLCh
(OKLab in polar form), whose hue path is the one CSS's `oklch` takes.
"""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image

from transforms.bands import by_bands
from transforms.spec.frame import Frame

RGBA = tuple[int, int, int, int]
RAMP_STEPS = 1024
SIDE_POINTS = {"top": (0.5, 0.0), "bottom": (0.5, 1.0), "left": (0.0, 0.5), "right": (1.0, 0.5)}
OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}

_LMS = np.array(
    [[0.4122214708, 0.5363325363, 0.0514459929],
     [0.2119034982, 0.6806995451, 0.1073969566],
     [0.0883024619, 0.2817188376, 0.6299787005]]
)  # fmt: skip
_LAB = np.array(
    [[0.2104542553, 0.7936177850, -0.0040720468],
     [1.9779984951, -2.4285922050, 0.4505937099],
     [0.0259040371, 0.7827717662, -0.8086757660]]
)  # fmt: skip


def _to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0, 1)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def _to_oklab(rgb: np.ndarray) -> np.ndarray:
    lms = np.cbrt(_to_linear(rgb) @ _LMS.T)
    return lms @ _LAB.T


def _from_oklab(lab: np.ndarray) -> np.ndarray:
    lms = lab @ np.linalg.inv(_LAB).T
    return _to_srgb((lms**3) @ np.linalg.inv(_LMS).T)


def _hue_path(h0: float, h1: float, t: np.ndarray, turn: float) -> np.ndarray:
    delta = (h1 - h0 + turn / 2) % turn - turn / 2  # the shorter way round
    return (h0 + delta * t) % turn


def colour_ramp(start: RGBA, end: RGBA, space: str, steps: int = RAMP_STEPS) -> np.ndarray:
    """`steps` RGBA colours from start to end, interpolated in `space`: uint8 (steps, 4)."""
    t = np.linspace(0, 1, steps)[:, None]
    a = np.array(start[:3], dtype=np.float64) / 255
    b = np.array(end[:3], dtype=np.float64) / 255
    if space == "linear":
        rgb = _to_srgb(_to_linear(a) + (_to_linear(b) - _to_linear(a)) * t)
    elif space == "oklab":
        la, lb = _to_oklab(a), _to_oklab(b)
        rgb = _from_oklab(la + (lb - la) * t)
    elif space == "lch":
        la, lb = _to_oklab(a), _to_oklab(b)
        ca, cb = np.hypot(la[1], la[2]), np.hypot(lb[1], lb[2])
        ha, hb = np.arctan2(la[2], la[1]), np.arctan2(lb[2], lb[1])
        lightness = la[0] + (lb[0] - la[0]) * t[:, 0]
        chroma = ca + (cb - ca) * t[:, 0]
        hue = _hue_path(float(ha), float(hb), t[:, 0], 2 * np.pi)
        lab = np.stack([lightness, chroma * np.cos(hue), chroma * np.sin(hue)], axis=1)
        rgb = _from_oklab(lab)
    elif space == "hsl":
        ha, la_, sa = colorsys.rgb_to_hls(*a)
        hb, lb_, sb = colorsys.rgb_to_hls(*b)
        hue = _hue_path(ha, hb, t[:, 0], 1.0)
        light = la_ + (lb_ - la_) * t[:, 0]
        sat = sa + (sb - sa) * t[:, 0]
        # A bounded loop over the ramp's steps (not pixels): colorsys is per colour.
        rgb = np.array([colorsys.hls_to_rgb(*v) for v in zip(hue, light, sat, strict=True)])
    else:  # srgb
        rgb = a + (b - a) * t
    alpha = start[3] + (end[3] - start[3]) * t
    out = np.concatenate([np.clip(rgb, 0, 1) * 255, alpha], axis=1)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _length(value: float, extent: float) -> float:
    return value * extent if value <= 1 else value


def gradient_image(size: tuple[int, int], frame: Frame) -> Image.Image:
    """The RGBA gradient `frame` asks for, `size` large."""
    w, h = size
    xs = np.arange(w, dtype=np.float32) + 0.5
    if frame.fill_gradient_type == "radial":
        assert frame.fill_gradient_radial is not None
        start, end = frame.fill_gradient_radial
        cx = _length(frame.fill_gradient_radial_x, w)
        cy = _length(frame.fill_gradient_radial_y, h)
        short = min(w, h)
        inner, outer = (_length(r, short) for r in frame.fill_gradient_radial_radius)
        if outer <= inner:
            inner, outer = min(inner, outer), max(inner, outer) + 1
        dx2 = (xs - cx) ** 2

        def position(ys: np.ndarray) -> np.ndarray:
            d = np.sqrt(dx2[None, :] + (ys[:, None] - cy) ** 2)
            return (d - inner) / (outer - inner)
    else:
        assert frame.fill_gradient_linear is not None
        start, end = frame.fill_gradient_linear
        words = frame.fill_gradient_linear_direction
        first, last = (OPPOSITE[words[0]], words[0]) if len(words) == 1 else words
        sx, sy = SIDE_POINTS[first]
        ex, ey = SIDE_POINTS[last]
        vx, vy = (ex - sx) * w, (ey - sy) * h
        along_x = (xs - sx * w) * vx / (vx * vx + vy * vy)

        def position(ys: np.ndarray) -> np.ndarray:
            return along_x[None, :] + ((ys - sy * h) * vy / (vx * vx + vy * vy))[:, None]

    ramp = colour_ramp(start, end, frame.fill_gradient_cs)

    def band(top: int, end_row: int) -> np.ndarray:
        t = position(np.arange(top, end_row, dtype=np.float32) + 0.5)
        index = np.clip(np.rint(t * (RAMP_STEPS - 1)), 0, RAMP_STEPS - 1).astype(np.intp)
        return ramp[index]

    return Image.fromarray(by_bands((h, w, 4), np.uint8, band), "RGBA")
