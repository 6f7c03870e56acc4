"""render(): original bytes + spec -> encoded output, as an ordered list of steps.

Each step is a plain function of the Context, in its own module under
transforms/steps/. Adding a step (an overlay after resize, say) is adding
one line to STEPS.

A chain (ImageKit's `tr=w-400:rt-90:w-200`) runs STEPS once per stage, each on the
picture the stage before left: a later stage starts from that image (carry_over, in place
of open_image) and only the last one encodes, so nothing is re-encoded in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from transforms import animation, svg
from transforms.context import Context
from transforms.errors import ImageError, ParamError, TooSlow
from transforms.formats import CONTENT_TYPES, sniff
from transforms.frames import frame_count
from transforms.marks import MarkData
from transforms.metadata import metadata_document
from transforms.spec import Chain, Limits, TransformSpec
from transforms.steps.adjust import adjust_colours
from transforms.steps.background import apply_background
from transforms.steps.blend import apply_blend
from transforms.steps.border import frame_picture
from transforms.steps.carry import carry_over
from transforms.steps.colour_replace import replace_colour
from transforms.steps.colour_space import convert_colour_space
from transforms.steps.distort import distort
from transforms.steps.effects import apply_effects
from transforms.steps.expressions import resolve_expressions
from transforms.steps.face_area import frame_face_area
from transforms.steps.face_effects import apply_face_effects
from transforms.steps.fill import fill_canvas
from transforms.steps.finalize import DOCUMENTS, ENCODERS, encode
from transforms.steps.focal_debug import draw_focal_point
from transforms.steps.gradient import draw_gradient
from transforms.steps.load import open_image, scale_on_load
from transforms.steps.mask import apply_mask
from transforms.steps.opacity import apply_opacity
from transforms.steps.orient import orient
from transforms.steps.overlay import draw_overlays
from transforms.steps.pad import pad
from transforms.steps.plan import plan_layout
from transforms.steps.plan_frame import plan_frame
from transforms.steps.quantize import quantize_colours
from transforms.steps.rect import locate_rect
from transforms.steps.resize import resize
from transforms.steps.rotate_flip import rotate_flip
from transforms.steps.shadow import cast_shadow
from transforms.steps.stylize import stylize
from transforms.steps.transparency import show_transparency
from transforms.steps.trim import trim_original

Step = Callable[[Context], None]

STEPS: tuple[Step, ...] = (
    open_image,  # header only: format, size, frames, orientation; limits checked
    resolve_expressions,  # ImageKit's w-iw_div_2 and the like, now that the size is known
    plan_layout,  # every size from the header: output limit, decode size
    plan_frame,  # room for border and padding inside w x h; full decode for trim
    scale_on_load,  # decode (JPEG at a reduced DCT scale when enough)
    orient,  # EXIF orientation, or `orient`
    trim_original,  # trim, then plan again for the trimmed picture
    frame_face_area,  # fit=facearea: the area around a face, then plan again
    locate_rect,  # `rect` in decoded pixels
    resize,  # fit mode + gravity crop, one resample
    apply_face_effects,  # auto=redeye, face-pixel, face-blur on the faces found
    convert_colour_space,  # cs, on the output's pixels
    adjust_colours,  # bri, con, exp, gam, shad, high, hue, sat, vib, invert, auto=enhance
    replace_colour,  # ImageKit's cr
    apply_effects,  # blur, noise reduction, usm, sharp (before padding, so it stays crisp)
    stylize,  # monochrome, sepia, duotone, halftone, pixellate
    apply_blend,  # blend: a colour or an image, by blend-mode
    draw_gradient,  # ImageKit's e-gradient, over the picture
    draw_focal_point,  # fp-debug: the focal point and a grid, over the cropped picture
    fill_canvas,  # fit=fill canvas by `fill` (solid, blur, gradient)
    pad,  # fit=fill canvas in `bg`
    apply_mask,  # mask: ellipse, corners, image
    frame_picture,  # pad*, border*
    rotate_flip,  # flip, rot
    distort,  # ImageKit's e-distort: perspective or arc
    cast_shadow,  # ImageKit's e-shadow, under the opaque pixels
    apply_opacity,  # ImageKit's o (on bg when given)
    show_transparency,  # transparency=grid
    apply_background,  # bg under transparency; flatten for JPEG
    draw_overlays,  # watermarks and texts, at the output's dpr
    quantize_colours,  # colorquant, png8
    encode,  # output format (or a blurhash, a palette), no metadata
)
# A stage before the last decides fills and transparency as for a lossless output with
# alpha: the final format (a JPEG's white) applies once, at the end.
INTERMEDIATE_FORMAT = "png"


def _stage_steps(first: bool, last: bool) -> tuple[Step, ...]:
    steps = STEPS if first else tuple(carry_over if s is open_image else s for s in STEPS)
    return steps if last else tuple(s for s in steps if s is not encode)


# (first stage, last stage) -> its steps; a one-stage render runs STEPS as they are.
STAGE_STEPS = {(f, la): _stage_steps(f, la) for f in (True, False) for la in (True, False)}
# A frame of an animation (transforms.animation): decoded before, encoded with the others.
FRAME_STEPS = {
    key: tuple(s for s in steps if s not in (open_image, scale_on_load, encode))
    for key, steps in STAGE_STEPS.items()
}


@dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    width: int
    height: int


def render(
    data: bytes,
    spec: TransformSpec | Chain,
    fmt: str,
    limits: Limits,
    marks: Mapping[str, MarkData] | None = None,
) -> Rendered:
    """Transform an original. Pure and blocking: the app runs it in a worker thread.

    `spec` is a chain of stages, or one spec. `fmt` comes from formats.choose_format.
    Raises ParamError (a parameter does not fit this image) or ImageError (the original
    is not usable); Pillow's own exceptions do not escape. `marks` maps each image
    overlay's path to its original (the app fetches them through the sources).
    """
    chain = spec if isinstance(spec, Chain) else Chain.of(spec)
    if chain.original:
        return _untouched(data, chain.final, fmt, limits)
    if fmt == "json":
        return _metadata(data, chain.final, limits)
    if fmt == "svg":
        return _svg_itself(data, chain.final, limits)
    if fmt not in ENCODERS and fmt not in DOCUMENTS:
        raise ParamError("fm", f"{fmt} is not supported")
    stages = chain.stages
    last = len(stages) - 1
    marks = marks or {}
    # Python cannot stop a thread, so a render abandoned by its requester stops itself:
    # between steps, once past the limit (one limit for all the stages, layers' too).
    deadline = time.monotonic() + limits.max_seconds if limits.max_seconds else None

    def layer(img: Image.Image, layer_stages: tuple[TransformSpec, ...]) -> Image.Image:
        return _layer_pixels(img, layer_stages, limits, marks, deadline, layer)

    try:
        if animation.animates(data, stages[0], fmt, limits):

            def run_frame(ctx: Context, memos: list[dict[str, Any]]) -> Context:
                ctx.render_layer = layer
                return _run_stages(ctx, stages, fmt, deadline, FRAME_STEPS, memos)

            memos: list[dict[str, Any]] = [{} for _ in stages]
            body, width, height = animation.render_frames(
                data, stages[0], INTERMEDIATE_FORMAT if last else fmt, limits, marks,
                run_frame, memos, deadline,
            )
            return Rendered(body, CONTENT_TYPES[fmt], width, height)
        ctx = Context(
            data=data, spec=stages[0], fmt=fmt if last == 0 else INTERMEDIATE_FORMAT,
            limits=limits, marks=marks, render_layer=layer,
        )
        ctx = _run_stages(ctx, stages, fmt, deadline, STAGE_STEPS, [{} for _ in stages])
    except MemoryError:
        raise ImageError("image is too large to process") from None
    img = ctx.image
    return Rendered(ctx.output, CONTENT_TYPES[fmt], img.width, img.height)


def _run(ctx: Context, steps: tuple[Step, ...], deadline: float | None) -> None:
    for step in steps:
        if deadline is not None and time.monotonic() > deadline:
            raise TooSlow(f"the render took over {ctx.limits.max_seconds:g} seconds")
        step(ctx)


def _run_stages(
    ctx: Context,
    stages: tuple[TransformSpec, ...],
    fmt: str,
    deadline: float | None,
    steps: Mapping[tuple[bool, bool], tuple[Step, ...]],
    memos: list[dict[str, Any]],
) -> Context:
    """Run each stage's steps on `ctx` (the first stage's), each later stage on the
    picture the one before left; returns the last stage's Context."""
    last = len(stages) - 1
    ctx.memo = memos[0]
    for index, stage in enumerate(stages):
        if index:
            ctx = Context(
                data=b"", spec=stage, fmt=fmt if index == last else INTERMEDIATE_FORMAT,
                limits=ctx.limits, marks=ctx.marks, img=ctx.image, icc_profile=ctx.icc_profile,
                initial_size=ctx.initial_size, memo=memos[index],
                render_layer=ctx.render_layer,
            )
        _run(ctx, steps[index == 0, index == last], deadline)
    return ctx


