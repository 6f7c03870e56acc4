"""Working out every size from the header alone, before paying for a decode."""

from __future__ import annotations

from transforms.context import Context
from transforms.geometry import clamp_rect, decode_size_for_layout, layout, oriented_size
from transforms.sides import clamp_output


def plan_layout(ctx: Context) -> None:
    """Resolve the rect, apply the fit mode, clamp to the output limits, size the decode.

    An output over the limits (8192 pixels a side, max_output_pixels) is scaled down to
    fit rather than refused, as imgix clamps: a srcset's widest entry still answers.
    """
    spec = ctx.spec
    ctx.shown_size = oriented_size(ctx.stored_size, ctx.orientation)
    ctx.rect = clamp_rect(spec.size.rect, ctx.shown_size)
    plan = layout(spec, ctx.rect[2:])
    ctx.layout = clamp_output(plan, spec, ctx.limits.max_output_pixels)
    ctx.decode_size = decode_size_for_layout(ctx.layout, ctx.shown_size, ctx.orientation)
