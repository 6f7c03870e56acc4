"""Encoding: the output format's mode, quality and speed settings, and no metadata.

An animation's frames are written together by encode_frames (transforms.animation calls it
once every frame has been through the steps). Documents (`fm=blurhash`, `palette=css|json`)
are written here too, from the finished pixels; `fm=json` never gets this far
(pipeline.render answers it from the header).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image, features

from transforms.blurhash import blurhash
from transforms.context import Context
from transforms.iptc import app13_segment, iptc_block
from transforms.modes import icc_matches
from transforms.palette import palette_css, palette_json

DEFAULT_QUALITY = 75
COMPRESS_QUALITY = 45  # auto=compress without q, as imgix

_PNG: tuple[str, dict[str, Any]] = ("PNG", {"optimize": False, "compress_level": 6})
# format -> (Pillow encoder, fixed options). Speed settings favour latency:
# a CDN origin encodes on request, and the CDN keeps the result.
ENCODERS: dict[str, tuple[str, dict[str, Any]]] = {
    "jpg": ("JPEG", {}),
    "pjpg": ("JPEG", {"progressive": True}),
    "png": _PNG,
    "png8": _PNG,
    "png32": _PNG,
    "webp": ("WEBP", {"method": 4}),
    "avif": ("AVIF", {"speed": 8}),
    "gif": ("GIF", {}),
    "jxl": ("JXL", {"effort": 3}),  # libjxl's effort 3 of 9: fast, still smaller than AVIF
}
if features.check("jpg_2000"):  # Pillow built with OpenJPEG
    ENCODERS["jp2"] = ("JPEG2000", {"no_jp2": False})
DOCUMENTS: dict[str, Callable[[Image.Image, Context], bytes]] = {
    "blurhash": lambda img, ctx: blurhash(img).encode("ascii"),
    "palette-css": lambda img, ctx: palette_css(img, ctx.spec.output),
    "palette-json": lambda img, ctx: palette_json(img, ctx.spec.output),
}
LOSSY = frozenset({"jpg", "pjpg", "webp", "avif", "jp2", "jxl"})
JPEG = frozenset({"jpg", "pjpg"})
# Modes each format stores as is; anything else is converted to STORE_AS.
STORABLE = {
    "jpg": {"L", "RGB"},
    "pjpg": {"L", "RGB"},
    "png": {"L", "LA", "RGB", "RGBA", "P"},
    "png8": {"P"},  # quantize_colours made it so
    "png32": {"RGBA"},
    "webp": {"RGB", "RGBA"},
    "avif": {"RGB", "RGBA"},
    "gif": {"L", "RGB", "RGBA", "P"},  # Pillow builds the palette (and transparency) itself
    "jp2": {"L", "LA", "RGB", "RGBA"},
    "jxl": {"L", "LA", "RGB", "RGBA"},
}
STORE_AS = {"L": "RGB", "LA": "RGBA", "RGB": "RGB", "RGBA": "RGBA", "P": "RGBA"}
JPEG_SUBSAMPLING = {444: 0, 422: 1}  # Pillow's codes; 4:2:0 (2) is its default
AVIF_SUBSAMPLING = {444: "4:4:4", 422: "4:2:2"}
DPI_FORMATS = frozenset({"jpg", "pjpg", "png", "png8", "png32"})  # JFIF density, pHYs
EXIF_DPI_FORMATS = frozenset({"webp", "avif"})  # only an EXIF block can say it
X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128


def quality(ctx: Context) -> int:
    if ctx.spec.output.q is not None:
        return ctx.spec.output.q
    return COMPRESS_QUALITY if "compress" in ctx.spec.output.auto else DEFAULT_QUALITY


def encode(ctx: Context) -> None:
    """Write ctx.output. EXIF, GPS, XMP and comments never reach it; the ICC profile does.

    What the output options add: `dpi` (JFIF or PNG density; for WebP and AVIF an EXIF
    block holding only the resolution), IPTC for JPEG with `iptc=allow`, and the
    encoder settings of `chromasub`, `jpg-progressive` and `lossless`.
    """
    img = ctx.image
    if ctx.fmt in DOCUMENTS:
        ctx.output = DOCUMENTS[ctx.fmt](img, ctx)
        return
    if ctx.fmt == "png32":
        img = img.convert("RGBA")
    elif img.mode not in STORABLE[ctx.fmt]:
        img = img.convert("RGB" if ctx.fmt in JPEG else STORE_AS[img.mode])
    encoder, options = ENCODERS[ctx.fmt]
    options = {**options, **_options(ctx)}
    if ctx.fmt not in ("gif", "jp2") and icc_matches(ctx.icc_profile, img.mode):
        options["icc_profile"] = ctx.icc_profile
    # Pillow's encoders copy metadata (XMP, EXIF, comments) from img.info;
    # an empty info means only what is passed here is written.
    transparency = img.info.get("transparency") if img.mode == "P" else None
    img.info = {} if transparency is None else {"transparency": transparency}
    buf = io.BytesIO()
    img.save(buf, encoder, **options)
    ctx.img = img
    ctx.output = buf.getvalue()


def encode_frames(
    ctx: Context, frames: list[Image.Image], durations: list[int], loop: int | None
) -> bytes:
    """An animated GIF or WebP of `frames` (each a whole picture, all one size), each shown
    for its duration in ms, repeated `loop` times (0 forever; None: a GIF plays once).

    `frames` are stored_frame()'s. `ctx` is the last frame's: its format and output options
    (quality, lossless, dpi) apply as encode() applies them to a still. A WebP's frames are
    all RGBA if any has alpha; a GIF with transparency disposes each frame to the background
    before the next, so a pixel that turns transparent does not keep the colour under it.
    """
    if ctx.fmt == "gif":
        alpha = any("transparency" in f.info for f in frames)
    else:
        alpha = any(f.mode == "RGBA" for f in frames)
        frames = [f.convert("RGBA") if alpha and f.mode != "RGBA" else f for f in frames]
    mode = "RGBA" if alpha else "RGB"
    encoder, options = ENCODERS[ctx.fmt]
    options = {**options, **_options(ctx)}
    if ctx.fmt != "gif" and icc_matches(ctx.icc_profile, mode):
        options["icc_profile"] = ctx.icc_profile
    if ctx.fmt == "gif" and alpha:
        options["disposal"] = 2
    if loop is not None:
        options["loop"] = loop
    buf = io.BytesIO()
    frames[0].save(buf, encoder, save_all=True, append_images=frames[1:], duration=durations,
                   **options)
    return buf.getvalue()


def stored_frame(fmt: str, img: Image.Image) -> Image.Image:
    """A finished frame of an animation as `fmt`'s encoder stores it, made as soon as the
    frame is done, so the frames kept until the encode are small: a GIF's palette frame (one
    byte a pixel), else RGB or RGBA. No metadata of the original's stays on it."""
    if img.mode not in ("RGB", "RGBA"):
        see_through = img.mode in ("LA", "RGBa", "PA") or img.has_transparency_data
        img = img.convert("RGBA" if see_through else "RGB")
    img.info = {}
    return _gif_frame(img) if fmt == "gif" else img


