"""fit=facearea: the picture becomes the area around one face, then is sized as fit=crop.

The face is the `faceindex`-th (from 1, largest first) that transforms.faces finds on the
whole upright picture (the same cache as crop=faces). Its box is scaled by `facepad`
about its centre (1.0: the detector's box; imgix's default), widened or heightened to
the shape of `w` x `h` when both are given, shrunk to fit the picture, and moved inside
it. Without that face (none found, or fewer than `faceindex`) the whole picture is used,
as fit=crop would. `rect` is not applied with fit=facearea. The original is decoded whole
(plan_frame turns shrink-on-load off), so a small face keeps its detail.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from transforms.context import Context
from transforms.faces import digest, faces_in
from transforms.geometry import target_size
from transforms.steps.plan_frame import cut_original


def frame_face_area(ctx: Context) -> None:
    spec = ctx.spec
    if spec.size.fit != "facearea":
        return
    img = ctx.image
    width, height = img.size

    def sample(long_side: int) -> Image.Image:
        ratio = long_side / max(width, height)
        size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0).convert("L")

    # The key resize uses for the whole picture (crop=faces, face-blur, ...): one detection.
    shown = (0, 0, *ctx.shown_size)
    key = None
    if ctx.data:
        key = (digest(ctx.data), ctx.stored_size, shown, ctx.orientation, ctx.cuts)
    found = faces_in(key, sample)
    ctx.spec = replace(spec, size=replace(spec.size, fit="crop", rect=None))
    if len(found) >= spec.size.faceindex:
        tw, th = target_size(spec, (width, height))
        ratio = tw / th if tw is not None and th is not None else None
        box = face_box(found[spec.size.faceindex - 1], (width, height), spec.size.facepad, ratio)
    else:
        box = None  # no such face: the whole picture
    cut_original(ctx, box)  # from here the face area is the original


def face_box(
    face: tuple[float, float, float, float],
    size: tuple[int, int],
    pad: float,
    ratio: float | None,
) -> tuple[int, int, int, int]:
    """The pixel box to keep: `face` (fractions) scaled by `pad`, to `ratio` (w / h)."""
    width, height = size
    cx, cy = (face[0] + face[2]) / 2 * width, (face[1] + face[3]) / 2 * height
    bw, bh = (face[2] - face[0]) * width * pad, (face[3] - face[1]) * height * pad
    if ratio is not None:
        bw, bh = (bh * ratio, bh) if bw / bh < ratio else (bw, bw / ratio)
    if bw > width:
        bw, bh = width, (width / ratio if ratio is not None else bh)
    if bh > height:
        bw, bh = (height * ratio if ratio is not None else bw), height
    bw, bh = max(1, round(bw)), max(1, round(bh))
    x = min(max(round(cx - bw / 2), 0), width - bw)
    y = min(max(round(cy - bh / 2), 0), height - bh)
    return (x, y, x + bw, y + bh)
