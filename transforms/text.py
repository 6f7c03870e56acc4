"""Text overlays: text drawn as a layer, in a face transforms.font_names chose by name."""

from __future__ import annotations

import math
from dataclasses import replace

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from transforms.font_names import DEFAULT_FAMILY, Face, load_face
from transforms.placement import Position, place
from transforms.spec import Overlay
from transforms.text_layout import clip_line, measure, wrap

# A drop shadow: offset and blur grow with the font size; txt-shad (1-10) sets the blur.
SHADOW_OFFSET = 1 / 16
SHADOW_BLUR_PER_UNIT = 1 / 60
SHADOW_ALPHA = 0.7
SLANT = 0.2  # italic: pixels of lean per pixel of height (about 11 degrees)
STRIKE_THICKNESS = 1 / 14  # of the font size
STRIKE_HEIGHT = 0.3  # a strikethrough's middle above the baseline, of the font size
# The characters of Unicode's bidirectional class B (paragraph separators). raqm's layout
# fails on any of them ("raqm_layout() failed"); the text is one line, so each is a space.
# tests/app/test_hostile_errors.py checks this list against unicodedata.
PARAGRAPH_SEPARATORS = "\n\r\x1c\x1d\x1e\x85\u2029"
_ONE_LINE = str.maketrans(dict.fromkeys(PARAGRAPH_SEPARATORS, " "))


