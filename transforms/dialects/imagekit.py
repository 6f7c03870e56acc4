"""The ImageKit dialect: `tr` transformation strings -> TransformSpec.

`tr=w-300,h-300:rt-90` in the query, or `/tr:w-300,h-300/` as the first path
segment after the endpoint: steps are chained with ":", a step's options are
separated by ",", a key from its value by "-".

ImageKit applies chained steps one after the other. Signet's pipeline has one
fixed order (crop and resize, effects, padding, rotation, overlays), so the
steps merge into one spec; a chain whose order that pipeline cannot reproduce
(a resize in a step after a rotation or a layer) is refused, never rendered
differently. Each key may appear once in the whole chain.

The imgix parameters work beside `tr` (they parse into the same spec); a spec
field set by both answers 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from transforms.dialects.imagekit_layers import (
    OLD_OVERLAY_KEYS,
    old_overlay,
    read_layer,
    split_option,
)
from transforms.dialects.imgix import (
    MAX_DIMENSION,
    parse_dimension,
    parse_dpr,
    parse_params,
    parse_quality,
)
from transforms.errors import ParamError
from transforms.modes import WHITE
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay, TransformSpec
from transforms.values import Invalid

TR = "tr"
PATH_PREFIX = "tr:"
MAX_TR_CHARS = 2048

# c-*: how w x h is reached (ImageKit's default is maintain_ratio: cover, then crop).
CROPS = {
    "maintain_ratio": "crop",
    "force": "scale",
    "at_max": "max",
    "at_max_enlarge": "clip",
    "at_least": "at_least",
}
# cm-*: the other crop modes; pad_resize pads with white unless bg says otherwise.
CROP_MODES = {"pad_resize": "fill", "extract": "extract", "pad_extract": "pad_extract"}
# fo-*: the gravity of a crop or an extract, as crop words of the spec.
FOCUS: dict[str, tuple[str, ...]] = {
    "center": (),
    "top": ("top",),
    "bottom": ("bottom",),
    "left": ("left",),
    "right": ("right",),
    "top_left": ("top", "left"),
    "top_right": ("top", "right"),
    "bottom_left": ("bottom", "left"),
    "bottom_right": ("bottom", "right"),
    "auto": ("entropy",),  # ImageKit's smart crop; Signet's nearest is the busiest region
    "face": ("faces",),  # falls back to center: Signet ships no face detector
}
GRAVITY_FITS = frozenset({"crop", "extract", "pad_extract"})
FORMATS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif", "gif": "gif"}
# ImageKit's bl is 1-100 where Signet's blur is 0-2000.
BLUR_SCALE = 20
# e-sharpen with no value; e-sharpen-N maps to sharp N x 10 (ImageKit's useful range is ~1-10).
DEFAULT_SHARPEN = 50
SHARPEN_SCALE = 10
# Keys that size or crop the base image: out of order after a rotation or a layer.
RESIZE_KEYS = frozenset({"w", "h", "ar", "c", "cm", "fo", "dpr"})

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_RATIO = re.compile(rf"({_NUMBER})[-_]({_NUMBER})")
_HEX = re.compile(r"[0-9A-Fa-f]{6}(?:[0-9]{2})?")
_INT = re.compile(r"[0-9]{1,4}")


def split_path_transforms(rel_path: str) -> tuple[str, str | None]:
    """`tr:w-300/images/dog.jpg` -> ("images/dog.jpg", "w-300"); other paths -> (path, None).

    `rel_path` is the still percent-encoded path after the endpoint; the rest of
    it is returned as it came, for the source to decode.
    """
    first, slash, rest = rel_path.partition("/")
    if not first.startswith(PATH_PREFIX) or not slash:
        return rel_path, None
    raw = first[len(PATH_PREFIX) :]
    if len(raw) > MAX_TR_CHARS:
        raise ParamError(TR, f"is too long (at most {MAX_TR_CHARS} characters)")
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise ParamError(TR, "not valid UTF-8") from None
    if has_control_character(text):
        raise ParamError(TR, "contains a control character")
    return rest, text


def parse_imagekit(
    path_tr: str | None,
    pairs: list[tuple[str, str]],
    limits: Limits,
    ignore: frozenset[str] = frozenset(),
) -> TransformSpec:
    """Build a spec from the path's `tr:` segment (or None) and the decoded query pairs.

    `tr` in the query and the imgix parameters beside it are read from `pairs`;
    keys in `ignore` (the signature and expiry) are skipped.
    """
    query_tr = [value for key, value in pairs if key == TR]
    if len(query_tr) > 1:
        raise ParamError(TR, "given more than once")
    if query_tr and path_tr is not None:
        raise ParamError(TR, "given both in the path (/tr:.../) and in the query")
    base = parse_params([(k, v) for k, v in pairs if k != TR], limits, ignore)
    text = path_tr if path_tr is not None else (query_tr[0] if query_tr else "")
    chain = _read_chain(text, limits)
    fields = _spec_fields(chain.options, limits)
    if chain.options.get("orig") == "true":
        # orig-true serves the stored file as it is; ImageKit ignores everything else.
        return TransformSpec(original=True)
    imgix_fit = any(key == "fit" for key, _ in pairs)
    return _merge(base, fields, chain.overlays, imgix_fit)


@dataclass
class _Chain:
    options: dict[str, str] = field(default_factory=dict)  # key -> raw value, once per chain
    overlays: list[Overlay] = field(default_factory=list)


def _read_chain(text: str, limits: Limits) -> _Chain:
    chain = _Chain()
    out_of_order = ""  # what a later resize would have to come after
    for step in text.split(":"):
        items = [item for item in step.split(",") if item]
        old: dict[str, str] = {}
        index = 0
        while index < len(items):
            key, value = split_option(items[index])
            if key == "l":
                overlay, index = read_layer(items, index, limits)
                chain.overlays.append(overlay)
                continue
            index += 1
            if key in OLD_OVERLAY_KEYS:
                if key in old:
                    raise ParamError(key, "given more than once in one step")
                old[key] = value
                continue
            if key in RESIZE_KEYS and out_of_order:
                raise ParamError(
                    key, f"a resize chained after {out_of_order} is not supported; "
                    "put the resize in an earlier step"
                )
            if key in chain.options:
                raise ParamError(key, "given more than once")
            chain.options[key] = value
        if old:
            chain.overlays.append(old_overlay(old, limits))
        step_keys = {split_option(item)[0] for item in items}
        if "rt" in step_keys:
            out_of_order = "a rotation (rt)"
        if "l" in step_keys or old:
            out_of_order = "a layer"
    return chain


def _spec_fields(options: dict[str, str], limits: Limits) -> dict[str, Any]:
    """The spec fields the chain's options set (only those it sets)."""
    fields: dict[str, Any] = {}
    for key, value in options.items():
        parse = SIMPLE_KEYS.get(key)
        if parse is not None:
            try:
                fields.update(parse(value, limits))
            except Invalid as err:
                raise ParamError(key, str(err)) from None
        elif key not in GEOMETRY_KEYS:
            raise ParamError(key, "is not an ImageKit transformation Signet supports")
    fields.update(_geometry(options, fields))
    return fields


