"""Where an overlay goes on the base image: alignment, padding and absolute offsets; where
a picture goes on a padded canvas."""

from __future__ import annotations

from dataclasses import replace

from transforms.errors import ParamError
from transforms.expressions import Expression
from transforms.spec import Overlay

MAX_OFFSET = 100_000
MAX_PAD = 1000  # a text box's padding: the box is drawn, so its size must stay bounded
MAX_LINE_HEIGHT = 2000
# An overlay's sizes that may be ImageKit expressions: (field, the key that set it, the
# least and the most an expression may come to, in output pixels: as the key's literal
# values are bounded, transforms/dialects/imagekit_text).
SIZE_FIELDS = (("w", "w", 1, MAX_OFFSET), ("h", "h", 1, MAX_OFFSET), ("size", "fs", 1, MAX_OFFSET),
               ("text_width", "w", 1, MAX_OFFSET), ("line_height", "lh", 1, MAX_LINE_HEIGHT),
               ("box_pads", "pa", 0, MAX_PAD))

Position = tuple[int, int]


def place(box: tuple[int, int], base: tuple[int, int], overlay: Overlay, dpr: float) -> Position:
    """The top-left corner of a `box`-sized overlay on a `base`-sized image.

    Padding (times dpr, like every overlay size) keeps the box off the edges it is
    aligned to; an aligned box that fits stays wholly inside even when the padding
    does not fit. `x`/`y` (times dpr) replace the alignment on their axis and are
    taken as given: whatever falls outside the base is clipped. `x_end` (`y_end`) measures
    from the right (bottom) edge, `x_mid` (`y_mid`) from the centre, layer's to base's;
    `x_centred` (`y_centred`) puts the layer's centre at x (y).
    """
    pad = round(overlay.pad * dpr)
    vertical, horizontal = overlay.align
    x = _aligned(horizontal, ("left", "center", "right"), box[0], base[0], pad)
    y = _aligned(vertical, ("top", "middle", "bottom"), box[1], base[1], pad)
    if overlay.x is not None:
        x = _from(overlay.x_end, overlay.x_mid, overlay.x_centred, box[0], base[0],
                  _offset(overlay.x, "lx", box, base, dpr))
    if overlay.y is not None:
        y = _from(overlay.y_end, overlay.y_mid, overlay.y_centred, box[1], base[1],
                  _offset(overlay.y, "ly", box, base, dpr))
    return x, y


def _from(end: bool, mid: bool, centred: bool, side: int, base_side: int, offset: int) -> int:
    """One axis of an explicit offset: from the start edge, the end edge (`end`), the
    centre to the centre (`mid`), or the layer's centre at the offset (`centred`)."""
    if end:
        return base_side - side - offset
    if mid:
        return (base_side - side) // 2 + offset
    if centred:
        return offset - side // 2
    return offset


def has_size_expression(overlay: Overlay) -> bool:
    return any(isinstance(getattr(overlay, field[0]), Expression) for field in SIZE_FIELDS)


def resolve_sizes(
    overlay: Overlay, base: tuple[int, int], natural: tuple[int, int], dpr: float
) -> Overlay:
    """The overlay with its expression sizes (`w-bw_mul_0.2`, `fs-bh_div_10`, a text's
    `lh` and `pa`) worked out: bw, bh, bar the base image's, iw, ih, iar (and cw, ch, car)
    the layer's own natural size (a text's: the base's), all output pixels; the result is
    output pixels too, so it is divided by dpr here (the drawing multiplies sizes by it).
    A padding expression pads the four sides alike, as ImageKit's `pa` does; it may be 0."""
    values = {"bw": base[0], "bh": base[1], "bar": base[0] / base[1],
              "iw": natural[0], "ih": natural[1], "iar": natural[0] / natural[1],
              "cw": natural[0], "ch": natural[1], "car": natural[0] / natural[1]}
    changes: dict[str, object] = {}
    for name, key, low, high in SIZE_FIELDS:
        value = getattr(overlay, name)
        if not isinstance(value, Expression):
            continue
        result = value.evaluate(values, key)
        if not low <= result <= high:
            raise ParamError(key, f"the expression comes to {result:g}: it must come to "
                             f"{low} to {high} pixels")
        pixels = result / dpr
        if name == "box_pads":
            changes[name] = (pixels,) * 4
        else:
            changes[name] = max(1.0, pixels) if name in ("w", "h") else max(1, round(pixels))
    return replace(overlay, **changes)


def _offset(value: object, key: str, box: tuple[int, int], base: tuple[int, int],
            dpr: float) -> int:
    """An offset in CSS pixels times dpr, or an ImageKit expression (`lx-bw_mul_0.5`) in
    output pixels: bw, bh the base image's, iw, ih (and cw, ch) the layer's own."""
    if not isinstance(value, Expression):
        assert isinstance(value, int | float)
        return round(value * dpr)
    values = {"bw": base[0], "bh": base[1], "bar": base[0] / base[1],
              "iw": box[0], "ih": box[1], "iar": box[0] / box[1],
              "cw": box[0], "ch": box[1], "car": box[0] / box[1]}
    result = value.evaluate(values, key)
    if abs(result) > MAX_OFFSET:
        raise ParamError(key, f"the expression comes to {result:g}, past {MAX_OFFSET} pixels")
    return round(result)


def _aligned(word: str, words: tuple[str, str, str], size: int, room: int, pad: int) -> int:
    start, middle, _ = words
    if word == start:
        at = pad
    elif word == middle:
        at = (room - size) // 2
    else:
        at = room - size - pad
    return max(0, min(at, room - size)) if size <= room else 0


def on_canvas(size: tuple[int, int], canvas: tuple[int, int], gravity: tuple[str, ...]) -> Position:
    """The top-left corner of a `size` picture on a larger `canvas`: centred, or against
    the edges `gravity` names (top, bottom, left, right)."""
    x = (canvas[0] - size[0]) // 2
    y = (canvas[1] - size[1]) // 2
    if "left" in gravity:
        x = 0
    elif "right" in gravity:
        x = canvas[0] - size[0]
    if "top" in gravity:
        y = 0
    elif "bottom" in gravity:
        y = canvas[1] - size[1]
    return x, y
