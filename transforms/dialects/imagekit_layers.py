"""ImageKit layers -> Overlay: `l-image,i-logo.png,...,l-end`, the older `oi-` keys, solid
boxes (`l-image,i-ik_canvas,bg-FF0000,w-100,h-50,l-end`) and texts (imagekit_text).

Both syntaxes name the layer image by its path in the same storage, with `@@`
standing for `/` (a `/` would end the URL path segment that carries `tr:`), or
base64-encoded after `ie-` (what the client libraries emit for paths with other
characters). Positions and sizes are output pixels; ImageKit writes a negative
offset as `N20`, meaning "from the right / bottom edge": Signet puts the layer's right
(bottom) edge that many pixels inside the base image's.

A layer's transformations: in its first step, `w` and `h` size the layer (pixels, fit
inside both, as a watermark is sized) and the placement keys place it; its other keys
(`rt`, `r`, `b`, `t`, `fl`, `bl`, `bg`, `e-*`) and any later step (`:` inside the layer:
`l-image,i-logo.png,w-100:rt-90,l-end`, what the SDKs write for a layer's list of
transformations) are the layer's own stages (Overlay.layer), run by the pipeline on
the layer's picture as a chain's stages run. A layer inside an image layer
(`l-image,i-a.png,l-text,i-Hi,l-end,l-end`) is an overlay of the stage it is written in,
placed on the outer layer's picture. `split_steps` checks nesting (at most MAX_DEPTH, as
ImageKit allows) and the number of layers (MAX_LAYERS) in one pass, before anything is
parsed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from transforms.dialects.imagekit_keys import GEOMETRY_KEYS, stage_spec, step_fields
from transforms.dialects.imagekit_placement import (
    displacement,
    layer_colour,
    layer_position,
    opacity,
)
from transforms.dialects.imagekit_text import text_overlay
from transforms.dialects.imgix import parse_dimension
from transforms.errors import ParamError
from transforms.expressions import Expression, is_expression, parse_expression
from transforms.layer_modes import MODES
from transforms.query import has_control_character
from transforms.spec import MAX_STAGES, Limits, Overlay, TransformSpec
from transforms.values import Invalid

MAX_LAYERS = 10  # layers in one URL, nested ones included: each is a fetch and a composite
MAX_DEPTH = 3  # layers inside layers inside layers, as ImageKit allows
PLACEMENT_KEYS = ("i", "ie", "w", "h", "lx", "ly", "lxc", "lyc", "lfo", "lap", "lm", "o")
# Where the layer goes: read in whichever of its steps they are written.
POSITION_KEYS = ("lx", "ly", "lxc", "lyc", "lfo", "lap", "lm")
CANVAS = "ik_canvas"  # l-image,i-ik_canvas: a solid box, its colour in bg
TEXT_LAYER_KEYS = ("i", "ie", "fs", "ff", "co", "w", "lx", "ly", "lxc", "lyc", "lfo", "lap", "lm",
                   "tg", "bg", "pa", "ia", "lh", "al")
TEXT_STAGE_KEYS = ("rt", "fl", "r")  # drawn by the layer's stage: turn, flip, round the box
# Keys of a whole answer or of the original, meaningless on a layer's picture.
NOT_IN_LAYERS = ("f", "q", "pr", "lo", "cp", "md", "orig", "di", "dpr", "n")
LAYER_ONLY_KEYS = ("i", "ie", "o", *POSITION_KEYS)  # the layer's, never one of its steps
OLD_OVERLAY_KEYS = {"oi": "i", "ow": "w", "oh": "h", "ox": "lx", "oy": "ly", "ofo": "lfo"}
_NOTHING = TransformSpec()
Tokens = list[tuple[str, str]]  # (the separator before the item, ":" or ",", the item)


def split_option(item: str) -> tuple[str, str]:
    """`w-300` -> ("w", "300"); `e-sharpen-5` -> ("e-sharpen", "5"); `orig` -> ("orig", "")."""
    if item.startswith("e-"):
        name, _, value = item[2:].partition("-")
        return "e-" + name, value
    key, _, value = item.partition("-")
    return key, value


def split_steps(text: str) -> list[Tokens]:
    """The `tr` string's steps (split at a ":" outside every layer), each its items with
    the separator before each (inside a layer, ":" chains the layer's own steps).

    One pass, bounded before any parsing: layers nest at most MAX_DEPTH deep, a URL holds
    at most MAX_LAYERS of them, and its layers at most MAX_STAGES steps of their own.
    """
    steps: list[Tokens] = [[]]
    depth = layers = inner_steps = 0
    sep = ","
    start = 0
    for end in range(len(text) + 1):
        if end < len(text) and text[end] not in ",:":
            continue
        item = text[start:end]
        if item:
            if item == "l-end":
                if depth == 0:
                    raise ParamError("l", "l-end without a layer to close")
                depth -= 1
            if sep == ":" and depth == 0 and steps[-1]:
                steps.append([])
            elif sep == ":" and depth:
                inner_steps += 1
                if inner_steps > MAX_STAGES:
                    raise ParamError("l", f"layers chain at most {MAX_STAGES} steps in one URL")
            if item.startswith("l-") and item != "l-end":
                depth += 1
                layers += 1
                if depth > MAX_DEPTH:
                    raise ParamError("l", f"layers nest at most {MAX_DEPTH} deep")
                if layers > MAX_LAYERS:
                    raise ParamError("l", f"at most {MAX_LAYERS} layers in one URL")
            steps[-1].append((sep, item))
            sep = ","
        if end < len(text) and text[end] == ":":
            sep = ":"
        start = end + 1
    return [step for step in steps if step]


def read_layer(items: Tokens, start: int, limits: Limits) -> tuple[Overlay, int]:
    """Parse the layer opening at items[start] (`l-image`, `l-text`); return it and the
    index past its l-end. `l-image,i-ik_canvas` is a solid box (bg, w, h)."""
    kind = split_option(items[start][1])[1]
    if kind in ("video", "subtitles"):
        raise ParamError("l", f"l-{kind} is a layer of a video, which Signet does not serve")
    if kind not in ("image", "text"):
        raise ParamError("l", f"only image and text layers are supported (not l-{kind})")
    steps: list[dict[str, str]] = [{}]
    nested: list[list[Overlay]] = [[]]
    index = start + 1
    while index < len(items):
        sep, item = items[index]
        key, value = split_option(item)
        if key == "l" and value == "end":
            return _layer(kind, steps, nested, limits), index + 1
        if sep == ":":
            if kind == "text":
                raise ParamError(key, "a text layer takes its keys in one step (no ':' in it)")
            steps.append({})
            nested.append([])
        if key == "l":
            if kind == "text":
                raise ParamError("l", "a text layer holds no layers: nest them in an image "
                                 "layer")
            layer, index = read_layer(items, index, limits)
            nested[-1].append(layer)
            continue
        options = steps[0] if key in POSITION_KEYS else steps[-1]  # the layer's, any step
        if key in options:
            raise ParamError(key, "given more than once in one layer step")
        options[key] = value
        index += 1
    raise ParamError("l", "a layer must be closed by l-end")


def _layer(kind: str, steps: list[dict[str, str]], nested: list[list[Overlay]],
           limits: Limits) -> Overlay:
    first = steps[0]
    if kind == "text":
        own = {k: v for k, v in first.items() if k not in TEXT_STAGE_KEYS}
        _check_keys(own, TEXT_LAYER_KEYS)
        overlay = text_overlay(own, limits)
        stage_keys = {k: v for k, v in first.items() if k in TEXT_STAGE_KEYS}
        return _with_stages(overlay, [stage_keys], [[]], limits, first)
    canvas = first.get("i") == CANVAS
    own = {k: v for k, v in first.items() if k in PLACEMENT_KEYS or (canvas and k == "bg")}
    rest = {k: v for k, v in first.items() if k not in own}
    shift = displacement(rest) if first.get("lm") == "displace" else None  # its x, y
    for key in rest:
        if key in GEOMETRY_KEYS:
            raise ParamError(key, "in a layer's first step w and h size the layer: chain a "
                             "crop after it with ':' (l-image,i-a.png,w-200:w-100,h-50,...)")
    overlay = canvas_overlay(own, limits) if canvas else layer_overlay(own, limits)
    overlay = _with_stages(overlay, [rest, *steps[1:]], nested, limits, first)
    return replace(overlay, displace=shift) if shift is not None else overlay


def _with_stages(overlay: Overlay, steps: list[dict[str, str]], nested: list[list[Overlay]],
                 limits: Limits, first: dict[str, str]) -> Overlay:
    """The overlay with its layer's own stages (none when they would do nothing) and lm."""
    stages = []
    for options, overlays in zip(steps, nested, strict=True):
        for key in options:
            if key in NOT_IN_LAYERS or key in LAYER_ONLY_KEYS:
                raise ParamError(key, "is not a transformation inside a layer")
        stages.append(stage_spec(step_fields(options, limits), overlays))
    layer = tuple(stages) if any(stage != _NOTHING for stage in stages) else ()
    changes: dict[str, Any] = {"layer": layer}
    if "lm" in first:
        if first["lm"] not in MODES:
            raise ParamError("lm", f"must be one of {', '.join(MODES)}")
        if first["lm"] == "displace" and overlay.kind == "text":
            raise ParamError("lm", "lm-displace takes an image layer as its map, not a text")
        changes["mode"] = first["lm"]
    return replace(overlay, **changes)


def _check_keys(options: dict[str, str], keys: tuple[str, ...]) -> None:
    for key in options:
        if key not in keys:
            allowed = ", ".join((*keys, *TEXT_STAGE_KEYS))
            raise ParamError(key, f"not supported inside this layer (expected {allowed})")


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
    size: dict[str, float | Expression] = {}
    for key in ("w", "h"):
        if is_expression(options[key]):
            size[key] = parse_expression(options[key], key)
            continue
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


def _layer_size(value: str, limits: Limits, key: str) -> float | Expression:
    if is_expression(value):  # w-bw_mul_0.2: worked out when the layer is drawn
        return parse_expression(value, key)
    try:
        size = parse_dimension(value, limits)
    except Invalid as err:
        raise ParamError(key, str(err)) from None
    if size < 1:
        # Inside an ImageKit layer a fraction is of the layer image itself, which
        # Overlay (fractions of the base image) cannot say.
        raise ParamError(key, "inside a layer must be pixels (1 or more)")
    return size


