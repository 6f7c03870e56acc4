"""Making room for border and padding inside the requested size, and a full decode for trim."""

from __future__ import annotations

import math

from transforms.context import Context
from transforms.errors import ParamError
from transforms.frame_layout import frame_insets, framed_size
from transforms.geometry import Layout, decode_size_for_layout, layout, target_size
from transforms.sides import MAX_OUTPUT_SIDE, clamp_output
from transforms.steps.plan import plan_layout


def plan_frame(ctx: Context) -> None:
    """Shrink the planned picture so picture + padding + border fit the requested w and h.

    Without w or h, border and padding are added around the picture instead. Trim needs
    the original's every pixel to find its edges, so it turns shrink-on-load off.
    """
    spec = ctx.spec
    if spec.frame.trim is not None or spec.size.fit == "facearea":  # steps/face_area.py
        ctx.decode_size = None
    left, top, right, bottom = insets = frame_insets(spec)
    if not any(insets):
        return
    plan = ctx.planned
    source = ctx.rect[2:]
    tw, th = target_size(spec, source)
    if tw is not None or th is not None:
        inner_w = None if tw is None else tw - left - right
        inner_h = None if th is None else th - top - bottom
        if (inner_w is not None and inner_w < 1) or (inner_h is not None and inner_h < 1):
            name = "pad" if spec.frame.border is None else "border"
            raise ParamError(name, "border and padding leave no room for the picture")
        inner = spec.with_fields(
            {
                "size.w": None if inner_w is None else float(inner_w),
                "size.h": None if inner_h is None else float(inner_h),
                "size.dpr": 1.0,
            }
        )
        plan = layout(inner, source)
    # As plan_layout does for the picture: picture + frame over the output limits is
    # scaled down to fit (imgix clamps), the frame kept at its size.
    plan = _clamp_framed(clamp_output(plan, spec, ctx.limits.max_output_pixels), insets, ctx)
    ctx.layout = plan
    if ctx.decode_size is not None:
        ctx.decode_size = decode_size_for_layout(plan, ctx.shown_size, ctx.orientation)


def _clamp_framed(plan: Layout, insets: tuple[int, int, int, int], ctx: Context) -> Layout:
    left, top, right, bottom = insets
    fw, fh = framed_size(plan.canvas, insets)
    max_pixels = ctx.limits.max_output_pixels
    if max(fw, fh) <= MAX_OUTPUT_SIDE and fw * fh <= max_pixels:
        return plan
    room_w, room_h = MAX_OUTPUT_SIDE - left - right, MAX_OUTPUT_SIDE - top - bottom
    if room_w < 1 or room_h < 1 or (left + right + 1) * (top + bottom + 1) > max_pixels:
        name = "pad" if ctx.spec.frame.border is None else "border"
        raise ParamError(name, "border and padding alone are over the output limits")
    cw, ch = plan.canvas
    lr, tb = left + right, top + bottom
    # The largest scale with (cw*s + lr) * (ch*s + tb) <= max_pixels: a quadratic in s.
    qa, qb, qc = cw * ch, cw * tb + ch * lr, lr * tb - max_pixels
    by_pixels = (-qb + math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
    scale = min(room_w / cw, room_h / ch, by_pixels)
    canvas = (max(1, math.floor(cw * scale)), max(1, math.floor(ch * scale)))
    rw, rh = plan.resized
    resized = (
        min(canvas[0], max(1, math.floor(rw * scale))),
        min(canvas[1], max(1, math.floor(rh * scale))),
    )
    return Layout(plan.keep, resized, canvas)


def cut_original(ctx: Context, box: tuple[int, int, int, int] | None) -> None:
    """Cut `box` out of the picture (None: keep it whole) and plan again as if it were the
    original (trim, fit=facearea): it is already upright, and the cut is part of the
    faces' cache key."""
    if box is not None:
        ctx.img = ctx.image.crop(box)
        ctx.cuts = (*ctx.cuts, box)
    ctx.stored_size = ctx.img.size
    ctx.orientation = 1
    plan_layout(ctx)
    plan_frame(ctx)