def _gif_frame(img: Image.Image) -> Image.Image:
    """A frame's palette by Pillow's fast octree: 50 to 200 times faster than the adaptive
    palette Pillow's GIF encoder makes of an RGB frame (0.65 s for a 300 x 300 photo frame
    on the bench machine), at a quality a GIF's 256 colours hardly show. Pixels under half
    opaque become the one transparent index a GIF has."""
    if img.mode != "RGBA":
        return img.quantize(256, method=Image.Quantize.FASTOCTREE)
    frame = img.convert("RGB").quantize(255, method=Image.Quantize.FASTOCTREE)
    frame.paste(255, mask=img.getchannel("A").point(lambda a: 255 if a < 128 else 0))
    frame.info["transparency"] = 255
    return frame


def _options(ctx: Context) -> dict[str, Any]:
    out, fmt = ctx.spec.output, ctx.fmt
    options: dict[str, Any] = {}
    if fmt in LOSSY and fmt != "jp2":
        options["quality"] = quality(ctx)
    if fmt in JPEG:
        if out.progressive is not None:
            options["progressive"] = out.progressive
        if out.chromasub in JPEG_SUBSAMPLING:
            options["subsampling"] = JPEG_SUBSAMPLING[out.chromasub]
        if out.iptc and (block := iptc_block(ctx.data)):
            options["extra"] = app13_segment(block)
    elif fmt == "webp" and out.lossless:
        options["lossless"] = True  # quality is then the effort spent
    elif fmt == "jxl" and out.lossless:
        options["lossless"] = True
    elif fmt == "avif":
        if out.lossless:  # as near as AVIF gets: the RGB to YUV step still rounds
            options.update(quality=100, subsampling="4:4:4")
        elif out.chromasub in AVIF_SUBSAMPLING:
            options["subsampling"] = AVIF_SUBSAMPLING[out.chromasub]
    elif fmt == "jp2":
        if not out.lossless:
            # Quality as a target PSNR: q=75 is 42.5 dB, q=100 about 50 dB.
            options.update(irreversible=True, quality_mode="dB")
            options["quality_layers"] = [20 + quality(ctx) * 0.3]
    if out.dpi is not None:
        if fmt in DPI_FORMATS:
            options["dpi"] = (out.dpi, out.dpi)
        elif fmt in EXIF_DPI_FORMATS:
            exif = Image.Exif()
            exif[X_RESOLUTION] = exif[Y_RESOLUTION] = out.dpi
            exif[RESOLUTION_UNIT] = 2  # inches
            options["exif"] = exif.tobytes()
    return options
