"""The imgix dialect: decoded query pairs -> TransformSpec.

Each parameter is one parser in a table (key -> spec field + function), so adding a
parameter is adding an entry, not a branch; each group of imgix's docs has its table
(size, crop and rotation in transforms.dialects.imgix_size, `mark*`/`txt*` in
transforms.dialects.imgix_overlay), and
parse_params looks a key up in TABLES. A parser gets the raw value and the limits, returns
the field's value, and raises Invalid with a message; parse_params turns that into a
ParamError naming the key. Aliases (`f` for `fit`, `markalign` for `mark-align`) and
which names are refused or ignored are in transforms.dialects.imgix_names.
"""

from __future__ import annotations

from typing import Any

from transforms.dialects.imgix_adjust import ADJUST_PARAMETERS
from transforms.dialects.imgix_animation import ANIMATION_PARAMETERS, check_animation
from transforms.dialects.imgix_blend import BLEND_PARAMETERS
from transforms.dialects.imgix_faces import FACE_PARAMETERS
from transforms.dialects.imgix_frame import FRAME_PARAMETERS, check_frame_options
from transforms.dialects.imgix_names import ALIASES, IMGIX_NAMES, refusal
from transforms.dialects.imgix_output import OUTPUT_PARAMETERS, check_output
from transforms.dialects.imgix_overlay import OVERLAY_PARAMETERS, decode_base64, pop_overlays
from transforms.dialects.imgix_size import (
    MAX_DIMENSION,
    PARAMETERS,
    parse_dimension,
    parse_dpr,
    parse_quality,
)
from transforms.dialects.imgix_source import SOURCE_PARAMETERS
from transforms.errors import ParamError
from transforms.spec import Limits, TransformSpec
from transforms.values import Invalid, Parameter

# The ImageKit dialect and the client hints reuse the size parsers through this module.
__all__ = [
    "MAX_DIMENSION",
    "PARAMETERS",
    "TABLES",
    "is_imgix_name",
    "parse_dimension",
    "parse_dpr",
    "parse_params",
    "parse_quality",
    "refuse_unknown",
]


def _lookup(name: str) -> Parameter | None:
    for table in TABLES:
        param = table.get(name)
        if param is not None:
            return param
    return None


# imgix: "All parameter values (with the exception of auto and ch) can be encoded using a
# URL-safe Base64 scheme": `w64=MzAw` is `w=300`. txt64, mark64 and blend64 have tables of
# their own (their text is decoded where it is read); every other name ending in 64 whose
# base Signet parses is decoded here, then read as its base.
NOT_BASE64 = frozenset({"auto", "ch"})


def _plain(key: str, name: str, raw: str) -> tuple[str, str]:
    """(name, value) with a Base64 variant decoded: ("w64", "MzAw") -> ("w", "300")."""
    if not name.endswith("64") or _lookup(name) is not None:
        return name, raw
    base = ALIASES.get(name[:-2], name[:-2])
    if base in NOT_BASE64:
        raise ParamError(key, f"has no Base64 variant ({base} is given as it is)")
    if _lookup(base) is None:
        return name, raw
    try:
        return base, decode_base64(raw)
    except Invalid as err:
        raise ParamError(key, str(err)) from None


def parse_params(
    pairs: list[tuple[str, str]],
    limits: Limits,
    ignore: frozenset[str] = frozenset(),
    strict: bool = False,
) -> TransformSpec:
    """Build a spec from decoded query pairs (see transforms.query.split_query).

    Keys in `ignore` (signature, expiry, client-library markers) are skipped. A name
    imgix does not define is ignored (a cache-buster such as `v=2`; the signature still
    covers it), or refused when `strict`. A parameter given twice, by name, by alias or
    as its Base64 variant, is refused, except `auto`, whose values merge.
    """
    values: dict[str, Any] = {}
    seen: dict[str, str] = {}  # parameter name -> the key the URL gave it as
    for key, raw in pairs:
        if key in ignore:
            continue
        name, raw = _plain(key, ALIASES.get(key, key), raw)
        reason = refusal(name, raw)
        if reason is not None:
            raise ParamError(key, reason)
        param = _lookup(name)
        if param is None:
            if is_imgix_name(name):
                raise ParamError(key, "is not supported yet")
            if strict:
                raise ParamError(key, "unknown parameter")
            continue
        if name in seen and name != "auto":
            also = f" (also as {seen[name]})" if seen[name] != key else ""
            raise ParamError(key, f"given more than once{also}")
        try:
            value = param.parse(raw, limits)
        except Invalid as err:
            raise ParamError(key, str(err)) from None
        if name in seen:
            value = values[param.field] | value
        seen[name] = key
        values[param.field] = value
    if "rot" in seen and "rot-type" not in seen:
        values["rotation.rot_type"] = "straighten"  # imgix's default for rot
    overlays = pop_overlays(values)  # first: it takes the overlay fields out of values
    spec = TransformSpec().with_fields({**values, "overlays": overlays})
    check_output(spec)
    check_frame_options(spec)
    check_animation(spec)
    return spec.with_fields(_normalised(spec))


def refuse_unknown(pairs: list[tuple[str, str]], ignore: frozenset[str] = frozenset()) -> None:
    """For a `strict_params` source: ParamError for the first name imgix does not define."""
    for key, _ in pairs:
        name = ALIASES.get(key, key)
        if key not in ignore and _lookup(name) is None and not is_imgix_name(name):
            raise ParamError(key, "unknown parameter")


def is_imgix_name(name: str) -> bool:
    """A parameter name (or alias) imgix defines, built or not."""
    name = ALIASES.get(name, name)
    return name in IMGIX_NAMES or name.removesuffix("64") in IMGIX_NAMES


def _normalised(spec: TransformSpec) -> dict[str, Any]:
    """Drop what imgix ignores in this combination, so equal results share a cache entry.

    dpr multiplies only w and h; ar works with fit=crop and fit=fill, and not beside both
    w and h (they win); the min/max bounds with fit=crop; fp-z and fp-debug with fit=crop
    and crop=focalpoint (imgix ignores them otherwise); rot-type matters only for a rot
    that is not a quarter turn (a quarter turn is an exact pixel move either way).
    """
    size, rotation = spec.size, spec.rotation
    changes: dict[str, Any] = {}
    if size.w is None and size.h is None and size.dpr != 1.0:
        changes["size.dpr"] = 1.0
    if size.ar is not None and (size.fit not in ("crop", "fill") or None not in (size.w, size.h)):
        changes["size.ar"] = None
    if size.fit != "crop":
        for bound in ("min_w", "max_w", "min_h", "max_h"):
            if getattr(size, bound) is not None:
                changes[f"size.{bound}"] = None
    if size.fit != "crop" or "focalpoint" not in size.crop:
        changes.update({"size.fp_z": 1.0, "size.fp_debug": False})
    if rotation.rot % 90 == 0:
        changes["rotation.rot_type"] = "pivot"
    if spec.output.faces and spec.output.fm != "json":
        changes["output.faces"] = False  # faces=1 is for fm=json only (imgix's rule)
    return changes


# Where parse_params looks a key up, in order: one table per group of parameters.
TABLES: tuple[dict[str, Parameter], ...] = (
    PARAMETERS,
    OVERLAY_PARAMETERS,
    OUTPUT_PARAMETERS,
    ADJUST_PARAMETERS,
    FRAME_PARAMETERS,
    BLEND_PARAMETERS,
    SOURCE_PARAMETERS,
    FACE_PARAMETERS,
    ANIMATION_PARAMETERS,
)
