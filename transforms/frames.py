"""Which frames of an animated original a render keeps (imgix's `frame`, `skip`, `interval`,
`reverse`), from the frame count the file's structure declares; transforms.animation
renders them, the load step seeks to the one a still shows."""

from __future__ import annotations

import struct

from transforms.errors import ParamError
from transforms.formats import sniff
from transforms.spec import Limits, TransformSpec
from transforms.spec.animation import Animation
from transforms.structure import count_frames

ANIMATED_ORIGINALS = ("gif", "webp")  # sniffed formats whose frames are kept


def frame_count(data: bytes, limits: Limits) -> int:
    """The frames of a GIF or WebP original, counted from its structure (bounded); 1 for
    any other format. Raises ImageError past `max_frames`."""
    if sniff(data) not in ANIMATED_ORIGINALS:
        return 1
    try:
        return count_frames(data, limits.max_frames) or 1
    except (struct.error, IndexError, ValueError, OverflowError):  # damaged: the load says so
        return 1


def selected_frames(count: int, animation: Animation) -> list[int]:
    """The frames kept (0-based), in output order: `frame`'s range, then `skip` or
    `interval` within it, then `reverse`. Raises ParamError for a frame past the last."""
    first, last = animation.frames or (1, 0)
    if first > count:
        raise ParamError("frame", f"the image has {count} frame{'s' if count > 1 else ''}")
    end = count if last == 0 else min(last, count)
    kept = list(range(first - 1, end))
    if animation.skip is not None:
        kept = [frame for position, frame in enumerate(kept) if position % animation.skip]
    elif animation.interval is not None:
        kept = kept[:: animation.interval]
    if not kept:  # a range of one frame that skip drops
        raise ParamError("skip", "leaves none of the frames asked for")
    if animation.reverse:
        kept.reverse()
    return kept


def still_frame(data: bytes, spec: TransformSpec, limits: Limits) -> int:
    """The frame a still output of this original shows (0-based): the first one kept."""
    if spec.animation == Animation():
        return 0
    count = frame_count(data, limits)
    return selected_frames(count, spec.animation)[0] if count > 1 else 0
