"""Source: which picture of a document original to take (imgix's "pdf" group, and SVG's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """How a document original (PDF) becomes the picture the other steps work on.

    Defaults as imgix's: the first page, annotations drawn.
    """

    page: int = 1  # the PDF page, from 1
    pdf_annotation: bool = True  # draw the page's annotations (comments, stamps, form fields)
