"""ImageKit's `e-distort` (transforms.dialects.imagekit_looks): a perspective warp or an arc.

- Perspective (8 numbers): the picture's corners, top-left then clockwise, go to those
  points (pixels of the picture), on a canvas of the picture's size; what the warped
  picture does not cover is transparent (white for JPEG). The four points must make a
  convex quadrilateral, else 400.
- Arc (1 number): the picture bent along an arc of that many degrees, its bottom edge
  keeping its length on the inner circle, its top edge on the outer one; upwards (the
  middle highest) for a positive angle, downwards for a negative one. The canvas is the
  arc's bounding box, bounded by max_output_pixels (400 past it).
Both sample bilinearly (the arc with OpenCV's remap, which the faces work already brings).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from transforms.bands import by_bands
from transforms.context import Context
from transforms.errors import ParamError

KEY = "e-distort"
cv2.setNumThreads(1)  # renders already run in a pool of worker threads (as transforms.faces)


def distort(ctx: Context) -> None:
    look = ctx.spec.stylize.distort
    if look is None:
        return
    img = ctx.image.convert("RGBA")
    if len(look) == 8:
        ctx.img = _perspective(img, look)
    else:
        ctx.img = _arc(img, look[0], ctx.limits.max_output_pixels)


def _perspective(img: Image.Image, points: tuple[float, ...]) -> Image.Image:
    corners = [(points[i], points[i + 1]) for i in range(0, 8, 2)]
    if not _convex(corners):
        raise ParamError(KEY, "the four points must make a convex quadrilateral, "
                         "top-left first and clockwise")
    width, height = img.size
    source = [(0, 0), (width, 0), (width, height), (0, height)]
    rows = []
    values = []
    for (x, y), (u, v) in zip(corners, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -x * u, -y * u])
        rows.append([0, 0, 0, x, y, 1, -x * v, -y * v])
        values.extend((u, v))
    try:
        coefficients = np.linalg.solve(np.array(rows, float), np.array(values, float))
    except np.linalg.LinAlgError:
        raise ParamError(KEY, "the four points do not make a quadrilateral") from None
    return img.transform(
        img.size, Image.Transform.PERSPECTIVE, tuple(coefficients.tolist()),
        Image.Resampling.BILINEAR, fillcolor=(0, 0, 0, 0),
    )


def _convex(corners: list[tuple[float, float]]) -> bool:
    turns = []
    for i in range(4):
        (ax, ay), (bx, by), (cx, cy) = corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]
        turns.append((bx - ax) * (cy - by) - (by - ay) * (cx - bx))
    return all(t > 0 for t in turns) or all(t < 0 for t in turns)


def _arc(img: Image.Image, degrees: float, max_pixels: int) -> Image.Image:
    if degrees < 0:  # downwards: the same arc, upside down, of the picture upside down
        flipped = img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        return _arc(flipped, -degrees, max_pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    width, height = img.size
    sweep = math.radians(degrees)
    inner = width / sweep
    outer = inner + height
    left, top, right, bottom = _arc_box(inner, outer, sweep)
    size = (max(1, math.ceil(right - left)), max(1, math.ceil(bottom - top)))
    if size[0] * size[1] > max_pixels:
        raise ParamError(KEY, f"the arc would be {size[0]} x {size[1]}, over the limit of "
                         f"{max_pixels} pixels")
    pixels = np.asarray(img)
    xs = np.arange(size[0], dtype=np.float32) + 0.5 + left

    def band(first: int, end: int) -> np.ndarray:
        ys = (np.arange(first, end, dtype=np.float32) + 0.5 + top)[:, None]
        radius = np.hypot(xs[None, :], ys)
        angle = np.arctan2(xs[None, :], -ys)  # 0 straight up, clockwise positive
        inside = (radius >= inner) & (radius <= outer) & (np.abs(angle) <= sweep / 2)
        # Where each output pixel's colour comes from, as pixel centres of the picture;
        # OpenCV's remap samples there bilinearly (outside the picture: transparent).
        sx = (angle + sweep / 2) / sweep * width - 0.5
        sy = outer - radius - 0.5
        out = cv2.remap(pixels, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                        borderValue=(0, 0, 0, 0))
        out[~inside] = 0
        return out

    return Image.fromarray(by_bands((size[1], size[0], 4), np.uint8, band), "RGBA")


def _arc_box(inner: float, outer: float, sweep: float) -> tuple[float, float, float, float]:
    """The bounding box of the ring sector, centre at the origin, y downwards."""
    angles = [-sweep / 2, sweep / 2] + [a for a in (0.0, math.pi / 2, -math.pi / 2, math.pi)
                                        if abs(a) <= sweep / 2]
    points = [(r * math.sin(a), -r * math.cos(a)) for a in angles for r in (inner, outer)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)
