"""Encoding: the output format's mode, quality and speed settings, and no metadata."""

from __future__ import annotations

import io
from typing import Any

from transforms.context import Context
from transforms.modes import icc_matches

DEFAULT_QUALITY = 75
COMPRESS_QUALITY = 45  # auto=compress without q, as imgix

# format -> (Pillow encoder, fixed options). Speed settings favour latency:
# a CDN origin encodes on request, and the CDN keeps the result.
ENCODERS: dict[str, tuple[str, dict[str, Any]]] = {
    "jpg": ("JPEG", {}),
    "pjpg": ("JPEG", {"progressive": True}),
    "png": ("PNG", {"optimize": False, "compress_level": 6}),
    "webp": ("WEBP", {"method": 4}),
    "avif": ("AVIF", {"speed": 8}),
    "gif": ("GIF", {}),
}
LOSSY = frozenset({"jpg", "pjpg", "webp", "avif"})
# Modes each format stores as is; anything else is converted to STORE_AS.
STORABLE = {
    "jpg": {"L", "RGB"},
    "pjpg": {"L", "RGB"},
    "png": {"L", "LA", "RGB", "RGBA"},
    "webp": {"RGB", "RGBA"},
    "avif": {"RGB", "RGBA"},
    "gif": {"L", "RGB", "RGBA"},  # Pillow builds the palette (and transparency) itself
}
STORE_AS = {"L": "RGB", "LA": "RGBA", "RGB": "RGB", "RGBA": "RGBA"}


def quality(ctx: Context) -> int:
    if ctx.spec.output.q is not None:
        return ctx.spec.output.q
    return COMPRESS_QUALITY if "compress" in ctx.spec.output.auto else DEFAULT_QUALITY


def encode(ctx: Context) -> None:
    """Write ctx.output. EXIF, GPS, XMP and comments never reach it; the ICC profile does."""
    img = ctx.image
    if img.mode not in STORABLE[ctx.fmt]:
        img = img.convert("RGB" if ctx.fmt in ("jpg", "pjpg") else STORE_AS[img.mode])
    encoder, options = ENCODERS[ctx.fmt]
    options = dict(options)
    if ctx.fmt in LOSSY:
        options["quality"] = quality(ctx)
    if ctx.fmt != "gif" and icc_matches(ctx.icc_profile, img.mode):
        options["icc_profile"] = ctx.icc_profile
    # Pillow's encoders copy metadata (XMP, EXIF, comments) from img.info;
    # an empty info means only what is passed here is written.
    img.info = {}
    buf = io.BytesIO()
    img.save(buf, encoder, **options)
    ctx.img = img
    ctx.output = buf.getvalue()