def _geometry(options: dict[str, str], fields: dict[str, Any]) -> dict[str, Any]:
    """ar, c, cm and fo: the fit mode, its gravity, and a side computed from ar."""
    out: dict[str, Any] = {}
    if "c" in options and "cm" in options:
        raise ParamError("cm", "cannot be combined with c")
    fit = "crop"  # ImageKit's default, c-maintain_ratio (_merge sets it when w or h is given)
    if "c" in options:
        fit = out["size.fit"] = _lookup("c", options["c"], CROPS)
    if "cm" in options:
        fit = out["size.fit"] = _lookup("cm", options["cm"], CROP_MODES)
    gravity = _lookup("fo", options["fo"], FOCUS) if "fo" in options else ()
    if gravity and fit == "fill":
        raise ParamError("fo", "with cm-pad_resize only fo-center is supported yet")
    if gravity and fit in GRAVITY_FITS:
        out["size.crop"] = gravity
    if "ar" in options:
        out.update(_aspect_side(options["ar"], fields))
    return out


def _aspect_side(value: str, fields: dict[str, Any]) -> dict[str, float]:
    """ar-W-H with one of w and h computes the other; with both, ImageKit ignores ar."""
    match = _RATIO.fullmatch(value)
    if match is None or float(match[1]) == 0 or float(match[2]) == 0:
        raise ParamError("ar", "must be <width>-<height>, e.g. ar-4-3")
    ratio = float(match[1]) / float(match[2])
    w, h = fields.get("size.w"), fields.get("size.h")
    if w is not None and h is not None:
        return {}
    if w is None and h is None:
        raise ParamError("ar", "needs w or h")
    given = w if w is not None else h
    assert given is not None
    if given < 1:
        raise ParamError("ar", "needs w or h in pixels, not a fraction of the original")
    other = float(max(1, round(given / ratio if w is not None else given * ratio)))
    if other > MAX_DIMENSION:
        raise ParamError("ar", f"makes a side over {MAX_DIMENSION} pixels")
    return {"size.h": other} if w is not None else {"size.w": other}


