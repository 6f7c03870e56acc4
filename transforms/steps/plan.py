"""Working out every size from the header alone, before paying for a decode."""

from __future__ import annotations

from transforms.context import Context
from transforms.geometry import (
    Layout,
    check_output,
    clamp_rect,
    decode_size_for_layout,
    fit_within_pixels,
    layout,
    oriented_size,
)
from transforms.sides import check_sides, fit_within_side


def plan_layout(ctx: Context) -> None:
    """Clamp the rect, apply the fit mode, check the output limit, size the decode."""
    spec = ctx.spec
    ctx.shown_size = oriented_size(ctx.stored_size, ctx.orientation)
    ctx.rect = clamp_rect(spec.size.rect, ctx.shown_size)
    plan = layout(spec, ctx.rect[2:])
    if spec.size.w is None and spec.size.h is None:
        # No size was asked for, so no parameter is to blame for a huge
        # original: answer it shrunk to the output limit rather than refuse.
        fitted = fit_within_pixels(plan.canvas, ctx.limits.max_output_pixels)
        fitted = fit_within_side(fitted, ctx.fmt)
        if fitted != plan.canvas:
            plan = Layout(plan.keep, fitted, fitted)
    check_output(spec, plan.canvas, ctx.limits)
    check_sides(spec, plan.canvas, ctx.fmt)
    ctx.layout = plan
    ctx.decode_size = decode_size_for_layout(plan, ctx.shown_size, ctx.orientation)
