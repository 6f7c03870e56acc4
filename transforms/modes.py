"""Pillow modes: the few the pipeline works in, fill colours, and what each format stores.

After loading, every image is L, LA, RGB or RGBA, so the steps never meet a
palette, a 16-bit grey or CMYK.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms

from transforms.formats import ALPHA_FORMATS
from transforms.spec import TransformSpec

Colour = tuple[int, int, int, int]

WORKING_MODES = frozenset({"L", "LA", "RGB", "RGBA"})
ALPHA_MODES = frozenset({"LA", "RGBA"})
WHITE: Colour = (255, 255, 255, 255)
# imgix's default fill: transparent white, so a later flatten onto white is invisible.
TRANSPARENT: Colour = (255, 255, 255, 0)

_SIMPLE = {
    "1": "L",
    "PA": "RGBA",
    "La": "LA",
    "RGBa": "RGBA",
    "RGBX": "RGB",
    "YCbCr": "RGB",
    "LAB": "RGB",
    "HSV": "RGB",
    "F": "L",
}
_ICC_SPACES = {"L": b"GRAY", "LA": b"GRAY", "RGB": b"RGB ", "RGBA": b"RGB ", "P": b"RGB "}


def to_working_mode(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert a freshly decoded image to L, LA, RGB or RGBA."""
    mode = img.mode
    if mode in WORKING_MODES:
        return img
    if mode == "P":
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    if mode.startswith("I"):
        # 16-bit grey: a plain convert would clip everything above 255 to white.
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "CMYK":
        return _cmyk_to_rgb(img, icc_profile)
    return img.convert(_SIMPLE.get(mode, "RGB"))


def _cmyk_to_rgb(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    # Print profiles differ a lot; with the file's own profile the colours survive.
    if icc_profile and icc_profile[16:20] == b"CMYK":
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(img, source, srgb, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return img.convert("RGB")


def icc_matches(icc_profile: bytes | None, mode: str) -> bool:
    """Whether an ICC profile describes pixels of this mode (a CMYK profile on RGB would lie)."""
    if not icc_profile:
        return False
    return icc_profile[16:20] == _ICC_SPACES.get(mode)


def fill_colour(spec: TransformSpec, fmt: str) -> Colour:
    """What new canvas areas (fit=fill padding, rotation corners) are painted with.

    A see-through `bg` is not painted here: the background step puts `bg` under every
    transparent pixel, new areas included, and painting it twice would make a
    half-transparent bg three-quarters opaque. An opaque one may be painted at once
    (the same result, and the canvas needs no alpha).
    """
    bg = spec.frame.bg
    if bg is not None and bg[3] == 255:
        return bg
    if bg is not None or fmt in ALPHA_FORMATS:
        return TRANSPARENT
    return WHITE


def mode_holding(img: Image.Image, colour: Colour) -> str:
    """The working mode that can hold both the image and the colour."""
    if colour[3] < 255 or img.mode in ALPHA_MODES:
        return "RGBA"
    return "RGB"
