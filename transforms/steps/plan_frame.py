"""Making room for border and padding inside the requested size, and a full decode for trim."""

from __future__ import annotations

from transforms.context import Context
from transforms.errors import ParamError
from transforms.frame_layout import frame_insets, framed_size
from transforms.geometry import check_output, decode_size_for_layout, layout, target_size


def plan_frame(ctx: Context) -> None:
    """Shrink the planned picture so picture + padding + border fit the requested w and h.

    Without w or h, border and padding are added around the picture instead. Trim needs
    the original's every pixel to find its edges, so it turns shrink-on-load off.
    """
    spec = ctx.spec
    if spec.frame.trim is not None:
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
        ctx.layout = plan
        if ctx.decode_size is not None:
            ctx.decode_size = decode_size_for_layout(plan, ctx.shown_size, ctx.orientation)
    try:
        check_output(spec, framed_size(plan.canvas, insets), ctx.limits)
    except ParamError as err:
        if tw is not None or th is not None or err.param == "rot":
            raise
        # No size was asked for: the frame is what makes the output too large.
        name = "pad" if spec.frame.border is None else "border"
        raise ParamError(name, str(err).partition(": ")[2]) from None
