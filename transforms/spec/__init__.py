"""The transform spec: one immutable value that both URL dialects parse into.

A `TransformSpec` is made of small frozen parts, one per group of parameters as imgix's
documentation groups them (size, rotation, adjust, stylize, frame, blend, output) plus the
overlays (`mark*`, `txt*`, ImageKit layers), so a pipeline step reads only its part.
Parsers address a field as "part.field" (`size.w`, `output.fm`) and build a spec with
`TransformSpec.with_fields`. Field names are unique across parts, so the canonical string
(cache keys, ETags) names a field by its own name: `w=300&fm=webp`. What a URL asks for
is a `Chain` of specs (chain.py): ImageKit's chained steps, run one after the other; an
imgix URL is a chain of one.
"""

from __future__ import annotations

from transforms.spec.adjust import Adjust, Stylize
from transforms.spec.animation import Animation
from transforms.spec.blend import Blend
from transforms.spec.chain import MAX_STAGES, Chain
from transforms.spec.frame import Frame
from transforms.spec.limits import Limits
from transforms.spec.output import FORMATS, Output
from transforms.spec.overlay import Overlay
from transforms.spec.size import FITS, Rotation, Size
from transforms.spec.transform import FIELD_PATHS, PARTS, TransformSpec

__all__ = [
    "FIELD_PATHS",
    "FITS",
    "FORMATS",
    "MAX_STAGES",
    "PARTS",
    "Adjust",
    "Animation",
    "Blend",
    "Chain",
    "Frame",
    "Limits",
    "Output",
    "Overlay",
    "Rotation",
    "Size",
    "Stylize",
    "TransformSpec",
]
