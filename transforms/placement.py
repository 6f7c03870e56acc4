"""Where an overlay goes on the base image: alignment, padding and absolute offsets; where
a picture goes on a padded canvas."""

from __future__ import annotations

from transforms.spec import Overlay

Position = tuple[int, int]


def place(box: tuple[int, int], base: tuple[int, int], overlay: Overlay, dpr: float) -> Position:
    """The top-left corner of a `box`-sized overlay on a `base`-sized image.

    Padding (times dpr, like every overlay size) keeps the box off the edges it is
    aligned to; an aligned box that fits stays wholly inside even when the padding
    does not fit. `x`/`y` (times dpr) replace the alignment on their axis and are
    taken as given: whatever falls outside the base is clipped.
    """
    pad = round(overlay.pad * dpr)
    vertical, horizontal = overlay.align
    x = _aligned(horizontal, ("left", "center", "right"), box[0], base[0], pad)
    y = _aligned(vertical, ("top", "middle", "bottom"), box[1], base[1], pad)
    if overlay.x is not None:
        x = round(overlay.x * dpr)
        if overlay.x_end:
            x = base[0] - box[0] - x
    if overlay.y is not None:
        y = round(overlay.y * dpr)
        if overlay.y_end:
            y = base[1] - box[1] - y
    return x, y


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
