"""The widest or tallest picture each output format can store.

Past these sizes Pillow's encoders fail with their own errors (JPEG's 16-bit
header less libjpeg's margin, WebP's 14 bits, GIF's 16 bits, AV1's 65536), so
the plan refuses, or shrinks to, a size the format can hold before any decode.
"""

from __future__ import annotations

import math

from transforms.errors import ParamError
from transforms.geometry import Size, rotated_size
from transforms.spec import TransformSpec

MAX_SIDE: dict[str, int] = {
    "jpg": 65500,
    "pjpg": 65500,
    "webp": 16383,
    "gif": 65535,
    "avif": 65536,
}
NAMES = {"jpg": "JPEG", "pjpg": "JPEG", "webp": "WebP", "gif": "GIF", "avif": "AVIF"}


def fit_within_side(size: Size, fmt: str) -> Size:
    """The largest size of the same shape whose sides `fmt` can store."""
    side = MAX_SIDE.get(fmt)
    if side is None or max(size) <= side:
        return size
    scale = side / max(size)
    return (
        max(1, min(side, math.floor(size[0] * scale))),
        max(1, min(side, math.floor(size[1] * scale))),
    )


def check_sides(spec: TransformSpec, canvas: Size, fmt: str) -> None:
    """Refuse an output too wide or tall for `fmt`, naming the parameter to change."""
    name = "h" if spec.size.w is None and spec.size.h is not None else "w"
    _check(canvas, fmt, name)
    rotated = rotated_size(canvas, spec.rotation.rot)
    if rotated != canvas:
        _check(rotated, fmt, "rot")


def _check(size: Size, fmt: str, name: str) -> None:
    side = MAX_SIDE.get(fmt)
    if side is not None and max(size) > side:
        raise ParamError(
            name,
            f"the output would be {size[0]} x {size[1]}, over the {NAMES[fmt]} limit of "
            f"{side} pixels a side",
        )