def text_layer(overlay: Overlay, base: tuple[int, int], dpr: float) -> tuple[Image.Image, Position]:
    """The text of `overlay` as an RGBA layer, and where its top-left corner goes on `base`.

    In the font's pixel size times dpr, no taller than the base. Without `text_width` the
    text is one line, cut where `clip` says when wider than the base less the padding
    (long text is clipped, never refused). With `text_width` (times dpr, at most that
    room) the words wrap into lines `lead` pixels apart, aligned within the block as the
    horizontal `align` says; lines past the base's height are left out. `fit=max` shrinks
    the font until the text fits instead. `track` spaces the letters (then drawn one by
    one, without kerning), `line` outlines them in `line_color`. ImageKit's keys:
    `line_height` (times dpr) spaces the lines top to top in place of `lead`; `inner` makes
    the block the whole `text_width` wide, its lines aligned in it that way; `italic`
    slants each line about its baseline (a shear: no italic face ships); `strike` draws
    a line through each line.
    """
    if overlay.text.translate(_ONE_LINE) != overlay.text:  # separators raqm cannot lay out
        overlay = replace(overlay, text=overlay.text.translate(_ONE_LINE))
    pad = round(overlay.pad * dpr)
    room = max(1, base[0] - 2 * pad)
    if overlay.text_width is not None:
        room = max(1, min(room, round(overlay.text_width * dpr)))
    track, lead, line = (round(v * dpr) for v in (overlay.track, overlay.lead, overlay.line))
    pixels = max(1, min(round(overlay.size * dpr), base[1]))
    if overlay.fit == "max":
        box = (room, max(1, base[1] - 2 * pad))
        pixels = _fitting_size(overlay, pixels, box, track, lead, line)
    face = load_face(overlay.font or DEFAULT_FAMILY, pixels)
    edge = face.stroke + line
    with face.lock:
        lines = _lines(face.font, overlay, room, track)
        ascent, descent = face.font.getmetrics()
        line_height = ascent + descent + 2 * edge
        step = line_height + lead
        if overlay.line_height is not None:
            step = max(1, round(overlay.line_height * dpr))
        count = max(1, min(len(lines), (base[1] - line_height) // step + 1))
        lines = lines[:count]
        slant = math.ceil(line_height * SLANT) if overlay.italic else 0
        widths = [
            max(1, min(room, math.ceil(measure(face.font, t, track)) + 2 * edge + slant))
            for t in lines
        ]
        width = room if overlay.inner else max(widths)
        height = min(base[1], (count - 1) * step + line_height)
        margin = _shadow_margin(overlay.shadow, pixels)
        size = (width + 2 * margin, height + 2 * margin)
        fill = Image.new("L", size, 0)
        outline = Image.new("L", size, 0) if line else None
        for i, text in enumerate(lines):
            x = margin + edge + _indent(overlay.inner or overlay.align[1], width, widths[i])
            y = margin + edge + i * step
            box = (widths[i], line_height)
            _draw_line(fill, (x, y), box, text, face, face.stroke, track, overlay)
            if outline is not None:
                _draw_line(outline, (x, y), box, text, face, edge, track, overlay)
            if overlay.strike:
                thick = max(1, round(pixels * STRIKE_THICKNESS))
                middle = y + ascent - round(pixels * STRIKE_HEIGHT)
                top = middle - thick // 2
                right = x + widths[i] - 2 * edge - slant - 1
                ImageDraw.Draw(fill).rectangle((x, top, right, top + thick - 1), fill=255)
    # The clip to width x height keeps the padding free even when the shadow is wider.
    fill = _inside(fill, margin + width, margin + height)
    layer = _coloured(fill, overlay.color)
    if outline is not None:
        outline = _inside(outline, margin + width, margin + height)
        layer = Image.alpha_composite(_coloured(outline, overlay.line_color), layer)
    if overlay.shadow:
        shape = outline if outline is not None else fill
        layer = Image.alpha_composite(_shadow(shape, overlay.shadow, pixels), layer)
    x, y = place((width, height), base, overlay, dpr)
    return layer, (x - margin, y - margin)


def _lines(font: ImageFont.FreeTypeFont, overlay: Overlay, room: int, track: int) -> list[str]:
    if overlay.text_width is None:
        return [clip_line(font, overlay.text, room, overlay.clip, track)]
    return wrap(font, overlay.text, room, overlay.clip, track)


def _fitting_size(
    overlay: Overlay, pixels: int, room: tuple[int, int], track: int, lead: int, line: int
) -> int:
    """The largest font size up to `pixels` at which the text fits in `room` uncut
    (a binary search: at most about ten sizes are tried)."""

    def fits(size: int) -> bool:
        face = load_face(overlay.font or DEFAULT_FAMILY, size)
        edge = face.stroke + line
        with face.lock:
            if overlay.text_width is None:
                lines = [overlay.text]
            else:
                lines = wrap(face.font, overlay.text, max(1, room[0] - 2 * edge), ("end",), track)
            if any(measure(face.font, t, track) + 2 * edge > room[0] for t in lines):
                return False
            ascent, descent = face.font.getmetrics()
            return len(lines) * (ascent + descent + 2 * edge + lead) - lead <= room[1]

    if fits(pixels):
        return pixels
    low, high = 1, pixels  # fits(high) is False; low is the answer when nothing fits
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _indent(horizontal: str, width: int, line_width: int) -> int:
    if horizontal == "left":
        return 0
    if horizontal == "center":
        return (width - line_width) // 2
    return width - line_width


def _draw_line(
    coverage: Image.Image, at: tuple[int, int], box: tuple[int, int], text: str, face: Face,
    stroke: int, track: int, overlay: Overlay,
) -> None:
    """One line of text at `at`; slanted (italic) by a shear about its own baseline."""
    if not overlay.italic:
        _draw(coverage, at, text, face, stroke, track)
        return
    line = Image.new("L", box, 0)
    _draw(line, (0, 0), text, face, stroke, track)
    ascent = face.font.getmetrics()[0]
    # Output x takes input x + SLANT * (y - baseline): the top leans right.
    shift = SLANT * ascent
    line = line.transform(box, Image.Transform.AFFINE, (1, SLANT, -shift, 0, 1, 0),
                          Image.Resampling.BILINEAR)
    coverage.paste(line, at, line)


def _draw(
    coverage: Image.Image, at: tuple[int, int], text: str, face: Face, stroke: int, track: int
) -> None:
    draw = ImageDraw.Draw(coverage)
    if not track:
        draw.text(at, text, fill=255, font=face.font, stroke_width=stroke, stroke_fill=255)
        return
    x, y = at
    for char in text:
        if x >= coverage.width:
            break  # the rest would be cut anyway
        draw.text((x, y), char, fill=255, font=face.font, stroke_width=stroke, stroke_fill=255)
        x += face.font.getlength(char) + track


def _inside(coverage: Image.Image, right: int, bottom: int) -> Image.Image:
    inside = Image.new("L", coverage.size, 0)
    inside.paste(coverage.crop((0, 0, right, bottom)), (0, 0))
    return inside


def _coloured(coverage: Image.Image, colour: tuple[int, int, int, int]) -> Image.Image:
    layer = Image.new("RGBA", coverage.size, colour[:3] + (0,))
    alpha = colour[3]
    layer.putalpha(coverage if alpha == 255 else coverage.point(lambda v: v * alpha // 255))
    return layer


def _shadow_margin(shadow: float, pixels: int) -> int:
    if not shadow:
        return 0
    return math.ceil(pixels * SHADOW_OFFSET + 3 * shadow * pixels * SHADOW_BLUR_PER_UNIT) + 1


def _shadow(coverage: Image.Image, shadow: float, pixels: int) -> Image.Image:
    offset = max(1, round(pixels * SHADOW_OFFSET))
    moved = Image.new("L", coverage.size, 0)
    moved.paste(coverage, (offset, offset))
    blurred = moved.filter(ImageFilter.GaussianBlur(shadow * pixels * SHADOW_BLUR_PER_UNIT))
    return _coloured(blurred, (0, 0, 0, round(255 * SHADOW_ALPHA)))
