"""Where to cut when fit=crop or fit=min keeps only part of the source (`crop=`).

Precedence when several words are given: focalpoint, then faces, then entropy, then
edges, then the directions (top/bottom/left/right), then center.

`faces` (transforms.faces, after focalpoint) centres the kept box on the union of the
faces found, clamped to the picture; without a face it falls back to the other words
given alongside it, else center, as imgix does.

`edges` keeps the window with the most edge energy: Pillow's FIND_EDGES on a grey copy
EDGE_SIDE pixels on its long side (values under EDGE_FLOOR, noise, dropped), summed
along the free axis, every position tried.
Windows within EDGE_TIE of the best are tied, and the directions given alongside
decide among them (left/top: the first, right/bottom: the last, else the most central),
so a plain picture, where every window ties, crops as the directions alone would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from transforms.faces import FaceBox, union
from transforms.spec import TransformSpec

# The entropy search runs on a small grey copy: enough detail to tell busy
# from plain, cheap at any source size.
SAMPLE_SIDE = 128
ENTROPY_POSITIONS = 24
EDGE_SIDE = 256
EDGE_TIE = 0.01  # windows within 1% of the most edge energy are tied
EDGE_FLOOR = 12  # FIND_EDGES of a step of 4 grey levels: weaker is noise


def gravity_offset(
    spec: TransformSpec,
    source: tuple[int, int],
    keep: tuple[float, float],
    sample: Callable[[int], Image.Image],
    faces: Callable[[], tuple[FaceBox, ...]] = lambda: (),
) -> tuple[float, float]:
    """The top-left corner of the kept `keep` box inside `source`, in source pixels.

    `sample(long_side)` returns the source region as a small L-mode image;
    it is called only for crop=entropy. `faces()` returns the region's faces (fractions);
    it is called only for crop=faces.
    """
    free_x, free_y = max(0.0, source[0] - keep[0]), max(0.0, source[1] - keep[1])
    if not free_x and not free_y:
        return (0.0, 0.0)
    words = set(spec.size.crop)
    if "focalpoint" in words:
        return (
            _clamp(spec.size.fp_x * source[0] - keep[0] / 2, free_x),
            _clamp(spec.size.fp_y * source[1] - keep[1] / 2, free_y),
        )
    if "faces" in words and (found := faces()):
        x0, y0, x1, y1 = union(found)
        return (
            _clamp((x0 + x1) / 2 * source[0] - keep[0] / 2, free_x),
            _clamp((y0 + y1) / 2 * source[1] - keep[1] / 2, free_y),
        )
    if "entropy" in words:
        small = sample(SAMPLE_SIDE)
        x = _entropy_offset(small, 0, keep[0] / source[0]) * source[0] if free_x else 0.0
        y = _entropy_offset(small, 1, keep[1] / source[1]) * source[1] if free_y else 0.0
        return (_clamp(x, free_x), _clamp(y, free_y))
    if "edges" in words:
        edges = np.asarray(sample(EDGE_SIDE).filter(ImageFilter.FIND_EDGES), dtype=np.float64)
        edges[[0, -1], :] = edges[:, [0, -1]] = 0  # the filter's own answer at the border
        edges[edges < EDGE_FLOOR] = 0  # rounding and compression noise are not edges
        x = y = 0.0
        if free_x:
            x = _edge_offset(edges.sum(axis=0), keep[0] / source[0], _bias(words, "left", "right"))
        if free_y:
            y = _edge_offset(edges.sum(axis=1), keep[1] / source[1], _bias(words, "top", "bottom"))
        return (_clamp(x * source[0], free_x), _clamp(y * source[1], free_y))
    return (
        _directional(words, "left", "right", free_x),
        _directional(words, "top", "bottom", free_y),
    )


def _clamp(value: float, free: float) -> float:
    return min(max(value, 0.0), free)


def _directional(words: set[str], start: str, end: str, free: float) -> float:
    if start in words:
        return 0.0
    if end in words:
        return free
    return free / 2


def _bias(words: set[str], start: str, end: str) -> str:
    return "start" if start in words else "end" if end in words else "center"


def _edge_offset(profile: np.ndarray, window: float, bias: str) -> float:
    """The start (a fraction of the axis) of the window of `window` (a fraction) holding
    the most of `profile` (edge energy per column or row); ties go by `bias`."""
    length = len(profile)
    span = max(1, round(length * window))
    last = length - span
    if last <= 0:
        return 0.0
    sums = np.concatenate(([0.0], np.cumsum(profile)))
    energy = sums[span:] - sums[: last + 1]  # energy[p]: the window starting at p
    tied = np.flatnonzero(energy >= energy.max() * (1 - EDGE_TIE))
    if bias == "start":
        best = tied[0]
    elif bias == "end":
        best = tied[-1]
    else:
        best = tied[np.argmin(np.abs(tied - last / 2))]
    return float(best) / length if best < last else 1.0 - window


def _entropy_offset(small: Image.Image, axis: int, window: float) -> float:
    """The start (as a fraction of the axis) of the busiest window along one axis."""
    length = small.size[axis]
    span = max(1, round(length * window))
    last = length - span
    if last <= 0:
        return 0.0
    steps = min(ENTROPY_POSITIONS, last)
    positions = sorted(
        {round(last * i / steps) for i in range(steps + 1)},
        key=lambda p: abs(p - last / 2),  # on a tie the most central window wins
    )
    best, best_entropy = positions[0], -1.0
    for p in positions:
        box = (p, 0, p + span, small.height) if axis == 0 else (0, p, small.width, p + span)
        entropy = small.crop(box).entropy()
        if entropy > best_entropy + 1e-9:
            best, best_entropy = p, entropy
    return best / length
