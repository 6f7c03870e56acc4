"""The ImageKit dialect's keys: each `key-value` option of a step -> spec fields.

A step's options (`w-300,h-200,fo-top`) become the fields of one spec: SIMPLE_KEYS maps
a key to a parser of its value, and ar, c, cm, fo are read together (`_geometry`), since
they decide the fit mode and its gravity between them. `stage_spec` adds ImageKit's
defaults (c-maintain_ratio, white padding for cm-pad_resize) to what a step sets.
"""

from __future__ import annotations

import re
from typing import Any

from transforms.custom_focus import CUSTOM
from transforms.dialects.imagekit_effects import EFFECT_KEYS, refuse
from transforms.dialects.imagekit_faces import zoom_fields
from transforms.dialects.imagekit_looks import LOOK_KEYS
from transforms.dialects.imagekit_region import EXTRACT_KEYS, aspect_side, extract_region
from transforms.dialects.imgix import parse_dimension, parse_dpr, parse_quality
from transforms.errors import ParamError
from transforms.expressions import is_expression, parse_expression
from transforms.modes import WHITE
from transforms.spec import Limits, Overlay, TransformSpec
from transforms.values import Invalid

# c-*: how w x h is reached (ImageKit's default is maintain_ratio: cover, then crop).
CROPS = {
    "maintain_ratio": "crop",
    "force": "scale",
    "at_max": "max",
    "at_max_enlarge": "clip",
    "at_least": "at_least",
    # ImageKit's SDKs list it; the meaning is read from its name: maintain_ratio that never
    # enlarges (the largest region of the w:h shape, as it is), imgix's fit=min.
    "maintain_ratio_no_enlarge": "min",
}
# cm-*: the other crop modes; pad_resize pads with white unless bg says otherwise.
CROP_MODES = {
    "pad_resize": "fill",
    "extract": "extract",
    "pad_extract": "pad_extract",
    # Read from its name as above: pad_resize that never enlarges, imgix's fit=fillmax.
    "pad_resize_no_enlarge": "fillmax",
}
PADDED_FITS = frozenset({"fill", "fillmax"})
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
    "face": ("faces",),  # transforms.faces; without a face, center
    "custom": (CUSTOM,),  # the file's customCoordinates, resolved by the app (custom_focus)
}
PAD_FOCUS_NAMES = ("center", "top", "bottom", "left", "right")
PAD_FOCUS = frozenset(FOCUS[name] for name in PAD_FOCUS_NAMES if FOCUS[name])
GRAVITY_FITS = frozenset({"crop", "min", "extract", "pad_extract"})
FORMATS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif", "gif": "gif"}
# ImageKit's bl is 1-100 where Signet's blur is 0-2000.
BLUR_SCALE = 20
# e-sharpen with no value; e-sharpen-N maps to sharp N x 10 (ImageKit's useful range is ~1-10).
DEFAULT_SHARPEN = 50
SHARPEN_SCALE = 10

MAX_DEFAULT_PATH = 1024
_HEX = re.compile(r"[0-9A-Fa-f]{6}(?:[0-9]{2})?")
_INT = re.compile(r"[0-9]{1,4}")


def step_fields(options: dict[str, str], limits: Limits) -> dict[str, Any]:
    """The spec fields one step's options set (only those it sets), by dotted name."""
    fields: dict[str, Any] = {}
    for key, value in options.items():
        refuse(key, value)
        parse = SIMPLE_KEYS.get(key)
        if parse is not None:
            try:
                parsed = parse(value, limits)
            except Invalid as err:
                raise ParamError(key, str(err)) from None
            for merged in ("output.auto", "output.ch"):  # f-auto, e-contrast; w-, dpr-auto
                if merged in parsed and merged in fields:
                    parsed[merged] = parsed[merged] | fields[merged]
            fields.update(parsed)
        elif key not in GEOMETRY_KEYS:
            raise ParamError(key, "is not an ImageKit transformation Signet supports")
    fields.update(_geometry(options, fields))
    fields.update(extract_region(options, fields))
    return fields


