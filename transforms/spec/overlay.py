"""Overlay: a watermark or a text drawn over the image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Overlay:
    """A layer drawn over the resized image: an image watermark or a text.

    Both URL dialects parse into this (imgix `mark*`/`txt*`, ImageKit `l-image`/`oi-`).
    Sizes and offsets are in CSS pixels of the output: the pipeline multiplies them by
    the spec's dpr, so a dpr=2 output gets a mark twice as many pixels wide.
    """

    kind: str  # "image", "text", or "canvas" (a solid `color` box of w x h: ImageKit's ik_canvas)
    path: str = ""  # image: a path in the same source, or "source-name:path"
    text: str = ""
    # Pixels when >= 1, a fraction of the base image in (0, 1); or an ImageKit expression
    # (transforms.expressions.Expression: `w-bw_mul_0.2`), resolved when the layer is drawn.
    w: Any = None
    h: Any = None
    scale: float | None = None  # percent of the base image's width
    align: tuple[str, str] = ("bottom", "right")  # (top|middle|bottom, left|center|right)
    pad: int = 5
    x: int | None = None  # absolute offsets from the top left, overriding align
    y: int | None = None
    # x from the right edge, y from the bottom one (ImageKit's lx-N20): the layer's right
    # (bottom) edge that many pixels inside the base's.
    x_end: bool = False
    y_end: bool = False
    # text: a box of this colour behind it, box_pad pixels around the text (ImageKit's
    # l-text bg and pa).
    box_color: tuple[int, int, int, int] | None = None
    box_pad: int = 0
    alpha: int = 100  # 0-100
    tile: bool = False  # repeat across the whole image
    size: Any = 12  # text: font size in pixels (int), or an ImageKit expression (`fs-bh_div_10`)
    color: tuple[int, int, int, int] = (0, 0, 0, 255)  # text colour, RGBA
    font: str = ""  # text: a font name from the fonts Signet ships
    shadow: float = 0  # text: shadow strength (0-10, decimals allowed), 0 for none
    fit: str = ""  # image: clip (""), crop, fill, max, scale in w x h; text: "max" shrinks
    rot: float = 0  # image: degrees clockwise
    min_w: int | None = None  # image: drawn only on a base at least this wide (output pixels)
    min_h: int | None = None
    text_width: Any = None  # text: the box width (int), wrapping the text in it; or an expression
    clip: tuple[str, ...] = ("end",)  # text: where a line too long is cut, and "ellipsis"
    lead: int = 0  # text: extra pixels between lines
    track: int = 0  # text: extra pixels between letters (may be negative)
    line: int = 0  # text: outline width, 0 for none
    line_color: tuple[int, int, int, int] = (255, 255, 255, 255)  # text: outline colour
    # ImageKit layers. The layer's own transformations: TransformSpec stages the pipeline
    # runs on the layer's picture (the sized mark, the text and its box, the canvas)
    # before it is placed; their overlays are nested layers, placed on the layer.
    # (Any, not TransformSpec: transform.py imports this module.)
    layer: tuple[Any, ...] = ()
    mode: str = ""  # how the layer meets the picture: "" covers it; multiply, cutter, cutout,
    # displace (transforms.layer_modes), which moves the picture's pixels by up to
    displace: tuple[int, int] = (0, 0)  # (x, y) pixels (times dpr): ImageKit's x- and y-
    # lap-center on an axis: the offset is from the base's centre to the layer's.
    x_mid: bool = False
    y_mid: bool = False
    # lxc, lyc: x (y) is where the layer's centre goes, not its left (top) edge.
    x_centred: bool = False
    y_centred: bool = False
    inner: str = ""  # text: lines aligned in a block text_width wide (left|center|right)
    line_height: Any = None  # text: pixels from one line's top to the next's; or an expression
    italic: bool = False  # text: slanted (a sheared face: Signet ships no italic font)
    strike: bool = False  # text: a line through each line of text
    # text: the box's padding per side (top, right, bottom, left), replacing box_pad; or
    # an expression for all four (ImageKit's `pa-bh_mul_0.05`), resolved when drawn
    box_pads: Any = None
