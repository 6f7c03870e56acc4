"""Animated GIF and WebP originals: every kept frame through the pipeline, then one encode.

An animation stays animated when the output can animate (`fm=gif`, `fm=webp`, or the
original's own format) and more than one frame is kept; any other output (JPEG, PNG, AVIF,
a document) is one frame, the first kept, as imgix answers (the load step seeks to it).

How a frame goes through. The whole step list runs per frame rather than the geometry once
and the pixel steps per frame: measured on a 20-frame 500 x 500 GIF to w=300 (0.86 s),
decoding took 40%, resizing 40%, the encode 20%, and every other step together (planning
included) 5 ms, under 1%, so planning once would save nothing worth a second code path.
- Frames are decoded one at a time, in file order (Pillow's seek composes each onto the
  canvas as the original's disposal and blending say), so a frame is a whole picture and
  memory holds one canvas at a time, never the whole animation at full size.
- Each kept frame runs the single-frame step list (pipeline.FRAME_STEPS: all but the
  decode and the encode), so every parameter works on an animation as on a still. What a
  step decides from the pixels (the trim box, the entropy or face crop) is decided on the
  first kept frame and reused for the others (Context.memo), so the frames stay one size
  and the crop does not wander.
- The outputs (small: a GIF's as palette frames, a byte a pixel) are kept until the
  encode. Together they stay within `max_decoded_pixels` at the output size: an animation
  whose output frames would hold more is scaled down, as an output over max_output_pixels.
- Timing: each frame keeps its duration (or 1/fps s); the animation plays as many times as
  the original does (or `loop` + 1 times: _loop_count), in either container. The encoder
  writes each frame whole over the last (GIF disposal 2 when the frames have transparency),
  which shows what the original's disposal showed. A GIF encoder merges consecutive
  identical frames into one longer frame.

Bounds, before any frame is decoded (the load step's open_checked): the frames are counted
from the file's structure (at most `max_frames`), and width x height x frames is at most
`max_input_pixels`. The render's time limit is checked between frames as between steps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from PIL import Image

from transforms.context import Context, MarkData
from transforms.errors import ImageError, TooSlow
from transforms.frames import frame_count, selected_frames
from transforms.modes import to_working_mode
from transforms.spec import Limits, TransformSpec
from transforms.spec.animation import MAX_LOOP
from transforms.steps.finalize import encode_frames, stored_frame
from transforms.steps.load import DECODE_ERRORS, check_decoded, exif_orientation, open_checked

ANIMATED_OUTPUTS = frozenset({"gif", "webp"})
# A frame's run through the steps: its Context in, the Context the last stage left out.
RunFrame = Callable[[Context, list[dict[str, Any]]], Context]


def animates(data: bytes, spec: TransformSpec, fmt: str, limits: Limits) -> bool:
    """Whether this render keeps the original's animation: an animated GIF or WebP, an
    output that can animate, and more than one frame kept."""
    if fmt not in ANIMATED_OUTPUTS:
        return False
    count = frame_count(data, limits)
    return count > 1 and len(selected_frames(count, spec.animation)) > 1


def render_frames(
    data: bytes,
    spec: TransformSpec,
    fmt: str,
    limits: Limits,
    marks: Mapping[str, MarkData],
    run: RunFrame,
    memos: list[dict[str, Any]],
    deadline: float | None,
) -> tuple[bytes, int, int]:
    """Encode the kept frames of an animated original, each run through `run` (the
    pipeline's steps for a frame, every stage of a chain). `spec` and `fmt` are the first
    stage's; the last stage's Context names the output format. Returns the encoded bytes
    and the output's size. `deadline` (time.monotonic) is the render's, checked between
    frames (and, by `run`, between steps)."""
    img = open_checked(data, limits, spec.source)  # frames and pixels checked, nothing decoded
    order = selected_frames(frame_count(data, limits), spec.animation)
    wanted = set(order)
    budget = max(1, limits.max_decoded_pixels // len(order))
    frame_limits = replace(limits, max_output_pixels=min(limits.max_output_pixels, budget))
    orientation = spec.rotation.orient or exif_orientation(img)
    icc_profile = img.info.get("icc_profile")
    plays = _plays(img)
    check_decoded(img, limits)
    outputs: dict[int, Image.Image] = {}
    durations: dict[int, int] = {}
    last: Context | None = None
    for index in range(max(wanted) + 1):
        if deadline is not None and time.monotonic() > deadline:
            raise TooSlow(f"the render took over {limits.max_seconds:g} seconds")
        try:
            img.seek(index)
            img.load()
        except DECODE_ERRORS:
            raise ImageError("not a decodable image: a frame is truncated or damaged") from None
        if index not in wanted:
            continue
        picture = to_working_mode(img, icc_profile)
        if picture is img:  # the steps may draw on it; the decoder composes on img
            picture = img.copy()
        ctx = Context(
            data=data, spec=spec, fmt=fmt, limits=frame_limits, marks=marks, img=picture,
            stored_size=img.size, orientation=orientation, icc_profile=icc_profile,
            memo=memos[0],
        )
        last = run(ctx, memos)
        outputs[index] = stored_frame(last.fmt, last.image)
        durations[index] = int(img.info.get("duration") or 0)
    assert last is not None
    frames = [outputs[index] for index in order]
    # The encoders need one size for all frames. Context.memo holds every step to the first
    # frame's decisions, so this resize is only a safety net.
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    wanted_fps = spec.animation.fps
    timing = [round(1000 / wanted_fps) if wanted_fps else durations[i] for i in order]
    if spec.animation.loop is not None:  # repeats after the first play; 0 forever
        plays = spec.animation.loop and spec.animation.loop + 1
    body = encode_frames(last, frames, timing, _loop_count(last.fmt, plays))
    return body, *frames[0].size


# Loop counts: how often an animation plays, 0 for forever. The containers count differently:
# a GIF's NETSCAPE count N plays N + 1 times (browsers repeat it N times; no count: once), a
# WebP's loop count N plays N times. Converting keeps the number of plays.


def _plays(img: Image.Image) -> int:
    loop = img.info.get("loop")
    if img.format == "GIF":
        return 1 if loop is None else loop and loop + 1
    return int(loop or 0)


def _loop_count(fmt: str, plays: int) -> int | None:
    """The container's count for `plays` (None: a GIF written without one, which plays once)."""
    if fmt == "gif":
        return None if plays == 1 else max(0, plays - 1)
    return min(plays, MAX_LOOP)
