"""The imgix dialect's animation parameters: `frame`, `fps`, `loop`, `reverse`, `skip`,
`interval` (imgix's "animation" group; transforms.animation applies them).

Values as imgix's parameters.json (tests/vendor) and docs give them:
- `frame`: `N` (that frame, as a still), or a range `M-N`, `M-` (to the end), `-N` (from
  the first); frames count from 1. A frame past the original's last answers 400 then
  (transforms.animation), a range's end past it is the last frame.
- `fps` 1-60 (imgix's suggested range): every kept frame lasts 1/fps seconds.
- `loop` 0-65535: how many times the animation repeats, 0 forever.
- `reverse`: the frames in reverse order.
- `skip=N` (2 or more): drops every Nth frame, starting with the first (frames 1, 1+N, ...);
  imgix allows 1, which would drop every frame, so Signet refuses it.
- `interval=N` (1 or more): keeps every Nth frame, starting with the first.
`skip` and `interval` together are refused: each alone says which frames stay.
"""

from __future__ import annotations

from transforms.dialects.imgix_output import parse_boolean
from transforms.errors import ParamError
from transforms.spec import Limits, TransformSpec
from transforms.spec.animation import MAX_FPS, MAX_LOOP
from transforms.values import Invalid, Parameter, integer

RANGE_HELP = "must be a frame number from 1, or a range M-N, M- or -N"


def parse_frame(value: str, limits: Limits) -> tuple[int, int]:
    first, dash, last = value.partition("-")
    try:
        if not dash:
            number = integer(value, 1, limits.max_frames)
            return (number, number)
        start = integer(first, 1, limits.max_frames) if first else 1
        end = integer(last, 1, limits.max_frames) if last else 0
    except Invalid:
        raise Invalid(f"{RANGE_HELP}, at most {limits.max_frames}") from None
    if not first and not last:
        raise Invalid(RANGE_HELP)
    if end and end < start:
        raise Invalid("the range must not end before it starts")
    return (start, end)


def parse_fps(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_FPS)


def parse_loop(value: str, limits: Limits) -> int:
    return integer(value, 0, MAX_LOOP)


def parse_skip(value: str, limits: Limits) -> int:
    try:
        return integer(value, 2, limits.max_frames)
    except Invalid:
        raise Invalid(
            f"must be an integer from 2 to {limits.max_frames} (skip=1 would drop every frame)"
        ) from None


def parse_interval(value: str, limits: Limits) -> int:
    return integer(value, 1, limits.max_frames)


ANIMATION_PARAMETERS: dict[str, Parameter] = {
    "frame": Parameter("animation.frames", parse_frame),
    "fps": Parameter("animation.fps", parse_fps),
    "loop": Parameter("animation.loop", parse_loop),
    "reverse": Parameter("animation.reverse", parse_boolean),
    "skip": Parameter("animation.skip", parse_skip),
    "interval": Parameter("animation.interval", parse_interval),
}


def check_animation(spec: TransformSpec) -> None:
    if spec.animation.skip is not None and spec.animation.interval is not None:
        raise ParamError("skip", "cannot be combined with interval")
