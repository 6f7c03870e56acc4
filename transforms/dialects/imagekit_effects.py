"""The ImageKit keys that map onto steps the imgix dialect built: effects, frame, output.

Each parser takes a key's value and returns the spec fields it sets (by dotted name), as
SIMPLE_KEYS in imagekit_keys does; EFFECT_KEYS joins that table. Where Signet departs
from ImageKit the parser's docstring says how. REFUSED lists the keys that need video,
generative AI or object detection: they answer 400 saying so.
"""

from __future__ import annotations

import re
from typing import Any

from transforms.dialects.imgix_frame import MAX_FRAME, MAX_RADIUS
from transforms.errors import ParamError
from transforms.expressions import is_expression, parse_expression
from transforms.spec import Limits
from transforms.values import Invalid

_HEX = re.compile(r"[0-9A-Fa-f]{6}(?:[0-9]{2})?")
_INT = re.compile(r"[0-9]{1,5}")
_NUMBER = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4})?")
TRIM_THRESHOLD = 10  # ImageKit's default for t-true
FLIPS = {"h": "h", "v": "v", "h_v": "hv", "v_h": "hv"}
# e-usm-<radius>-<sigma>-<amount>-<threshold>: amount (ImageKit: about 0.5-5) times this is
# imgix's usm strength (0-100); the radius is the Gaussian's, as imgix's usmrad.
USM_SCALE = 50
MAX_USM_RADIUS = 500

REFUSED = {
    "e-bgremove": "removing a background needs an AI model, which Signet does not run",
    "e-removedotbg": "removing a background needs an AI model, which Signet does not run",
    "e-changebg": "changing a background is generative AI, which Signet does not run",
    "e-upscale": "AI upscaling is not something Signet does",
    "e-retouch": "AI retouching is not something Signet does",
    "e-genvar": "generated variations are generative AI, which Signet does not run",
    "e-dropshadow": "an AI drop shadow needs object detection, which Signet does not run",
    "e-edit": "editing by prompt is generative AI, which Signet does not run",
    "vc": "video is not served by Signet",
    "ac": "video is not served by Signet",
    "so": "video is not served by Signet",
    "eo": "video is not served by Signet",
    "du": "video is not served by Signet",
    "sr": "video is not served by Signet",
}


def refuse(key: str, value: str) -> None:
    """400 for a key Signet refuses on purpose (fo-person, bg-genfill among values)."""
    if key in REFUSED:
        raise ParamError(key, REFUSED[key])
    if key == "fo" and value in ("person", "object"):
        raise ParamError(key, f"fo-{value} needs object detection, which Signet does not run")
    if key == "bg" and value.startswith("genfill"):
        raise ParamError(key, "bg-genfill is generative AI, which Signet does not run")


def _colour(value: str) -> tuple[int, int, int, int]:
    """RRGGBB or RRGGBBAA, alpha last from 00 to 99, as ImageKit writes colours."""
    if not _HEX.fullmatch(value):
        raise Invalid("needs a colour RRGGBB or RRGGBBAA (alpha last, 00-99)")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    alpha = round(int(value[6:8]) * 255 / 99) if len(value) == 8 else 255
    return (r, g, b, alpha)


def _bounded(value: str, low: int, high: int, what: str) -> int:
    if not _INT.fullmatch(value) or not low <= int(value) <= high:
        raise Invalid(f"must be {what}")
    return int(value)


def _boolean(value: str) -> bool:
    if value not in ("true", "false"):
        raise Invalid("must be true or false")
    return value == "true"


def _border(value: str, limits: Limits) -> dict[str, Any]:
    """b-<width>_<colour>: a border of that many pixels around the picture."""
    width, sep, colour = value.rpartition("_")
    if not sep:
        raise Invalid("must be <width>_<colour>, e.g. b-5_FF0000")
    if is_expression(width):  # b-ch_mod_5_FF0000: resolved once the image is known
        return {"frame.border": (parse_expression(width, "b"), _colour(colour))}
    return {"frame.border": (_bounded(width, 0, MAX_FRAME, f"a width from 0 to {MAX_FRAME}"),
                             _colour(colour))}


