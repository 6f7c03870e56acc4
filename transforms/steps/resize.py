"""Scaling to the planned size: the fit mode's scale and the gravity crop, one resample."""

from __future__ import annotations

import math

from PIL import Image

from transforms.context import Box, Context
from transforms.faces import FaceBox, digest, faces_in, needs_faces
from transforms.gravity import gravity_offset

# resize() first shrinks by whole factors with reduce() (a fast box filter)
# while the remaining scale is at least this, then finishes with Lanczos;
# Pillow documents 3.0 as indistinguishable from a full Lanczos resample.
REDUCING_GAP = 3.0
# Float noise in box edges (a rect scaled by a draft factor) is not a pixel.
EPSILON = 1e-6


def resize(ctx: Context) -> None:
    """Cut the kept box (rect, then gravity) out of the image and scale it to plan.resized."""
    img = ctx.image
    plan = ctx.planned
    assert ctx.region is not None
    rx0, ry0, rx1, ry1 = ctx.region
    source = ctx.rect[2:]
    fx, fy = (rx1 - rx0) / source[0], (ry1 - ry0) / source[1]

    def sample(long_side: int) -> Image.Image:
        ratio = long_side / max(rx1 - rx0, ry1 - ry0)
        size = (max(1, round((rx1 - rx0) * ratio)), max(1, round((ry1 - ry0) * ratio)))
        small = img.resize(size, Image.Resampling.BILINEAR, box=ctx.region, reducing_gap=2.0)
        return small.convert("L")

    def faces() -> tuple[FaceBox, ...]:
        # An original's faces are cached by its content and the region looked at (a later
        # stage of a chain has no original bytes: it detects without the cache).
        if not ctx.data:
            return faces_in(None, sample)
        key = (digest(ctx.data), ctx.stored_size, ctx.rect, ctx.orientation, ctx.cuts)
        return faces_in(key, sample)

    if "gravity" not in ctx.memo:  # an animation crops every frame where its first is cut
        ctx.memo["gravity"] = gravity_offset(ctx.spec, source, plan.keep, sample, faces)
    ox, oy = ctx.memo["gravity"]
    size = ctx.spec.size
    if needs_faces(ctx.spec):
        ctx.faces = _faces_after(faces(), source, (ox, oy), plan.scale, plan.resized)
    if size.fp_debug:
        sx, sy = plan.scale
        ctx.focal = ((size.fp_x * source[0] - ox) * sx, (size.fp_y * source[1] - oy) * sy)
    box: Box = (
        rx0 + ox * fx,
        ry0 + oy * fy,
        rx0 + (ox + plan.keep[0]) * fx,
        ry0 + (oy + plan.keep[1]) * fy,
    )
    # Cut first: resizing with a box lets the filter read pixels outside it,
    # and what a crop or rect leaves out must not bleed into the edges.
    cut = (
        math.floor(box[0] + EPSILON),
        math.floor(box[1] + EPSILON),
        math.ceil(box[2] - EPSILON),
        math.ceil(box[3] - EPSILON),
    )
    if cut != (0, 0, img.width, img.height):
        img = img.crop(cut)
        box = (box[0] - cut[0], box[1] - cut[1], box[2] - cut[0], box[3] - cut[1])
    if plan.resized != img.size or not _is_whole(box, img.size):
        img = img.resize(plan.resized, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)
    ctx.img = img


def _faces_after(
    found: tuple[FaceBox, ...],
    source: tuple[int, int],
    offset: tuple[float, float],
    scale: tuple[float, float],
    size: tuple[int, int],
) -> tuple[Box, ...]:
    """The faces (fractions of the source region) in the resized picture's pixels, cut to
    it; a face the crop left out entirely is dropped."""
    boxes = []
    for x0, y0, x1, y1 in found:
        box = (
            min(max((x0 * source[0] - offset[0]) * scale[0], 0.0), size[0]),
            min(max((y0 * source[1] - offset[1]) * scale[1], 0.0), size[1]),
            min(max((x1 * source[0] - offset[0]) * scale[0], 0.0), size[0]),
            min(max((y1 * source[1] - offset[1]) * scale[1], 0.0), size[1]),
        )
        if box[2] - box[0] >= 1 and box[3] - box[1] >= 1:
            boxes.append(box)
    return tuple(boxes)


def _is_whole(box: Box, size: tuple[int, int]) -> bool:
    return all(abs(a - b) < EPSILON for a, b in zip(box, (0, 0, *size), strict=True))
