"""The state one render carries from step to step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from PIL import Image

from transforms.geometry import Layout
from transforms.spec import Limits, TransformSpec

Box = tuple[float, float, float, float]


class MarkData(NamedTuple):
    """A watermark's (or a mask's, a blend's) original as the app fetched it: a render is
    given these beside its own original (Context.marks)."""

    data: bytes
    validator: str  # changes when the bytes change; unique across sources


@dataclass
class Context:
    """Everything the steps share. Steps read and replace fields; nothing else does.

    Coordinates: `stored_size` is the file's own pixel grid; `shown_size` the
    grid after orientation, where rect and gravity are expressed. The decoded
    image may be smaller than the shown grid (shrink-on-load), so `region` is
    kept in the current image's pixels.
    """

    data: bytes
    spec: TransformSpec
    fmt: str
    limits: Limits
    img: Image.Image | None = None
    stored_size: tuple[int, int] = (0, 0)
    shown_size: tuple[int, int] = (0, 0)
    orientation: int = 1
    icc_profile: bytes | None = None
    rect: tuple[int, int, int, int] = (0, 0, 0, 0)  # in shown pixels, clamped
    layout: Layout | None = None
    decode_size: tuple[int, int] | None = None
    region: Box | None = None  # the rect in the current image's pixels
    focal: tuple[float, float] | None = None  # the focal point in the resized image (fp-debug)
    output: bytes = b""
    marks: Mapping[str, MarkData] = field(default_factory=dict)  # overlay path -> its original
    initial_size: tuple[int, int] | None = None  # the original's, upright (expressions' iw, ih)
    # Runs a layer's own stages (Overlay.layer) on its picture: set by the pipeline, which
    # the steps cannot import (it imports them).
    render_layer: Callable[[Image.Image, tuple[TransformSpec, ...]], Image.Image] | None = None
    # What a step decides from the pixels (a trim box, an entropy crop), kept for the render:
    # an animation's first frame decides for the others (transforms.animation).
    memo: dict[str, Any] = field(default_factory=dict)
    # The boxes trim and fit=facearea cut, in order, each in the pixels of the picture it
    # cut: a part of the faces' cache key (the same size cut elsewhere is another picture).
    cuts: tuple[tuple[int, int, int, int], ...] = ()
    # The detected faces in the resized picture's pixels (x0, y0, x1, y1), largest first;
    # filled by resize only when a step needs them (transforms.faces.needs_faces).
    faces: tuple[Box, ...] = ()

    @property
    def image(self) -> Image.Image:
        """The decoded image; steps after loading can rely on it."""
        assert self.img is not None, "no image loaded yet"
        return self.img

    @property
    def planned(self) -> Layout:
        assert self.layout is not None, "layout not planned yet"
        return self.layout