def _lookup(key: str, value: str, table: dict[str, Any]) -> Any:
    if value not in table:
        raise ParamError(key, f"must be one of {', '.join(table)}")
    return table[value]


def _merge(
    base: TransformSpec, fields: dict[str, Any], overlays: list[Overlay], imgix_fit: bool
) -> TransformSpec:
    defaults = TransformSpec()
    for name in fields:
        if base.get(name) != defaults.get(name) or (name == "size.fit" and imgix_fit):
            raise ParamError(name.rpartition(".")[2], "is set both by tr and as an imgix parameter")
    spec = base.with_fields({**fields, "overlays": base.overlays + tuple(overlays)})
    if "size.fit" not in fields and not imgix_fit and ("size.w" in fields or "size.h" in fields):
        spec = spec.with_fields({"size.fit": "crop"})  # ImageKit's default, c-maintain_ratio
    if fields.get("size.fit") == "fill" and spec.frame.bg is None:
        spec = spec.with_fields({"frame.bg": WHITE})  # cm-pad_resize pads with white, even PNG
    if spec.size.w is None and spec.size.h is None and spec.size.dpr != 1.0:
        spec = spec.with_fields({"size.dpr": 1.0})  # dpr only multiplies w and h
    return spec


def _w(value: str, limits: Limits) -> dict[str, Any]:
    return {"size.w": parse_dimension(value, limits)}


def _h(value: str, limits: Limits) -> dict[str, Any]:
    return {"size.h": parse_dimension(value, limits)}


def _dpr(value: str, limits: Limits) -> dict[str, Any]:
    return {"size.dpr": parse_dpr(value, limits)}


def _quality(value: str, limits: Limits) -> dict[str, Any]:
    if value == "0":
        raise Invalid("must be an integer from 1 to 100")
    return {"output.q": parse_quality(value, limits)}


def _format(value: str, limits: Limits) -> dict[str, Any]:
    if value == "auto":
        return {"output.auto": frozenset({"format"})}
    if value == "orig":
        return {}  # the original's format, Signet's default
    if value not in FORMATS:
        raise Invalid(f"must be one of auto, orig, {', '.join(FORMATS)}")
    return {"output.fm": FORMATS[value]}


def _background(value: str, limits: Limits) -> dict[str, Any]:
    """RRGGBB, or RRGGBBAA where AA is an opacity from 00 to 99 (ImageKit puts alpha last)."""
    if not _HEX.fullmatch(value):
        raise Invalid("must be RRGGBB or RRGGBBAA (alpha last, 00-99)")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    alpha = round(int(value[6:8]) * 255 / 99) if len(value) == 8 else 255
    return {"frame.bg": (r, g, b, alpha)}


def _blur(value: str, limits: Limits) -> dict[str, Any]:
    if not _INT.fullmatch(value) or not 1 <= int(value) <= 100:
        raise Invalid("must be an integer from 1 to 100")
    return {"stylize.blur": int(value) * BLUR_SCALE}


def _sharpen(value: str, limits: Limits) -> dict[str, Any]:
    if value == "":
        return {"adjust.sharp": DEFAULT_SHARPEN}
    if not _INT.fullmatch(value) or not 1 <= int(value) <= 100:
        raise Invalid("must be e-sharpen, or e-sharpen-<1 to 100>")
    return {"adjust.sharp": min(100, int(value) * SHARPEN_SCALE)}


def _rotation(value: str, limits: Limits) -> dict[str, Any]:
    """Degrees clockwise; `N90` is counter-clockwise; `auto` is the EXIF orientation."""
    if value == "auto":
        return {}  # Signet always applies the EXIF orientation
    number = value[1:] if value.startswith("N") else value
    if not _INT.fullmatch(number) or int(number) > 360:
        raise Invalid("must be degrees from 0 to 360 (N90 for counter-clockwise), or auto")
    degrees = int(number) % 360
    return {"rotation.rot": (360 - degrees) % 360 if value.startswith("N") else degrees}


def _original(value: str, limits: Limits) -> dict[str, Any]:
    if value not in ("true", "false"):
        raise Invalid("must be orig-true")
    return {}  # parse_imagekit answers orig-true before the fields are used


SIMPLE_KEYS = {
    "w": _w,
    "h": _h,
    "dpr": _dpr,
    "q": _quality,
    "f": _format,
    "bg": _background,
    "bl": _blur,
    "e-sharpen": _sharpen,
    "rt": _rotation,
    "orig": _original,
}
GEOMETRY_KEYS = frozenset({"ar", "c", "cm", "fo"})
