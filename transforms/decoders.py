"""The decoders registered with Pillow beyond its own: HEIC/HEIF and JPEG XL.

Imported for its effect (transforms.steps.load imports it). pillow-heif reads a HEIF
container's header on open and decodes on load, as Pillow's own plugins do; its libheif
keeps its own security limits on. pillow-jxl-plugin decodes on open, so
transforms.jxl_header reads a JPEG XL's declared size first (check_before_open).
"""

from __future__ import annotations

import pillow_heif
import pillow_jxl  # noqa: F401  (registers the "JXL" format with Pillow)

from transforms import jxl_header
from transforms.errors import ImageError
from transforms.spec import Limits

# Only the primary image: no thumbnails, depth or auxiliary images decoded with it.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Formats registered here, as Pillow names them (for Image.open's `formats`).
FORMATS = ("HEIF", "JXL")


def check_before_open(data: bytes, limits: Limits) -> None:
    """The limits a decoder that decodes on open cannot check after it: JPEG XL's declared
    size against both the header and the decoding limit (nothing shrinks it on load)."""
    if not jxl_header.is_jxl(data):
        return
    width, height = jxl_header.declared_size(data)
    if width * height > limits.max_input_pixels:
        raise ImageError(
            f"image is {width} x {height}, over the limit of {limits.max_input_pixels} pixels"
        )
    if width * height > limits.max_decoded_pixels:
        raise ImageError(
            f"image is {width} x {height}: decoding it would take over the limit of "
            f"{limits.max_decoded_pixels} pixels"
        )
