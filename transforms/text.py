"""Text overlays: the fonts Signet ships, chosen by name, and one line of text drawn as a layer.

Fonts come only from transforms/fonts/ (DejaVu, see its LICENSE) and Pillow's bundled
Aileron, looked up by name: a URL never names a file, so it can never make us open one.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from transforms.placement import Position, place
from transforms.spec import Overlay

FONT_DIR = Path(__file__).parent / "fonts"
DEFAULT_FAMILY = "sans-serif"
# family -> (regular face, bold face). None as the regular face is Pillow's bundled font;
# None as the bold face thickens the regular one with a stroke of the text's own colour.
FAMILIES: dict[str, tuple[str | None, str | None]] = {
    "sans-serif": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", None),
    "monospace": ("DejaVuSansMono.ttf", None),
    "aileron": (None, None),
}
# The names imgix users write, mapped to the closest family we have, so their URLs keep working.
ALIASES = {
    "sans": "sans-serif",
    "dejavu sans": "sans-serif",
    "helvetica": "sans-serif",
    "helvetica neue": "sans-serif",
    "arial": "sans-serif",
    "dejavu serif": "serif",
    "times": "serif",
    "times new roman": "serif",
    "georgia": "serif",
    "mono": "monospace",
    "dejavu sans mono": "monospace",
    "courier": "monospace",
    "courier new": "monospace",
    "menlo": "monospace",
}
STYLES = ("regular", "normal", "bold")
# A drop shadow: offset and blur grow with the font size; txt-shad (1-10) sets the blur.
SHADOW_OFFSET = 1 / 16
SHADOW_BLUR_PER_UNIT = 1 / 60
SHADOW_ALPHA = 0.7
FAKE_BOLD_STROKE = 1 / 28  # of the font size
# The characters of Unicode's bidirectional class B (paragraph separators). raqm's layout
# fails on any of them ("raqm_layout() failed"); the text is one line, so each is a space.
# tests/test_hostile_text.py checks this list against unicodedata.
PARAGRAPH_SEPARATORS = "\n\r\x1c\x1d\x1e\x85\u2029"
_ONE_LINE = str.maketrans(dict.fromkeys(PARAGRAPH_SEPARATORS, " "))


def font_name(value: str) -> str:
    """The canonical name of a `txt-font` value: `Helvetica Neue,Bold` -> `sans-serif,bold`.

    Raises ValueError with a message listing what is accepted.
    """
    family, _, style = (part.strip() for part in value.lower().partition(","))
    family = ALIASES.get(family, family)
    if family not in FAMILIES:
        names = ", ".join([*FAMILIES, *ALIASES])
        raise ValueError(f"unknown font {value!r}; expected one of {names}")
    if style and style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected {', '.join(STYLES)}")
    return f"{family},bold" if style == "bold" else family


@dataclass(frozen=True)
class Face:
    font: ImageFont.FreeTypeFont
    stroke: int  # pixels of synthetic bold, 0 for a real face
    # FreeType faces are not safe to use from two threads at once; renders run in a pool.
    lock: threading.Lock


@lru_cache(maxsize=64)
def load_face(name: str, pixels: int) -> Face:
    """A font by canonical name (see font_name) at a pixel size, loaded once per process."""
    family, _, style = name.partition(",")
    regular, bold = FAMILIES[family or DEFAULT_FAMILY]
    file = bold if style == "bold" and bold else regular
    if file is None:
        font = ImageFont.load_default(size=pixels)
    else:
        font = ImageFont.truetype(FONT_DIR / file, pixels)
    assert isinstance(font, ImageFont.FreeTypeFont), "Pillow was built without FreeType"
    stroke = max(1, round(pixels * FAKE_BOLD_STROKE)) if style == "bold" and not bold else 0
    return Face(font, stroke, threading.Lock())


def text_layer(overlay: Overlay, base: tuple[int, int], dpr: float) -> tuple[Image.Image, Position]:
    """The text of `overlay` as an RGBA layer, and where its top-left corner goes on `base`.

    One line, in the font's pixel size times dpr, no taller than the base. Text wider than
    the base (less the padding) is cut at the padding: long text is clipped, never refused.
    """
    pixels = max(1, min(round(overlay.size * dpr), base[1]))
    pad = round(overlay.pad * dpr)
    room = max(1, base[0] - 2 * pad)
    face = load_face(overlay.font or DEFAULT_FAMILY, pixels)
    with face.lock:
        text = _fitting_prefix(face.font, overlay.text.translate(_ONE_LINE), room)
        ascent, descent = face.font.getmetrics()
        width = min(room, math.ceil(face.font.getlength(text)) + 2 * face.stroke)
        height = min(base[1], ascent + descent + 2 * face.stroke)
        margin = _shadow_margin(overlay.shadow, pixels)
        size = (width + 2 * margin, height + 2 * margin)
        coverage = Image.new("L", size, 0)
        ImageDraw.Draw(coverage).text(
            (margin + face.stroke, margin + face.stroke),
            text,
            fill=255,
            font=face.font,
            stroke_width=face.stroke,
            stroke_fill=255,
        )
    # The clip to width x height keeps the padding free even when the shadow is wider.
    inside = Image.new("L", size, 0)
    inside.paste(coverage.crop((0, 0, margin + width, margin + height)), (0, 0))
    layer = _coloured(inside, overlay.color)
    if overlay.shadow:
        layer = Image.alpha_composite(_shadow(inside, overlay.shadow, pixels), layer)
    x, y = place((width, height), base, overlay, dpr)
    return layer, (x - margin, y - margin)


def _fitting_prefix(font: ImageFont.FreeTypeFont, text: str, room: int) -> str:
    """The longest start of `text` that reaches past `room` pixels by at most one character.

    Bounds the work (a 2000-character txt costs what fits, not a 60000-pixel bitmap) while
    still showing the last letter cut at the edge, so clipping looks like clipping.
    """
    if font.getlength(text) <= room:
        return text
    low, high = 0, len(text)  # getlength(text[:low]) <= room < getlength(text[:high])
    while high - low > 1:
        middle = (low + high) // 2
        if font.getlength(text[:middle]) <= room:
            low = middle
        else:
            high = middle
    return text[:high]


def _coloured(coverage: Image.Image, colour: tuple[int, int, int, int]) -> Image.Image:
    layer = Image.new("RGBA", coverage.size, colour[:3] + (0,))
    alpha = colour[3]
    layer.putalpha(coverage if alpha == 255 else coverage.point(lambda v: v * alpha // 255))
    return layer


def _shadow_margin(shadow: int, pixels: int) -> int:
    if not shadow:
        return 0
    return math.ceil(pixels * SHADOW_OFFSET + 3 * shadow * pixels * SHADOW_BLUR_PER_UNIT) + 1


def _shadow(coverage: Image.Image, shadow: int, pixels: int) -> Image.Image:
    offset = max(1, round(pixels * SHADOW_OFFSET))
    moved = Image.new("L", coverage.size, 0)
    moved.paste(coverage, (offset, offset))
    blurred = moved.filter(ImageFilter.GaussianBlur(shadow * pixels * SHADOW_BLUR_PER_UNIT))
    return _coloured(blurred, (0, 0, 0, round(255 * SHADOW_ALPHA)))
