"""ImageKit image layers -> Overlay: `l-image,i-logo.png,...,l-end` and the older `oi-` keys.

Both syntaxes name the layer image by its path in the same storage, with `@@`
standing for `/` (a `/` would end the URL path segment that carries `tr:`), or
base64-encoded after `ie-` (what the client libraries emit for paths with other
characters). Positions and sizes are output pixels; ImageKit writes a negative
offset as `N20`, meaning "from the right / bottom edge", which Overlay cannot
express yet, so it is refused rather than drawn in the wrong place.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

from transforms.dialects.imgix import parse_dimension
from transforms.errors import ParamError
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay
from transforms.values import Invalid

# ImageKit's focus words -> Overlay.align (vertical, horizontal). ImageKit
# places a layer at the centre of the base image unless told otherwise.
LAYER_FOCUS: dict[str, tuple[str, str]] = {
    "center": ("middle", "center"),
    "top": ("top", "center"),
    "bottom": ("bottom", "center"),
    "left": ("middle", "left"),
    "right": ("middle", "right"),
    "top_left": ("top", "left"),
    "top_right": ("top", "right"),
    "bottom_left": ("bottom", "left"),
    "bottom_right": ("bottom", "right"),
}
DEFAULT_ALIGN = LAYER_FOCUS["center"]

# Keys accepted inside `l-image ... l-end`, and the older overlay keys with their layer twins.
LAYER_KEYS = ("i", "ie", "w", "h", "lx", "ly", "lfo", "o")
OLD_OVERLAY_KEYS = {"oi": "i", "ow": "w", "oh": "h", "ox": "lx", "oy": "ly", "ofo": "lfo"}

_OFFSET = re.compile(r"[0-9]{1,5}")


def split_option(item: str) -> tuple[str, str]:
    """`w-300` -> ("w", "300"); `e-sharpen-5` -> ("e-sharpen", "5"); `orig` -> ("orig", "")."""
    if item.startswith("e-"):
        name, _, value = item[2:].partition("-")
        return "e-" + name, value
    key, _, value = item.partition("-")
    return key, value


def read_layer(items: list[str], start: int, limits: Limits) -> tuple[Overlay, int]:
    """Parse the layer opening at items[start] (`l-image`); return it and the index past l-end."""
    key, kind = split_option(items[start])
    if kind != "image":
        raise ParamError("l", f"only image layers are supported (l-{kind} is not, yet)")
    options: dict[str, str] = {}
    for index in range(start + 1, len(items)):
        key, value = split_option(items[index])
        if key == "l":
            if value == "end":
                return layer_overlay(options, limits), index + 1
            raise ParamError("l", "layers inside layers are not supported")
        if key not in LAYER_KEYS:
            allowed = ", ".join(LAYER_KEYS)
            raise ParamError(key, f"not supported inside a layer (expected {allowed})")
        if key in options:
            raise ParamError(key, "given more than once in one layer")
        options[key] = value
    raise ParamError("l", "l-image must be closed by l-end in the same step")


def old_overlay(options: dict[str, str], limits: Limits) -> Overlay:
    """The `oi-`, `ofo-`, `ow-`, `oh-`, `ox-`, `oy-` keys of one step, as one layer."""
    if "oi" not in options:
        first = next(iter(options))
        raise ParamError(first, "needs oi- (the overlay image) in the same step")
    return layer_overlay({OLD_OVERLAY_KEYS[k]: v for k, v in options.items()}, limits, "o")


def layer_overlay(options: dict[str, str], limits: Limits, prefix: str = "") -> Overlay:
    """Build the Overlay; `prefix` is "o" for the old keys, so errors name the key as written."""

    def name(key: str) -> str:
        if not prefix:
            return key
        return next(old for old, new in OLD_OVERLAY_KEYS.items() if new == key)

    if "i" in options and "ie" in options:
        raise ParamError("ie", "give the layer image once, as i- or ie-")
    if "i" in options:
        path = options["i"].replace("@@", "/")
    elif "ie" in options:
        path = _base64_path(options["ie"])
    else:
        raise ParamError("l", "a layer needs its image: i-<path> or ie-<base64 path>")
    path = path.strip("/")
    if not path or has_control_character(path):
        raise ParamError(name("i") if "i" in options else "ie", "is not a usable image path")
    size = {}
    for key in ("w", "h"):
        if key in options:
            size[key] = _layer_size(options[key], limits, name(key))
    x = _offset(options["lx"], name("lx")) if "lx" in options else None
    y = _offset(options["ly"], name("ly")) if "ly" in options else None
    if (x is None) != (y is None):
        # Coordinates measure from the top left corner; the axis not given stays at 0.
        x, y = x or 0, y or 0
    align = DEFAULT_ALIGN
    if "lfo" in options:
        align = LAYER_FOCUS.get(options["lfo"]) or _bad_focus(name("lfo"))
    alpha = 100
    if "o" in options:
        alpha = _opacity(options["o"])
    return Overlay(kind="image", path=path, align=align, pad=0, x=x, y=y, alpha=alpha, **size)


def _base64_path(value: str) -> str:
    # The libraries percent-encode "=", "+" and "/" after ie-; accept the URL-safe alphabet too.
    text = unquote(value).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise ParamError("ie", "must be a base64-encoded UTF-8 path") from None


def _layer_size(value: str, limits: Limits, key: str) -> float:
    try:
        size = parse_dimension(value, limits)
    except Invalid as err:
        raise ParamError(key, str(err)) from None
    if size < 1:
        # Inside an ImageKit layer a fraction is of the layer image itself, which
        # Overlay (fractions of the base image) cannot say.
        raise ParamError(key, "inside a layer must be pixels (1 or more)")
    return size


def _offset(value: str, key: str) -> int:
    if value.startswith("N"):
        raise ParamError(key, "offsets from the right or bottom edge (N...) are not supported yet")
    if not _OFFSET.fullmatch(value):
        raise ParamError(key, "must be a whole number of pixels")
    return int(value)


def _opacity(value: str) -> int:
    if _OFFSET.fullmatch(value) and int(value) <= 100:
        return int(value)
    raise ParamError("o", "must be an opacity from 0 to 100")


def _bad_focus(key: str) -> tuple[str, str]:
    raise ParamError(key, f"must be one of {', '.join(LAYER_FOCUS)}")
