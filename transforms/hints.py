"""Client hints (imgix `ch`): request headers that set the width, the dpr or the quality.

A URL opts in with `ch=width,dpr,save-data`; then, when the browser sends the hint, it
overrides the URL's value, and when it does not, the URL's values stand. The hints are
applied to the parsed spec before its canonical string is taken, so the cache key and
the ETag name the size and quality the hints chose. Every answer to such a URL carries
`Accept-CH` and a `Vary` naming the hint headers, hint or no hint.

ImageKit's `w-auto` and `dpr-auto` set the same `output.ch` (transforms/dialects/
imagekit_keys.py): the same headers, the same answer headers, and without the header the
URL's other values stand (w-auto alone: the original's width). They work in the last step
of a chain only. Adding another hint is one entry in HINTS. Choices where imgix is silent:
- `Width` is, as the Client Hints spec defines it, the image's width in device pixels, so
  the answer is that many pixels wide: `w` becomes Width / dpr (marks and text keep their
  size in CSS pixels).
- `DPR` is clamped to 1 .. max_dpr; like `dpr=` it does nothing without a width or height.
- `Save-Data: on` sets the quality to 45 (imgix's value), or keeps a lower `q`.
- A hint header that is not a number in range is ignored, as if it had not been sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transforms.dialects.imgix import MAX_DIMENSION
from transforms.spec import Limits, TransformSpec
from transforms.values import DECIMAL, INTEGER

SAVE_DATA_QUALITY = 45


@dataclass(frozen=True)
class Hint:
    headers: tuple[str, ...]  # request headers, lower case, the first one sent wins
    apply: Callable[[TransformSpec, str, Limits], TransformSpec]


def _dpr(spec: TransformSpec, value: str, limits: Limits) -> TransformSpec:
    if not DECIMAL.fullmatch(value):
        return spec
    return spec.with_fields({"size.dpr": min(max(float(value), 1.0), limits.max_dpr)})


def _width(spec: TransformSpec, value: str, limits: Limits) -> TransformSpec:
    if not INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_DIMENSION:
        return spec
    # At least 1: a w below 1 would mean a fraction of the original.
    return spec.with_fields({"size.w": max(1.0, int(value) / spec.size.dpr)})


def _save_data(spec: TransformSpec, value: str, limits: Limits) -> TransformSpec:
    if value.lower() != "on":
        return spec
    q = spec.output.q
    return spec.with_fields({"output.q": SAVE_DATA_QUALITY if q is None else min(q, 45)})


# In the order they apply: the width divides by the dpr the DPR hint chose.
HINTS: dict[str, Hint] = {
    "dpr": Hint(("sec-ch-dpr", "dpr"), _dpr),
    "width": Hint(("sec-ch-width", "width"), _width),
    "save-data": Hint(("save-data",), _save_data),
}
# How the answer names each hint: Accept-CH asks for it, Vary says the answer depends on it.
HEADER_NAMES = {
    "dpr": ("Sec-CH-DPR", "DPR"),
    "width": ("Sec-CH-Width", "Width"),
    "save-data": ("Save-Data",),
}


def apply_client_hints(
    spec: TransformSpec, headers: Mapping[str, str], limits: Limits
) -> TransformSpec:
    """The spec with the hints the URL opted into taken from the request's headers."""
    if not spec.output.ch:
        return spec
    for name, hint in HINTS.items():
        if name not in spec.output.ch:
            continue
        value = next((headers[h] for h in hint.headers if headers.get(h) is not None), None)
        if value is not None:
            spec = hint.apply(spec, value.strip(), limits)
    if spec.size.w is None and spec.size.h is None and spec.size.dpr != 1.0:
        spec = spec.with_fields({"size.dpr": 1.0})  # dpr alone does nothing (imgix's rule)
    return spec


def hint_headers(spec: TransformSpec) -> list[str]:
    """The header names of the hints a spec opted into, in a stable order."""
    return [h for name in HINTS if name in spec.output.ch for h in HEADER_NAMES[name]]
