"""ImageKit's `fo-custom`: crop around the area a media library file was given at upload
(`customCoordinates`, kept beside the file by sources.library).

The area belongs to the original, not to the URL, so the parser writes the gravity word
`custom` and the app resolves it once it has looked the original up
(`with_custom_focus`), before the render is named: the answer's ETag then holds the
area, and new coordinates (which also bump the file's generation) are a new answer.

- `c-maintain_ratio` (a crop) and `cm-extract` with `w` and `h`: the kept window is
  centred on the area (the focal point at its centre), clamped to the picture, as
  `fo-face` centres it on the faces;
- `cm-extract` without `w` and `h`: the area itself is cut out;
- a file without coordinates (or a source without a media library): the area is the
  whole image, so the crop is centred and the extract keeps everything;
- in a later step of a chain the original's coordinates no longer apply: centred.
"""

from __future__ import annotations

from transforms.spec import Chain, TransformSpec

CUSTOM = "custom"  # the gravity word fo-custom writes (transforms.dialects.imagekit_keys)


def uses_custom_focus(chain: Chain) -> bool:
    return any(CUSTOM in stage.size.crop for stage in chain.stages)


def with_custom_focus(
    chain: Chain,
    box: tuple[int, int, int, int] | None,
    size: tuple[int, int] | None,
) -> Chain:
    """`chain` with `fo-custom` resolved against the area `box` (x, y, width, height in
    pixels of the stored image, whose size is `size`), or against the whole image."""
    if not uses_custom_focus(chain):
        return chain
    stages = [_resolved(chain.stages[0], box, size)]
    stages += [_without_custom(stage) for stage in chain.stages[1:]]
    return Chain(tuple(stages))


def _resolved(
    spec: TransformSpec, box: tuple[int, int, int, int] | None, size: tuple[int, int] | None
) -> TransformSpec:
    if CUSTOM not in spec.size.crop or box is None or size is None:
        return _without_custom(spec)
    x, y, w, h = box
    width, height = size
    if spec.size.fit == "extract" and spec.size.w is None and spec.size.h is None:
        return spec.with_fields({
            "size.rect": (float(x), float(y), float(w), float(h)),
            "size.fit": "clip",
            "size.crop": (),
        })
    return spec.with_fields({
        "size.crop": ("focalpoint",),
        "size.fp_x": min(1.0, max(0.0, (x + w / 2) / width)),
        "size.fp_y": min(1.0, max(0.0, (y + h / 2) / height)),
    })


def _without_custom(spec: TransformSpec) -> TransformSpec:
    if CUSTOM not in spec.size.crop:
        return spec
    return spec.with_fields({"size.crop": tuple(w for w in spec.size.crop if w != CUSTOM)})