def _radius(value: str, limits: Limits) -> dict[str, Any]:
    """r-<N> rounds every corner by N pixels; r-max makes the largest ellipse (a circle when
    square). The cut corners are transparent, or the background (white for JPEG)."""
    if value == "max":
        return {"frame.mask": "ellipse"}
    parts = value.split("_")
    if len(parts) not in (1, 4):
        raise Invalid("must be r-max, r-<radius>, or four radii r-<tl>_<tr>_<br>_<bl>")
    radii = [_bounded(p, 0, MAX_RADIUS, f"a radius from 0 to {MAX_RADIUS}") for p in parts]
    corners = tuple(radii * 4 if len(radii) == 1 else radii)
    return {"frame.mask": "corners", "frame.corner_radius": corners}


def _trim(value: str, limits: Limits) -> dict[str, Any]:
    """t-true trims edges of the top-left pixel's colour, within 10 per channel; t-<1-99>
    sets that threshold. Signet's trim runs on the original, before anything else."""
    if value == "false":
        return {}
    threshold = TRIM_THRESHOLD if value == "true" else _bounded(
        value, 1, 99, "t-true, or a threshold from 1 to 99")
    return {"frame.trim": "color", "frame.trim_tol": float(threshold)}


def _flip(value: str, limits: Limits) -> dict[str, Any]:
    if value not in FLIPS:
        raise Invalid("must be h, v, h_v or v_h")
    return {"rotation.flip": FLIPS[value]}


def _grayscale(value: str, limits: Limits) -> dict[str, Any]:
    if value:
        raise Invalid("takes no value (e-grayscale)")
    return {"adjust.sat": -100}


def _contrast(value: str, limits: Limits) -> dict[str, Any]:
    """Contrast stretch: the levels of each channel stretched to the full range (the step
    imgix's auto=enhance runs)."""
    if value:
        raise Invalid("takes no value (e-contrast)")
    return {"output.auto": frozenset({"enhance"})}


def _usm(value: str, limits: Limits) -> dict[str, Any]:
    """e-usm-<radius>-<sigma>-<amount>-<threshold>: Signet's unsharp mask takes a radius and
    a strength: the radius (or the sigma when the radius is 0) and amount x 50 (at most
    100); the threshold is not used."""
    parts = value.split("-")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        raise Invalid("must be e-usm-<radius>-<sigma>-<amount>-<threshold>")
    radius, sigma, amount, _threshold = (float(p) for p in parts)
    radius = radius or sigma
    if not 0 < radius <= MAX_USM_RADIUS:
        raise Invalid(f"needs a radius (or sigma) above 0, at most {MAX_USM_RADIUS}")
    return {"adjust.usm": min(100, round(amount * USM_SCALE)), "adjust.usmrad": radius}


def _progressive(value: str, limits: Limits) -> dict[str, Any]:
    return {"output.progressive": _boolean(value)}


def _lossless(value: str, limits: Limits) -> dict[str, Any]:
    return {"output.lossless": _boolean(value)}


def _colour_profile(value: str, limits: Limits) -> dict[str, Any]:
    """cp-true keeps the original's ICC profile (Signet's default); cp-false converts the
    pixels to sRGB and writes no profile, as ImageKit does by default."""
    return {} if _boolean(value) else {"output.cs": "strip"}


def _metadata(value: str, limits: Limits) -> dict[str, Any]:
    """md-true keeps what Signet can keep: a JPEG's IPTC block (captions, credits). EXIF
    is never written (so never GPS); md-false is Signet's default, nothing kept."""
    return {"output.iptc": True} if _boolean(value) else {}


EFFECT_KEYS = {
    "b": _border,
    "r": _radius,
    "t": _trim,
    "fl": _flip,
    "e-grayscale": _grayscale,
    "e-contrast": _contrast,
    "e-usm": _usm,
    "pr": _progressive,
    "lo": _lossless,
    "cp": _colour_profile,
    "md": _metadata,
}
