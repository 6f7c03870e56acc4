"""The largest output Signet answers: imgix's 8192 pixels a side, the pixel limit, and
what each format can store. A larger output is scaled down to fit, keeping its shape,
as imgix clamps ("all output images will be sized down to accommodate this limit").

Every output format Signet writes stores 8192 pixels a side (WebP's limit, the smallest,
is 16383), so the one limit also keeps Pillow's encoders from failing on a size.
"""

from __future__ import annotations

import math

from transforms.geometry import Layout, Size, rotated_size
from transforms.spec import TransformSpec

MAX_OUTPUT_SIDE = 8192  # imgix's maximum output width and height
SHRINK_STEPS = 8  # retries when rounding leaves a turned canvas a pixel over


def clamp_output(plan: Layout, spec: TransformSpec, max_pixels: int) -> Layout:
    """The plan scaled down, if need be, so the output (after rotation) has at most
    MAX_OUTPUT_SIDE pixels a side and max_pixels in all. The kept region stays the same:
    only the sizes it is resampled and padded to shrink."""
    rot, rot_type = spec.rotation.rot, spec.rotation.rot_type
    side = MAX_OUTPUT_SIDE

    def fits(canvas: Size) -> bool:
        final = rotated_size(canvas, rot, rot_type)
        return max(final) <= side and final[0] * final[1] <= max_pixels

    if fits(plan.canvas):
        return plan
    final = rotated_size(plan.canvas, rot, rot_type)
    scale = min(side / max(final), math.sqrt(max_pixels / (final[0] * final[1])))
    for _ in range(SHRINK_STEPS):
        canvas = _floor(plan.canvas, scale)
        if fits(canvas):
            resized = _floor(plan.resized, scale)
            resized = (min(resized[0], canvas[0]), min(resized[1], canvas[1]))
            return Layout(plan.keep, resized, canvas)
        scale *= 0.99
    return Layout(plan.keep, (1, 1), (1, 1))  # only for shapes no limit can hold


def _floor(size: Size, scale: float) -> Size:
    return (max(1, math.floor(size[0] * scale)), max(1, math.floor(size[1] * scale)))
