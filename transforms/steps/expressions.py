"""Resolve ImageKit's arithmetic expressions (transforms.expressions) once the image is known.

Right after the header is read (or the stage before handed its picture on), `w`, `h`,
the border's width and cm-extract's region (`x`, `y`, or a corner derived from `xc`,
`yc`), where written as expressions or derived from one (`ar` beside an expression),
become numbers: iw, ih (the original, upright), cw, ch (this stage's picture), bw, bh
(the same, outside a layer). A size comes out as whole pixels, at least 1 (an expression
is never a fraction of the image, as a plain 0.5 is); a region's corner as whole pixels
from 0; a negative size answers 400.
"""

from __future__ import annotations

from typing import Any

from transforms.context import Context
from transforms.errors import ParamError
from transforms.expressions import is_deferred

MAX_SIDE = 16384  # as the dialects bound w and h
MAX_BORDER = 1000  # as they bound a border
MAX_CORNER = 99999  # as the dialect bounds x and y
RECT_KEYS = ("x", "y", "w", "h")
TRANSPOSED = frozenset({5, 6, 7, 8})  # EXIF orientations that swap the sides


def resolve_expressions(ctx: Context) -> None:
    if ctx.initial_size is None:
        w, h = ctx.stored_size
        ctx.initial_size = (h, w) if ctx.orientation in TRANSPOSED else (w, h)
    spec = ctx.spec
    names = _deferred(spec)
    if not names:
        return
    current = ctx.img.size if ctx.img is not None else ctx.initial_size
    values = _variables(ctx.initial_size, current)
    changes: dict[str, Any] = {}
    for name in names:
        if name == "frame.border":
            width, colour = spec.frame.border  # type: ignore[misc]
            changes[name] = (_pixels(width.evaluate(values, "b"), "b", 0, MAX_BORDER), colour)
        elif name == "size.rect":
            changes[name] = _rect(spec.size.rect, values)
        else:
            key = name.rpartition(".")[2]
            changes[name] = float(_pixels(spec.get(name).evaluate(values, key), key, 1, MAX_SIDE))
    ctx.spec = spec.with_fields(changes)


def _deferred(spec: Any) -> list[str]:
    """The fields, by dotted name, that hold an expression or a Formula of them."""
    names = [name for name, value in (("size.w", spec.size.w), ("size.h", spec.size.h))
             if is_deferred(value)]
    border = spec.frame.border
    if border is not None and is_deferred(border[0]):
        names.append("frame.border")
    rect = spec.size.rect
    if rect is not None and any(is_deferred(value) for value in rect):
        names.append("size.rect")  # resolved whole (_rect)
    return names


def _rect(rect: Any, values: dict[str, float]) -> tuple[float, float, float, float]:
    """cm-extract's region (x, y, w, h) in pixels: its corner from 0, its sides from 1."""
    out = []
    for key, value in zip(RECT_KEYS, rect, strict=True):
        if not is_deferred(value):
            out.append(float(value))
            continue
        number = value.evaluate(values, key)
        if key in ("x", "y"):  # a corner from a centre may come out left of 0: the edge
            out.append(float(min(max(0, round(number)), MAX_CORNER)))
        else:
            out.append(float(_pixels(number, key, 1, MAX_SIDE)))
    return (out[0], out[1], out[2], out[3])


def _variables(initial: tuple[int, int], current: tuple[int, int]) -> dict[str, float]:
    (iw, ih), (cw, ch) = initial, current
    return {"iw": iw, "ih": ih, "iar": iw / ih, "cw": cw, "ch": ch, "car": cw / ch,
            "bw": cw, "bh": ch, "bar": cw / ch}


def _pixels(value: float, key: str, low: int, high: int) -> int:
    if value < 0:
        raise ParamError(key, f"the expression comes to {value:g}, not a size")
    pixels = max(low, round(value))
    if pixels > high:
        raise ParamError(key, f"the expression comes to {pixels}, over {high} pixels")
    return pixels
