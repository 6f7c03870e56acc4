"""The fonts Signet ships, chosen by name: what `txt-font` (imgix) and `ff` (ImageKit) may
name, and the faces loaded for them.

Fonts come only from transforms/fonts/ (DejaVu, see its LICENSE) and Pillow's bundled
Aileron, looked up by name: a URL never names a file, so it can never make us open one.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

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
# imgix's own font list is PostScript names (`Georgia-BoldItalic`, `Arial-BoldMT`, about a
# thousand): each maps to the closest family and weight Signet ships, by these words.
POSTSCRIPT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}(?:--?[A-Za-z0-9_]{1,63}){0,3}")
MONO_WORDS = ("mono", "courier", "menlo", "typewriter", "consol", "andale", "code")
SERIF_WORDS = ("serif", "times", "georgia", "garamond", "baskerville", "didot", "palatino",
               "bodoni", "cochin", "hoefler", "charter", "bookman", "cambria", "minion",
               "caslon", "chancery", "mincho", "myungjo", "songti", "plantagenet", "iowan")
BOLD_WORDS = ("bold", "black", "heavy")
FAKE_BOLD_STROKE = 1 / 28  # of the font size: a synthetic bold


def font_name(value: str) -> str:
    """The canonical name of a `txt-font` value: `Helvetica Neue,Bold` -> `sans-serif,bold`.

    Raises ValueError with a message listing what is accepted.
    """
    family, _, style = (part.strip() for part in value.lower().partition(","))
    family = ALIASES.get(family, family)
    if family not in FAMILIES and not style and POSTSCRIPT_NAME.fullmatch(value):
        return _postscript_family(value.lower())
    if family not in FAMILIES:
        names = ", ".join([*FAMILIES, *ALIASES])
        raise ValueError(f"unknown font {value!r}; expected one of {names}")
    if style and style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected {', '.join(STYLES)}")
    return f"{family},bold" if style == "bold" else family


def _postscript_family(name: str) -> str:
    """`georgia-bolditalic` -> `serif,bold`: imgix's font names, by their family's kind."""
    base, _, style = name.partition("-")
    sans = "sans" in base
    if any(word in base for word in MONO_WORDS):
        family = "monospace"
    elif not sans and any(word in base for word in SERIF_WORDS):
        family = "serif"
    else:
        family = DEFAULT_FAMILY
    bold = any(word in style or word in base for word in BOLD_WORDS) and "semi" not in style
    return f"{family},bold" if bold else family


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