def _geometry(options: dict[str, str], fields: dict[str, Any]) -> dict[str, Any]:
    """ar, c, cm and fo: the fit mode, its gravity, and a side computed from ar."""
    out: dict[str, Any] = {}
    if "c" in options and "cm" in options:
        raise ParamError("cm", "cannot be combined with c")
    fit = "crop"  # ImageKit's default, c-maintain_ratio (stage_spec sets it when w or h is given)
    if "c" in options:
        fit = out["size.fit"] = _lookup("c", options["c"], CROPS)
    if "cm" in options:
        fit = out["size.fit"] = _lookup("cm", options["cm"], CROP_MODES)
    gravity = _lookup("fo", options["fo"], FOCUS) if "fo" in options else ()
    if gravity and fit in PADDED_FITS:
        if gravity not in PAD_FOCUS:
            names = ", ".join(PAD_FOCUS_NAMES)
            raise ParamError("fo", f"with cm-pad_resize must be one of {names}")
        out["size.pad_gravity"] = gravity  # the picture against that edge of the padding
    if fields.get("frame.fill") in ("blur", "dominant") and fit not in PADDED_FITS:
        raise ParamError("bg", f"bg-{options['bg']} pads: it needs cm-pad_resize")
    if gravity and fit in GRAVITY_FITS:
        out["size.crop"] = gravity
    if "ar" in options:
        out.update(aspect_side(options["ar"], fields))
    out.update(zoom_fields(options))  # z-, with fo-face: fit=facearea
    return out


def _lookup(key: str, value: str, table: dict[str, Any]) -> Any:
    if value not in table:
        raise ParamError(key, f"must be one of {', '.join(table)}")
    return table[value]


def stage_spec(
    fields: dict[str, Any],
    overlays: list[Overlay],
    base: TransformSpec | None = None,
    imgix_fit: bool = False,
) -> TransformSpec:
    """A step's spec: its fields and layers, with ImageKit's defaults for what it leaves out.

    `base` holds the imgix parameters given beside `tr` (the last step merges with them):
    a field set by both answers 400; `imgix_fit` says `fit` was one of them, which then
    wins over ImageKit's default crop.
    """
    defaults = TransformSpec()
    base = base or defaults
    for name in fields:
        if base.get(name) != defaults.get(name) or (name == "size.fit" and imgix_fit):
            raise ParamError(name.rpartition(".")[2], "is set both by tr and as an imgix parameter")
    spec = base.with_fields({**fields, "overlays": base.overlays + tuple(overlays)})
    if "size.fit" not in fields and not imgix_fit and ("size.w" in fields or "size.h" in fields):
        spec = spec.with_fields({"size.fit": "crop"})  # ImageKit's default, c-maintain_ratio
    if fields.get("size.fit") in PADDED_FITS and spec.frame.bg is None:
        spec = spec.with_fields({"frame.bg": WHITE})  # cm-pad_resize pads with white, even PNG
    if spec.size.w is None and spec.size.h is None and spec.size.dpr != 1.0:
        spec = spec.with_fields({"size.dpr": 1.0})  # dpr only multiplies w and h
    return spec


def _w(value: str, limits: Limits) -> dict[str, Any]:
    if value == "auto":  # the Sec-CH-Width (or Width) hint, through transforms.hints
        return {"output.ch": frozenset({"width"})}
    if is_expression(value):  # w-iw_div_2: resolved once the image is known
        return {"size.w": parse_expression(value, "w")}
    return {"size.w": parse_dimension(value, limits)}


def _h(value: str, limits: Limits) -> dict[str, Any]:
    if is_expression(value):
        return {"size.h": parse_expression(value, "h")}
    return {"size.h": parse_dimension(value, limits)}


def _dpr(value: str, limits: Limits) -> dict[str, Any]:
    if value == "auto":  # the Sec-CH-DPR (or DPR) hint
        return {"output.ch": frozenset({"dpr"})}
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
    """RRGGBB, or RRGGBBAA where AA is an opacity from 00 to 99 (ImageKit puts alpha last);
    `blurred` fills cm-pad_resize's padding with the picture itself, blurred (imgix's
    fill=blur; ImageKit's optional blur strength and brightness are not taken)."""
    if value == "blurred":
        return {"frame.fill": "blur"}
    if value == "dominant":
        return {"frame.fill": "dominant"}  # the picture's most common colour
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


def _default_image(value: str, limits: Limits) -> dict[str, Any]:
    """di-<path>: the image answered (with this URL's transformations) when the original is
    missing; ImageKit writes the path's "/" as "@@" (di-folder@@fallback.jpg)."""
    path = value.replace("@@", "/").strip("/")
    if not path or len(path) > MAX_DEFAULT_PATH or any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise Invalid("must be the path of an image in this source, / written as @@")
    return {"default_image": path}


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
    "di": _default_image,
    **EFFECT_KEYS,
    **LOOK_KEYS,
}
GEOMETRY_KEYS = frozenset({"ar", "c", "cm", "fo", "z", *EXTRACT_KEYS})

