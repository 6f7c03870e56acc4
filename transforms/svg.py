"""SVG originals: sanitised, then rasterised by resvg (resvg-py), which has no network code.

Nothing in an SVG may reach outside it. Before resvg sees a byte, the file is parsed
here (expat, through ElementTree, which never loads an external DTD or entity) with these
bounds and rules:

- UTF-8 only (the XML declaration may not name another encoding), and entity
  declarations (`<!ENTITY`) are refused (422): no entity expansion, no external
  entity; a DOCTYPE without them is dropped;
- at most MAX_ELEMENTS elements, nested at most MAX_DEPTH deep, counted while parsing;
- the root must be `<svg>`;
- removed: `<script>`, `<foreignObject>`, event attributes (`on*`), and every `href` that
  is not a reference inside the document (`#id`) or an embedded raster
  (`data:image/png|jpeg|gif|webp`): so no `http://` and no local file is ever read;
  comments and processing instructions (`<?xml-stylesheet?>`) are not kept.

The clean tree is what resvg renders, and what `rasterize-bypass` serves. The picture's
size is the root's `width` and `height` (px, or in, cm, mm, pt, pc at 96 dpi), else its
`viewBox`, else 300 x 150 (a browser's default); it is checked against both pixel limits
before drawing.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import resvg_py
from PIL import Image

from transforms.errors import ImageError
from transforms.spec import Limits

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_ELEMENTS = 50_000
MAX_DEPTH = 200
DEFAULT_SIZE = (300.0, 150.0)
UNITS = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": 4 / 3, "pc": 16.0}
LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|in|cm|mm|pt|pc)?\s*")
REMOVED = frozenset({"script", "foreignObject"})
SAFE_HREF = re.compile(r"#|data:image/(png|jpeg|jpg|gif|webp)[;,]", re.IGNORECASE)
HREFS = ("href", f"{{{XLINK_NS}}}href")
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


def is_svg(data: bytes) -> bool:
    """Whether `data` may be SVG: it starts (after a BOM and blanks) with `<svg`, an XML
    declaration, `<!DOCTYPE svg`, or a comment followed by `<svg`. The parse decides."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<svg", b"<?xml", b"<!DOCTYPE svg")):
        return True
    return head.startswith(b"<!--") and b"<svg" in head


def sanitise(data: bytes) -> tuple[bytes, tuple[float, float]]:
    """(the clean SVG, its declared size in pixels). Raises ImageError."""
    # Only UTF-8 (ASCII is UTF-8): in another encoding the byte search below could miss
    # an entity declaration.
    declared = XML_ENCODING.search(data[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise ImageError("not a decodable image: an SVG must be UTF-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImageError("not a decodable image: an SVG must be UTF-8") from None
    if re.search(rb"<!ENTITY", data, re.IGNORECASE):
        raise ImageError("not a decodable image: an SVG with entity declarations is refused")
    root = _parse(data)
    if _local(root.tag) != "svg":
        raise ImageError("not a decodable image: the XML is not an SVG")
    _clean(root)
    return ET.tostring(root, encoding="utf-8"), _size(root)


def render(data: bytes, limits: Limits) -> Image.Image:
    """The SVG drawn at its declared size, as RGBA, once sanitised and within the limits."""
    clean, (width_px, height_px) = sanitise(data)
    width, height = max(1, round(width_px)), max(1, round(height_px))
    pixels = width * height
    if pixels > limits.max_input_pixels:
        raise ImageError(
            f"image is {width} x {height}, over the limit of {limits.max_input_pixels} pixels"
        )
    if pixels > limits.max_decoded_pixels:
        raise ImageError(
            f"image is {width} x {height}: drawing it would take over the limit of "
            f"{limits.max_decoded_pixels} pixels"
        )
    try:
        png = resvg_py.svg_to_bytes(svg_string=clean.decode("utf-8"), width=width, height=height)
    except (ValueError, RuntimeError):
        raise ImageError("not a decodable image: the SVG cannot be drawn") from None
    img = Image.open(io.BytesIO(bytes(png)), formats=("PNG",))
    img.load()
    return img


def _parse(data: bytes) -> ET.Element:
    parser = ET.XMLPullParser(events=("start", "end"))
    depth = elements = 0
    root: ET.Element | None = None
    try:
        for at in range(0, len(data), 65536):
            parser.feed(data[at : at + 65536])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                root = element if root is None else root
                depth, elements = depth + 1, elements + 1
                if depth > MAX_DEPTH:
                    raise ImageError(f"not a decodable image: SVG nested over {MAX_DEPTH} deep")
                if elements > MAX_ELEMENTS:
                    raise ImageError(f"not a decodable image: SVG of over {MAX_ELEMENTS} elements")
        parser.close()
    except ET.ParseError:
        raise ImageError("not a decodable image: the SVG is not well-formed XML") from None
    if root is None:
        raise ImageError("not a decodable image: the SVG is empty")
    return root


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if _local(child.tag) in REMOVED or not isinstance(child.tag, str):
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        value = element.attrib[name]
        if _local(name).lower().startswith("on"):
            del element.attrib[name]
        elif name in HREFS and not SAFE_HREF.match(value.strip()):
            del element.attrib[name]


def _size(root: ET.Element) -> tuple[float, float]:
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = _view_box(root.get("viewBox"))
    if width is None and height is None:
        return box or DEFAULT_SIZE
    if box and box[0] > 0 and box[1] > 0:
        if width is None and height is not None:
            width = height * box[0] / box[1]
        elif height is None and width is not None:
            height = width * box[1] / box[0]
    return (width or DEFAULT_SIZE[0], height or DEFAULT_SIZE[1])


def _length(value: str | None) -> float | None:
    match = LENGTH.fullmatch(value) if value else None
    if match is None:
        return None  # absent, a percentage, or em: the viewBox decides
    number = float(match.group(1)) * UNITS[match.group(2) or ""]
    return number if number > 0 else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    parts = re.split(r"[\s,]+", value.strip()) if value else []
    try:
        _, _, width, height = (float(part) for part in parts)
    except ValueError:
        return None
    return (width, height) if width > 0 and height > 0 else None
