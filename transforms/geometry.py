"""Sizes, worked out from the spec and the image header before any pixel is decoded.

Knowing the output size first lets the pipeline refuse an oversized output
and ask the JPEG decoder for no more pixels than the resize needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transforms.errors import ParamError
from transforms.spec import TransformSpec

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


def clamp_rect(rect: tuple[float | str, ...] | None, size: Size) -> tuple[int, int, int, int]:
    """The rect resolved against the image and cut to it; the whole image when none.

    A side is pixels, a fraction of the image in (0, 1), or a keyword: x left|center|right
    and y top|middle|bottom place the rect (center: half of what the image leaves beside
    it), w and h full are the image's own.
    """
    if rect is None:
        return (0, 0, size[0], size[1])
    x, y, w, h = rect
    rw, rh = _rect_side(w, size[0]), _rect_side(h, size[1])
    rx, ry = _rect_start(x, size[0], rw), _rect_start(y, size[1], rh)
    if rx >= size[0] or ry >= size[1]:
        raise ParamError("rect", f"lies outside the {size[0]} x {size[1]} image")
    right, bottom = min(rx + rw, size[0]), min(ry + rh, size[1])
    return (rx, ry, right - rx, bottom - ry)


def _rect_side(value: float | str, whole: int) -> int:
    if value == "full":
        return whole
    assert isinstance(value, float | int)
    return max(1, round(value * whole)) if value < 1 else int(value)


def _rect_start(value: float | str, whole: int, side: int) -> int:
    free = max(0, whole - side)
    if isinstance(value, str):
        return {"left": 0, "top": 0, "center": free // 2, "middle": free // 2}.get(value, free)
    return round(value * whole) if 0 < value < 1 else int(value)


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


def _framed(spec: TransformSpec, source: Size, tw: int | None, th: int | None) -> Size:
    """Both sides of a fit=crop (or fit=fill with ar) target, for ar, the bounds and fp-z.

    A side not given follows `ar`, else the source's ratio (the source's size when
    neither is given: ar alone reframes the original at its own scale); then the
    min/max bounds (CSS pixels, times dpr) clamp each side.
    """
    size = spec.size
    sw, sh = source
    ratio = size.ar or sw / sh
    if tw is None and th is None:
        tw, th = (round(sh * ratio), sh) if sw / sh > ratio else (sw, round(sw / ratio))
    elif tw is None:
        tw = round(th * ratio)  # type: ignore[operator]
    elif th is None:
        th = round(tw / ratio)
    assert tw is not None and th is not None
    dpr = size.dpr
    for low, high, axis in ((size.min_w, size.max_w, 0), (size.min_h, size.max_h, 1)):
        value = (tw, th)[axis]
        if low is not None:
            value = max(value, round(low * dpr))
        if high is not None:
            value = min(value, round(high * dpr))
        tw, th = (value, th) if axis == 0 else (tw, value)
    return (max(1, tw), max(1, th))


def _reframes(spec: TransformSpec) -> bool:
    size = spec.size
    if size.fit == "fill":
        return size.ar is not None
    bounds = (size.min_w, size.max_w, size.min_h, size.max_h)
    return size.fit == "crop" and (
        size.ar is not None or any(b is not None for b in bounds) or size.fp_z != 1.0
    )


def layout(spec: TransformSpec, source: Size) -> Layout:
    """Apply the fit mode to a source region of `source` pixels."""
    sw, sh = source
    whole = (float(sw), float(sh))
    tw, th = target_size(spec, source)
    if _reframes(spec):
        tw, th = _framed(spec, source, tw, th)
    if tw is None and th is None:
        return Layout(whole, source, source)
    fit = spec.size.fit
    if fit in ("extract", "pad_extract"):
        # ImageKit's cm-extract: a region at the original scale, placed by gravity;
        # pad_extract pads it out to w x h when the original is smaller.
        keep = (min(tw or sw, sw), min(th or sh, sh))
        canvas = (tw or keep[0], th or keep[1]) if fit == "pad_extract" else keep
        return Layout((float(keep[0]), float(keep[1])), keep, canvas)
    if tw is None or th is None:
        # One side given: every mode keeps the ratio; max, min and fillmax never enlarge.
        if tw is not None:
            scale, resized = tw / sw, (tw, max(1, round(sh * tw / sw)))
        else:
            assert th is not None
            scale, resized = th / sh, (max(1, round(sw * th / sh)), th)
        if fit in ("max", "min", "fillmax") and scale > 1:
            resized = source
        return Layout(whole, resized, resized)
    if fit == "scale":
        return Layout(whole, (tw, th), (tw, th))
    if fit == "at_least":
        # ImageKit's c-at_least: the smallest size covering w x h, nothing cut off.
        resized = _scaled(source, max(tw / sw, th / sh))
        return Layout(whole, resized, resized)
    if fit in ("clip", "max", "fill", "fillmax", "clamp"):
        # Inside the box; fill, fillmax and clamp then pad out to it (clamp with the
        # picture's edge pixels), max and fillmax never enlarge.
        scale = min(tw / sw, th / sh)
        if fit in ("max", "fillmax"):
            scale = min(scale, 1.0)
        resized = _scaled(source, scale)
        padded = fit in ("fill", "fillmax", "clamp")
        return Layout(whole, resized, (tw, th) if padded else resized)
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
    zoom = spec.size.fp_z if "focalpoint" in spec.size.crop else 1.0
    keep_f = (min(float(sw), tw / scale) / zoom, min(float(sh), th / scale) / zoom)
    return Layout(keep_f, (tw, th), (tw, th))


def rotated_size(size: Size, degrees: float, rot_type: str = "pivot") -> Size:
    """The canvas after a clockwise rotation: a pivot expands to hold the whole picture,
    a straighten keeps the frame (and quarter turns swap the sides either way)."""
    if degrees % 180 == 0:
        return size
    if degrees % 90 == 0:
        return (size[1], size[0])
    if rot_type == "straighten":
        return size
    # Exactly as Pillow's rotate(-degrees, expand=True) sizes its canvas: the turned
    # corners' extent about the centre, rounded outward on each side.
    angle = math.radians(degrees)
    cos, sin = round(math.cos(angle), 15), round(math.sin(angle), 15)
    w, h = size
    cx, cy = w / 2, h / 2
    corners = ((0, 0), (w, 0), (w, h), (0, h))
    xs = [cos * (x - cx) + sin * (y - cy) + cx for x, y in corners]
    ys = [-sin * (x - cx) + cos * (y - cy) + cy for x, y in corners]
    return (
        math.ceil(max(xs)) - math.floor(min(xs)),
        math.ceil(max(ys)) - math.floor(min(ys)),
    )


def straighten_zoom(size: Size, degrees: float) -> float:
    """How much a picture of `size` turned by `degrees` within its frame must be enlarged
    so that the turned picture covers the whole frame (no corner shows)."""
    angle = math.radians(degrees)
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    w, h = size
    return max((w * cos + h * sin) / w, (w * sin + h * cos) / h)


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
