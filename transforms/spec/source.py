"""Source: which picture of a document original to take (imgix's "pdf" group), and whether
an SVG is drawn at all (`rasterize-bypass`, `svg-sanitize`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """How a document original (PDF) becomes the picture the other steps work on.

    Defaults as imgix's: the first page, annotations drawn, an SVG drawn (and so always
    sanitised: transforms.svg).
    """

    page: int = 1  # the PDF page, from 1
    pdf_annotation: bool = True  # draw the page's annotations (comments, stamps, form fields)
    rasterize_bypass: bool = False  # an SVG original served as SVG, the other parameters unused
    svg_sanitize: bool = True  # with rasterize_bypass: the sanitised SVG, else the stored bytes
