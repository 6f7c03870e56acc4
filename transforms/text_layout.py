"""Laying text out in a box: measuring with tracking, clipping a line, wrapping words.

Every loop here is bounded by the text's length (at most the query's value limit), and
measuring is binary-searched where a line is cut, so long text costs what fits.
"""

from __future__ import annotations

from PIL import ImageFont

ELLIPSIS = "\u2026"
Font = ImageFont.FreeTypeFont


def measure(font: Font, text: str, track: int = 0) -> float:
    """The advance width of `text`; with tracking, letter by letter plus the spacing."""
    if not track:
        return font.getlength(text)
    if not text:
        return 0.0
    return sum(font.getlength(c) for c in text) + track * (len(text) - 1)


def clip_line(font: Font, text: str, room: int, clip: tuple[str, ...], track: int = 0) -> str:
    """`text` cut to `room` pixels as txt-clip says: at the end (default), the start or the
    middle, with an ellipsis where it was cut if "ellipsis" is in `clip`.

    Without an ellipsis, cutting at the end keeps one letter past the edge (the layer
    crops it), so clipped text looks clipped rather than shorter.
    """
    if measure(font, text, track) <= room:
        return text
    mark = ELLIPSIS if "ellipsis" in clip else ""
    where = "start" if "start" in clip else "middle" if "middle" in clip else "end"

    def candidate(keep: int) -> str:
        if where == "end":
            return text[:keep] + mark
        if where == "start":
            return mark + text[len(text) - keep :] if keep else mark
        head = (keep + 1) // 2
        return text[:head] + mark + text[len(text) - (keep - head) :] if keep else mark

    low, high = 0, len(text)  # candidate(low) fits (or low is 0), candidate(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        if measure(font, candidate(middle), track) <= room:
            low = middle
        else:
            high = middle
    if where == "end" and not mark:
        return candidate(high)  # one letter over, cut by the layer's edge
    return candidate(low)


def wrap(font: Font, text: str, room: int, clip: tuple[str, ...], track: int = 0) -> list[str]:
    """Greedy word wrap into lines of at most `room` pixels, breaking at spaces (a query
    cannot carry a newline: control characters are refused); a word wider than the box
    is clipped as `clip` says."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if measure(font, trial, track) <= room:
            current = trial
            continue
        if current:
            lines.append(current)
        current = word if measure(font, word, track) <= room else clip_line(
            font, word, room, clip, track
        )
    lines.append(current)
    return lines
