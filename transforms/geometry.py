"""Sizes, worked out from the spec and the image header before any pixel is decoded.

Knowing the output size first lets the pipeline refuse an oversized output
and ask the JPEG decoder for no more pixels than the resize needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transforms.errors import ParamError
from transforms.spec import Limits, TransformSpec

Size = tuple[int, int]

# EXIF orientations 5-8 store the picture turned a quarter, so width and height swap.
SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class Layout:
    """How the source region (the original, or its rect) becomes the output.

    `keep`: the part of the source region kept, in source pixels (smaller than
    the region only when cropping). `resized`: the size `keep` is scaled to.
    `canvas`: the size before rotation; larger than `resized` only for fit=fill
    and pad_extract.
    """

    keep: tuple[float, float]
    resized: Size
    canvas: Size

    @property
    def scale(self) -> tuple[float, float]:
        return (self.resized[0] / self.keep[0], self.resized[1] / self.keep[1])


def oriented_size(size: Size, orientation: int) -> Size:
    return (size[1], size[0]) if orientation in SWAPPING_ORIENTATIONS else size


def clamp_rect(rect: tuple[int, int, int, int] | None, size: Size) -> tuple[int, int, int, int]:
    """The rect cut to the image; the whole image when there is no rect."""
    if rect is None:
        return (0, 0, size[0], size[1])
    x, y, w, h = rect
    right, bottom = min(x + w, size[0]), min(y + h, size[1])
    if x >= size[0] or y >= size[1]:
        raise ParamError("rect", f"lies outside the {size[0]} x {size[1]} image")
    return (x, y, right - x, bottom - y)


def target_size(spec: TransformSpec, source: Size) -> tuple[int | None, int | None]:
    """The requested w and h in output pixels: fractions of the source, times dpr."""
    return (
        _dimension(spec.size.w, source[0], spec.size.dpr),
        _dimension(spec.size.h, source[1], spec.size.dpr),
    )


def _dimension(value: float | None, source: int, dpr: float) -> int | None:
    if value is None:
        return None
    pixels = value * source if value < 1 else value
    return max(1, round(pixels * dpr))


def _scaled(size: Size, scale: float) -> Size:
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


def layout(spec: TransformSpec, source: Size) -> Layout:
    """Apply the fit mode to a source region of `source` pixels."""
    sw, sh = source
    whole = (float(sw), float(sh))
    tw, th = target_size(spec, source)
    if tw is None and th is None:
        return Layout(whole, source, source)
    if spec.size.fit in ("extract", "pad_extract"):
        # ImageKit's cm-extract: a region at the original scale, placed by gravity;
        # pad_extract pads it out to w x h when the original is smaller.
        keep = (min(tw or sw, sw), min(th or sh, sh))
        canvas = (tw or keep[0], th or keep[1]) if spec.size.fit == "pad_extract" else keep
        return Layout((float(keep[0]), float(keep[1])), keep, canvas)
    if tw is None or th is None:
        # One side given: every mode keeps the ratio; max and min never enlarge.
        if tw is not None:
            scale, resized = tw / sw, (tw, max(1, round(sh * tw / sw)))
        else:
            assert th is not None
            scale, resized = th / sh, (max(1, round(sw * th / sh)), th)
        if spec.size.fit in ("max", "min") and scale > 1:
            resized = source
        return Layout(whole, resized, resized)
    fit = spec.size.fit
    if fit == "scale":
        return Layout(whole, (tw, th), (tw, th))
    if fit == "at_least":
        # ImageKit's c-at_least: the smallest size covering w x h, nothing cut off.
        resized = _scaled(source, max(tw / sw, th / sh))
        return Layout(whole, resized, resized)
    if fit in ("clip", "max", "fill"):
        scale = min(tw / sw, th / sh)
        if fit == "max":
            scale = min(scale, 1.0)
        resized = _scaled(source, scale)
        return Layout(whole, resized, (tw, th) if fit == "fill" else resized)
    # crop and min: cover the target, then cut the excess.
    scale = max(tw / sw, th / sh)
    if fit == "min" and scale > 1:
        # Never enlarge: keep the largest region of the target's shape, as it is.
        ratio = tw / th
        if sw / sh > ratio:
            keep = (max(1, min(sw, round(sh * ratio))), sh)
        else:
            keep = (sw, max(1, min(sh, round(sw / ratio))))
        return Layout((float(keep[0]), float(keep[1])), keep, keep)
    keep_f = (min(float(sw), tw / scale), min(float(sh), th / scale))
    return Layout(keep_f, (tw, th), (tw, th))


def rotated_size(size: Size, degrees: int) -> Size:
    """The canvas after a clockwise rotation that expands to hold the whole picture."""
    if degrees % 180 == 0:
        return size
    if degrees % 90 == 0:
        return (size[1], size[0])
    angle = math.radians(degrees)
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    w, h = size
    return (math.ceil(w * cos + h * sin), math.ceil(w * sin + h * cos))


def check_output(spec: TransformSpec, canvas: Size, limits: Limits) -> None:
    """Refuse an output over limits.max_output_pixels, naming what to change."""
    name = "h" if spec.size.w is None and spec.size.h is not None else "w"
    _check(spec, canvas, limits, name)
    rotated = rotated_size(canvas, spec.rotation.rot)
    if rotated != canvas:
        _check(spec, rotated, limits, "rot")


def _check(spec: TransformSpec, size: Size, limits: Limits, name: str) -> None:
    pixels = size[0] * size[1]
    if pixels <= limits.max_output_pixels:
        return
    message = (
        f"the output would be {size[0]} x {size[1]} = {pixels} pixels, "
        f"over the limit of {limits.max_output_pixels}"
    )
    if spec.size.dpr > 1 and name != "rot":
        message += f" (w and h are multiplied by dpr={spec.size.dpr:g})"
    raise ParamError(name, message)


def fit_within_pixels(size: Size, max_pixels: int) -> Size:
    """The largest size of the same shape with at most max_pixels pixels."""
    pixels = size[0] * size[1]
    if pixels <= max_pixels:
        return size
    scale = math.sqrt(max_pixels / pixels)
    w, h = max(1, math.floor(size[0] * scale)), max(1, math.floor(size[1] * scale))
    return (w, h)


def decode_size_for_layout(plan: Layout, shown: Size, orientation: int) -> Size | None:
    """The smallest decode of the stored image that still gives the resize enough pixels.

    `shown` is the size after orientation and `orientation` the EXIF one in
    force. Returns the size to pass to JPEG draft(), in stored axes, or None
    when the output needs every pixel. draft() picks the largest DCT scale
    whose result is at least this big, so the final resize is always a
    downscale.
    """
    sx, sy = plan.scale
    if sx >= 1 or sy >= 1:
        return None
    # The rect is a part of the image; decoding the whole image at the
    # region's scale gives the region the pixels it needs.
    needed = (_ceil(shown[0] * sx), _ceil(shown[1] * sy))
    return oriented_size(needed, orientation)


def _ceil(value: float) -> int:
    # Float noise must not turn 450.0000001 into 451 and a needless larger decode.
    return max(1, math.ceil(round(value, 6)))
