"""Animation: which frames of an animated original are kept, in what order, how fast, and how
often the result repeats (imgix's "animation" group)."""

from __future__ import annotations

from dataclasses import dataclass

# GIF and WebP store the loop count in 16 bits.
MAX_LOOP = 65_535
MAX_FPS = 60  # imgix's suggested range is 1-60


@dataclass(frozen=True)
class Animation:
    """Defaults mean "the animation as it is": every frame, the original's timing and loop.

    `frames` is the 1-based range `frame=` selects, (first, last), last 0 for "to the end";
    a range of one frame (`frame=2`) answers that frame as a still. Applied in this order
    (transforms.animation.selected_frames): the range, then `skip` or `interval` within it,
    then `reverse`; `fps` then replaces every kept frame's duration, `loop` the repeat count.
    """

    frames: tuple[int, int] | None = None
    fps: int | None = None  # None: each frame keeps its own duration
    loop: int | None = None  # 0: forever; None: the original's
    reverse: bool = False
    skip: int | None = None  # drop frames 1, 1 + N, 1 + 2N, ... of the range
    interval: int | None = None  # keep frames 1, 1 + N, 1 + 2N, ... of the range
