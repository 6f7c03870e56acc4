"""ImageKit layers -> Overlay: `l-image,i-logo.png,...,l-end`, the older `oi-` keys, solid
boxes (`l-image,i-ik_canvas,bg-FF0000,w-100,h-50,l-end`) and texts (imagekit_text).

Both syntaxes name the layer image by its path in the same storage, with `@@`
standing for `/` (a `/` would end the URL path segment that carries `tr:`), or
base64-encoded after `ie-` (what the client libraries emit for paths with other
characters). Positions and sizes are output pixels; ImageKit writes a negative
offset as `N20`, meaning "from the right / bottom edge": Signet puts the layer's right
(bottom) edge that many pixels inside the base image's.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from transforms.dialects.imagekit_placement import (
    layer_colour,
    layer_position,
    opacity,
)
from transforms.dialects.imagekit_text import text_overlay
from transforms.dialects.imgix import parse_dimension
from transforms.errors import ParamError
from transforms.query import has_control_character
from transforms.spec import Limits, Overlay
from transforms.values import Invalid

LAYER_KEYS = ("i", "ie", "w", "h", "lx", "ly", "lfo", "o", "bg")
CANVAS = "ik_canvas"  # l-image,i-ik_canvas: a solid box, its colour in bg
CANVAS_KEYS = ("bg",)  # keys only a canvas layer takes
TEXT_LAYER_KEYS = ("i", "ie", "fs", "ff", "co", "w", "lx", "ly", "lfo", "tg", "bg", "pa")
OLD_OVERLAY_KEYS = {"oi": "i", "ow": "w", "oh": "h", "ox": "lx", "oy": "ly", "ofo": "lfo"}

def split_option(item: str) -> tuple[str, str]:
    """`w-300` -> ("w", "300"); `e-sharpen-5` -> ("e-sharpen", "5"); `orig` -> ("orig", "")."""
    if item.startswith("e-"):
        name, _, value = item[2:].partition("-")
        return "e-" + name, value
    key, _, value = item.partition("-")
    return key, value


def read_layer(items: list[str], start: int, limits: Limits) -> tuple[Overlay, int]:
    """Parse the layer opening at items[start] (`l-image`, `l-text`); return it and the
    index past l-end. `l-image,i-ik_canvas` is a solid box (bg, w, h)."""
    key, kind = split_option(items[start])
    if kind not in ("image", "text"):
        raise ParamError("l", f"only image and text layers are supported (not l-{kind})")
    keys = TEXT_LAYER_KEYS if kind == "text" else LAYER_KEYS
    options: dict[str, str] = {}
    for index in range(start + 1, len(items)):
        key, value = split_option(items[index])
        if key == "l":
            if value == "end":
                if kind == "text":

                    return text_overlay(options, limits), index + 1
                if options.get("i") == CANVAS:
                    return canvas_overlay(options, limits), index + 1
                return layer_overlay(options, limits), index + 1
            raise ParamError("l", "layers inside layers are not supported")
        if key not in keys or (kind == "image" and key in CANVAS_KEYS
                               and options.get("i") != CANVAS):
            allowed = ", ".join(keys)
            raise ParamError(key, f"not supported inside this layer (expected {allowed})")
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
    alpha = 100
    if "o" in options:
        alpha = opacity(options["o"])
    position = layer_position(options, name)
    return Overlay(kind="image", path=path, pad=0, alpha=alpha, **position, **size)


def canvas_overlay(options: dict[str, str], limits: Limits) -> Overlay:
    """`l-image,i-ik_canvas,bg-RRGGBB[AA],w-N,h-N,l-end`: a solid box (w and h: pixels, or
    a fraction of the base image), placed as any layer."""
    for key in ("w", "h", "bg"):
        if key not in options:
            raise ParamError(key, "a canvas layer (i-ik_canvas) needs bg, w and h")
    size = {}
    for key in ("w", "h"):
        try:
            size[key] = parse_dimension(options[key], limits)
        except Invalid as err:
            raise ParamError(key, str(err)) from None
    colour = layer_colour(options["bg"], "bg")
    if "o" in options:
        colour = (*colour[:3], round(colour[3] * opacity(options["o"]) / 100))
    return Overlay(kind="canvas", color=colour, pad=0, **layer_position(options), **size)


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


