"""Border and padding sizes, and how they share the requested size with the picture.

imgix: "If the image is requested without a specified width and height, padding will be
added to the dimensions of the image. If the image is cropped or resized, the image
(including the padding) will be sized to fit within the requested dimensions." Signet
treats the border the same way, so `w=300&border=10,000` is 300 wide with the border.
Sizes are CSS pixels, multiplied by dpr as mark sizes are.
"""

from __future__ import annotations

from transforms.spec import TransformSpec
from transforms.spec.frame import Frame

Sides = tuple[int, int, int, int]  # left, top, right, bottom


def _side(own: int | None, every: int) -> int:
    return every if own is None else own


def pad_sides(frame: Frame) -> Sides:
    p = frame.pad
    return (
        _side(frame.pad_left, p),
        _side(frame.pad_top, p),
        _side(frame.pad_right, p),
        _side(frame.pad_bottom, p),
    )


def border_sides(frame: Frame) -> Sides:
    if frame.border is None:
        return (0, 0, 0, 0)
    b = frame.border[0]
    return (
        _side(frame.border_left, b),
        _side(frame.border_top, b),
        _side(frame.border_right, b),
        _side(frame.border_bottom, b),
    )


def scaled(sides: Sides, dpr: float) -> Sides:
    left, top, right, bottom = (round(s * dpr) for s in sides)
    return (left, top, right, bottom)


def frame_insets(spec: TransformSpec) -> Sides:
    """Padding plus border on each side, in output pixels."""
    dpr = spec.size.dpr
    pad = scaled(pad_sides(spec.frame), dpr)
    border = scaled(border_sides(spec.frame), dpr)
    left, top, right, bottom = (p + b for p, b in zip(pad, border, strict=True))
    return (left, top, right, bottom)


def framed_size(size: tuple[int, int], insets: Sides) -> tuple[int, int]:
    return (size[0] + insets[0] + insets[2], size[1] + insets[1] + insets[3])