def _layer_pixels(
    img: Image.Image,
    stages: tuple[TransformSpec, ...],
    limits: Limits,
    marks: Mapping[str, MarkData],
    deadline: float | None,
    layer: Callable[[Image.Image, tuple[TransformSpec, ...]], Image.Image],
) -> Image.Image:
    """An ImageKit layer's own transformations (Overlay.layer): the stages run on the
    layer's picture as on a chain's later stage (no decode, no encode), its nested layers
    drawn on it. A copy is worked on: `img` may be a cached mark other renders share."""
    img = img.copy()
    for stage in stages:
        ctx = Context(
            data=b"", spec=stage, fmt=INTERMEDIATE_FORMAT, limits=limits, marks=marks,
            img=img, initial_size=img.size, render_layer=layer,
        )
        _run(ctx, STAGE_STEPS[False, False], deadline)
        img = ctx.image
    return img if img.mode == "RGBA" else img.convert("RGBA")


def _metadata(data: bytes, spec: TransformSpec, limits: Limits) -> Rendered:
    """fm=json: the original's facts from its header; the pixels are never decoded, except
    for faces=1 (_faces_found)."""
    # A plain spec: `orient` must not change what the document says of the file.
    ctx = Context(data=data, spec=TransformSpec(), fmt="json", limits=limits)
    open_image(ctx)
    frames = frame_count(data, limits)  # a bounded walk, counted once already
    faces = _faces_found(data, spec, limits) if spec.output.faces else None
    body = metadata_document(ctx.image, data, ctx.orientation, frames, faces)
    return Rendered(body, CONTENT_TYPES["json"], *ctx.stored_size)


