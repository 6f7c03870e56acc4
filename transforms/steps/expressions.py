"""Resolve ImageKit's arithmetic expressions (transforms.expressions) once the image is known.

Right after the header is read (or the stage before handed its picture on), `w`, `h`
and the border's width, where written as expressions, become numbers: iw, ih (the
original, upright), cw, ch (this stage's picture), bw, bh (the same, outside a layer).
A size comes out as whole pixels, at least 1 (an expression is never a fraction of the
image, as a plain 0.5 is); a negative size answers 400.
"""

from __future__ import annotations

from typing import Any

from transforms.context import Context
from transforms.errors import ParamError
from transforms.expressions import Expression

MAX_SIDE = 16384  # as the dialects bound w and h
MAX_BORDER = 1000  # as they bound a border
TRANSPOSED = frozenset({5, 6, 7, 8})  # EXIF orientations that swap the sides


def resolve_expressions(ctx: Context) -> None:
    if ctx.initial_size is None:
        w, h = ctx.stored_size
        ctx.initial_size = (h, w) if ctx.orientation in TRANSPOSED else (w, h)
    spec = ctx.spec
    found = _expressions(spec)
    if not found:
        return
    current = ctx.img.size if ctx.img is not None else ctx.initial_size
    values = _variables(ctx.initial_size, current)
    changes: dict[str, Any] = {}
    for name, expr in found.items():
        if name == "frame.border":
            width, colour = spec.frame.border  # type: ignore[misc]
            changes[name] = (_pixels(expr.evaluate(values, "b"), "b", 0, MAX_BORDER), colour)
        else:
            key = name.rpartition(".")[2]
            changes[name] = float(_pixels(expr.evaluate(values, key), key, 1, MAX_SIDE))
    ctx.spec = spec.with_fields(changes)


def _expressions(spec: Any) -> dict[str, Expression]:
    found: dict[str, Expression] = {}
    for name, value in (("size.w", spec.size.w), ("size.h", spec.size.h)):
        if isinstance(value, Expression):
            found[name] = value
    border = spec.frame.border
    if border is not None and isinstance(border[0], Expression):
        found["frame.border"] = border[0]
    return found


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
