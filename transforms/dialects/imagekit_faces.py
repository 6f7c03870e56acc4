"""ImageKit's `z-` (zoom around the face, with `fo-face`).

`z-N` frames the largest face transforms.faces finds: its box divided by N (z-1: the face
fills the frame, z-0.5: twice the face's size, z-2: its middle half), widened to the
shape of w x h, moved inside the picture, then scaled to w x h. That is imgix's
fit=facearea with facepad = 1 / N, and it falls back as fit=facearea does: without a
face, the picture is cropped at its centre (as fo-face without z). ImageKit documents z
only with fo-face (and its object-aware fo-, which Signet refuses); Signet answers 400
for z without fo-face, or beside a c- or cm- other than the default c-maintain_ratio.
"""

from __future__ import annotations

from typing import Any

from transforms.dialects.imgix_faces import MAX_FACEPAD
from transforms.errors import ParamError
from transforms.values import DECIMAL

MIN_ZOOM = 1 / MAX_FACEPAD
MAX_ZOOM = 100.0


def zoom_fields(options: dict[str, str]) -> dict[str, Any]:
    """The fields `z` sets (fit=facearea and its facepad), or none without z."""
    if "z" not in options:
        return {}
    value = options["z"]
    if not DECIMAL.fullmatch(value) or not MIN_ZOOM <= float(value) <= MAX_ZOOM:
        raise ParamError("z", f"must be a number from {MIN_ZOOM:g} to {MAX_ZOOM:g}")
    if options.get("fo") != "face":
        raise ParamError("z", "zooms around a face: it needs fo-face")
    if options.get("c", "maintain_ratio") != "maintain_ratio" or "cm" in options:
        raise ParamError("z", "works with the default crop (c-maintain_ratio), not c- or cm-")
    return {"size.fit": "facearea", "size.facepad": 1 / float(value), "size.crop": ()}