def _faces_found(data: bytes, spec: TransformSpec, limits: Limits) -> list[dict[str, Any]]:
    """faces=1: the faces of the picture as the URL's size, fit, crop and rect leave it (the
    original's own pixels when it asks for none), in those pixels, largest first. Padding,
    borders and rotation after the resize are not counted."""
    ctx = Context(data=data, spec=spec, fmt="png", limits=limits)
    try:
        for step in STEPS[: STEPS.index(resize) + 1]:
            step(ctx)
    except MemoryError:
        raise ImageError("image is too large to process") from None
    return [
        {"bounds": {"x": _px(x0), "y": _px(y0), "width": _px(x1 - x0), "height": _px(y1 - y0)}}
        for x0, y0, x1, y1 in ctx.faces
    ]


def _px(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def _svg_itself(data: bytes, spec: TransformSpec, limits: Limits) -> Rendered:
    """rasterize-bypass: the SVG, sanitised (transforms.svg) unless svg-sanitize=false asks
    for the stored bytes. Either way it must parse as SVG, within the limits."""
    clean, (width, height) = svg.sanitise(data)
    body = clean if spec.source.svg_sanitize else data
    return Rendered(body, CONTENT_TYPES["svg"], round(width), round(height))


def _untouched(data: bytes, spec: TransformSpec, fmt: str, limits: Limits) -> Rendered:
    """ImageKit's orig-true: the stored bytes as they are, once the header shows a usable image.

    The header checks still run, so orig-true cannot be used to serve a file that
    is not an image (or a decompression bomb) under an image content type.
    """
    if sniff(data) != fmt:
        raise ImageError("not a decodable image: the format is not recognised")
    ctx = Context(data=data, spec=spec, fmt=fmt, limits=limits)
    open_image(ctx)
    return Rendered(data, CONTENT_TYPES[fmt], *ctx.stored_size)
