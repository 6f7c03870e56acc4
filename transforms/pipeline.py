"""render(): original bytes + spec -> encoded output, as an ordered list of steps.

Each step is a plain function of the Context, in its own module under
transforms/steps/. Adding a step (an overlay after resize, say) is adding
one line to STEPS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transforms.context import Context
from transforms.errors import ImageError, ParamError
from transforms.formats import CONTENT_TYPES
from transforms.spec import Limits, TransformSpec
from transforms.steps.background import apply_background
from transforms.steps.effects import apply_effects
from transforms.steps.finalize import ENCODERS, encode
from transforms.steps.load import open_image, scale_on_load
from transforms.steps.orient import orient
from transforms.steps.pad import pad
from transforms.steps.plan import plan_layout
from transforms.steps.rect import locate_rect
from transforms.steps.resize import resize
from transforms.steps.rotate_flip import rotate_flip

Step = Callable[[Context], None]

STEPS: tuple[Step, ...] = (
    open_image,  # header only: format, size, frames, orientation; limits checked
    plan_layout,  # every size from the header: output limit, decode size
    scale_on_load,  # decode (JPEG at a reduced DCT scale when enough)
    orient,  # EXIF orientation, or `orient`
    locate_rect,  # `rect` in decoded pixels
    resize,  # fit mode + gravity crop, one resample
    apply_effects,  # blur, sharp (before padding, so padding stays crisp)
    pad,  # fit=fill canvas
    rotate_flip,  # flip, rot
    apply_background,  # bg under transparency; flatten for JPEG
    encode,  # output format, no metadata
)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    width: int
    height: int


def render(data: bytes, spec: TransformSpec, fmt: str, limits: Limits) -> Rendered:
    """Transform an original. Pure and blocking: the app runs it in a worker thread.

    `fmt` comes from formats.choose_format. Raises ParamError (a parameter
    does not fit this image) or ImageError (the original is not usable);
    Pillow's own exceptions do not escape.
    """
    if fmt not in ENCODERS:
        raise ParamError("fm", f"{fmt} is not supported")
    ctx = Context(data=data, spec=spec, fmt=fmt, limits=limits)
    try:
        for step in STEPS:
            step(ctx)
    except MemoryError:
        raise ImageError("image is too large to process") from None
    img = ctx.image
    return Rendered(ctx.output, CONTENT_TYPES[fmt], img.width, img.height)
