"""The imgix dialect's parameters for document originals: `page`, `pdf-annotation`,
`rasterize-bypass`, `svg-sanitize`.

One parser per key, as in transforms.dialects.imgix; the values follow imgix's
parameters.json (tests/vendor).
"""

from __future__ import annotations

from transforms.dialects.imgix_output import parse_boolean
from transforms.spec import Limits
from transforms.values import Parameter, integer

MAX_PAGE = 1_000_000  # a sanity bound on the number; the original's page count is checked later


def parse_page(value: str, limits: Limits) -> int:
    return integer(value, 1, MAX_PAGE)


SOURCE_PARAMETERS: dict[str, Parameter] = {
    "page": Parameter("source.page", parse_page),
    "pdf-annotation": Parameter("source.pdf_annotation", parse_boolean),
    "rasterize-bypass": Parameter("source.rasterize_bypass", parse_boolean),
    "svg-sanitize": Parameter("source.svg_sanitize", parse_boolean),
}
