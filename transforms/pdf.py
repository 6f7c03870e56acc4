"""PDF originals: one page rasterised by PDFium (pypdfium2), after its size is checked.

A page is drawn at RENDER_DPI (144: twice PDF's 72 points to the inch, so an A4 page is
1190 x 1684 pixels), on white, annotations included unless `pdf-annotation=false`. Before
anything is drawn: the page count against `max_frames`, the page asked for against the
count, and the page's size at RENDER_DPI against `max_input_pixels` and
`max_decoded_pixels` (the whole page is drawn: nothing shrinks it on load). PDFium is not
thread-safe, so one page is drawn at a time per process (LOCK).
"""

from __future__ import annotations

import math
import threading

import pypdfium2
from PIL import Image

from transforms.errors import ImageError
from transforms.spec import Limits

RENDER_DPI = 144
POINTS_PER_INCH = 72
LOCK = threading.Lock()


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def render_page(data: bytes, page: int, annotations: bool, limits: Limits) -> Image.Image:
    """Page `page` (from 1) of the PDF in `data`, as an RGB image. Raises ImageError."""
    with LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            raise ImageError("not a decodable image: the PDF is damaged or encrypted") from None
        try:
            return _render(document, page, annotations, limits)
        finally:
            document.close()


def _render(
    document: pypdfium2.PdfDocument, page: int, annotations: bool, limits: Limits
) -> Image.Image:
    pages = len(document)
    if pages > limits.max_frames:
        raise ImageError(f"PDF has more than {limits.max_frames} pages, over the limit")
    if pages == 0:
        raise ImageError("not a decodable image: the PDF has no pages")
    if page > pages:
        raise ImageError(f"page={page} is past the end: the PDF has {pages} pages")
    try:
        pdf_page = document[page - 1]
    except pypdfium2.PdfiumError:
        raise ImageError(f"not a decodable image: page {page} of the PDF is damaged") from None
    try:
        width_pt, height_pt = pdf_page.get_size()
        scale = RENDER_DPI / POINTS_PER_INCH
        width, height = math.ceil(width_pt * scale), math.ceil(height_pt * scale)
        if not (width >= 1 and height >= 1):
            raise ImageError("not a decodable image: the PDF page has no size")
        _check_pixels(width, height, limits)
        try:
            bitmap = pdf_page.render(scale=scale, draw_annots=annotations, may_draw_forms=False)
        except pypdfium2.PdfiumError:
            raise ImageError(f"not a decodable image: page {page} of the PDF is damaged") from None
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        pdf_page.close()


def _check_pixels(width: int, height: int, limits: Limits) -> None:
    pixels = width * height
    if pixels > limits.max_input_pixels:
        raise ImageError(
            f"PDF page is {width} x {height} pixels at {RENDER_DPI} dpi, over the limit of "
            f"{limits.max_input_pixels} pixels"
        )
    if pixels > limits.max_decoded_pixels:
        raise ImageError(
            f"PDF page is {width} x {height} pixels at {RENDER_DPI} dpi: drawing it would take "
            f"over the limit of {limits.max_decoded_pixels} pixels"
        )
