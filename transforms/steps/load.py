"""Opening the original: every check the header allows, then a decode no bigger than needed."""

from __future__ import annotations

import io
import struct

from PIL import Image, JpegImagePlugin, UnidentifiedImageError

from transforms import decoders, pdf, svg
from transforms.context import Context
from transforms.errors import ImageError
from transforms.frames import still_frame
from transforms.modes import to_working_mode
from transforms.spec import Limits
from transforms.spec.source import Source
from transforms.structure import count_frames

# Pillow's own bomb check raises its own exception type at its own threshold;
# we check limits.max_input_pixels ourselves, before decoding, with a message
# a client can read.
Image.MAX_IMAGE_PIXELS = None

# Only formats we mean to serve. Pillow can open many more (EPS runs
# Ghostscript, for one), and an origin that fetches URLs should not.
OPENABLE = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "TIFF", "BMP", *decoders.FORMATS)

# What Pillow's decoders raise on hostile or damaged input (RuntimeError: the AVIF plugin,
# "Failed to decode image", "Conversion from YUV failed").
DECODE_ERRORS = (
    OSError,
    RuntimeError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)

EXIF_ORIENTATION = 0x0112


def open_image(ctx: Context) -> None:
    """Read the header: format, size, frame count, orientation. No pixels yet."""
    ctx.img = open_checked(ctx.data, ctx.limits, ctx.spec.source)
    img = ctx.img
    ctx.stored_size = img.size
    ctx.orientation = ctx.spec.rotation.orient or exif_orientation(img)
    ctx.icc_profile = img.info.get("icc_profile")


def open_checked(data: bytes, limits: Limits, source: Source | None = None) -> Image.Image:
    """Pillow's image of `data`, header only, once every limit the header allows is checked.

    A PDF (transforms.pdf, the page `source` names) or an SVG (transforms.svg) is drawn here
    instead, once its size is checked; its image is then already decoded.

    The file's structure (frames, pages, chunks) is counted first, with bounds
    (transforms.structure): Pillow walks it in Python inside one call, where no time
    limit reaches. Raises ImageError.
    """
    if pdf.is_pdf(data):
        source = source or Source()
        return pdf.render_page(data, source.page, source.pdf_annotation, limits)
    if svg.is_svg(data):
        return svg.render(data, limits)
    try:
        frames = count_frames(data, limits.max_frames)
    except (struct.error, IndexError, ValueError):  # a structure too damaged to walk
        raise ImageError("not a decodable image: the header is damaged") from None
    decoders.check_before_open(data, limits)
    try:
        img = Image.open(io.BytesIO(data), formats=OPENABLE)
    except UnidentifiedImageError:
        raise ImageError("not a decodable image: the format is not recognised") from None
    except DECODE_ERRORS:
        raise ImageError("not a decodable image: the header is damaged") from None
    width, height = img.size
    limit = limits.max_input_pixels
    if width * height > limit:
        raise ImageError(f"image is {width} x {height}, over the limit of {limit} pixels")
    _check_frames(img, frames, limits)
    return img


def _check_frames(img: Image.Image, frames: int | None, limits: Limits) -> None:
    """Refuse more frames than `max_frames`, and animations whose frames together exceed
    the pixel limit (a GIF bomb).

    Only the first frame is ever decoded, but the limit is about what the original is.
    `frames` was counted from the file's structure; None where Pillow reads the count from
    a header (AVIF, MPO) or the format has one frame (BMP).
    """
    pixels = img.size[0] * img.size[1]
    limit = limits.max_input_pixels
    if frames is None:
        try:
            frames = int(getattr(img, "n_frames", 1))
        except DECODE_ERRORS:
            raise ImageError("not a decodable image: the animation is damaged") from None
    if frames > limits.max_frames:
        raise ImageError(f"image has more than {limits.max_frames} frames, over the limit")
    if frames > 1 and frames * pixels > limit:
        raise ImageError(
            f"animated image has {frames} frames of {img.size[0]} x {img.size[1]}, "
            f"over the limit of {limit} pixels in all"
        )


def exif_orientation(img: Image.Image) -> int:
    try:
        if img.format == "PNG":
            # Pillow's PNG getexif() decodes the whole image to look for an eXIf
            # chunk after the pixels; the PNG spec puts it before, so read the
            # header's only.
            exif = Image.Image.getexif(img)
        else:
            exif = img.getexif()
        value = exif.get(EXIF_ORIENTATION, 1)
    except DECODE_ERRORS:
        return 1  # a damaged EXIF block should not cost the picture
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def scale_on_load(ctx: Context) -> None:
    """Decode the pixels; a JPEG decodes straight to a smaller size when that is enough.

    Of an animated GIF or WebP that answers as a still, the frame transforms.animation
    picks (the first kept); an animated answer decodes its frames there instead.

    ctx.decode_size is the smallest size the resize can work from
    (geometry.decode_size_for_layout); draft() picks the largest DCT scale (1/2,
    1/4, 1/8) that stays at least that big.
    """
    img = ctx.image
    if ctx.decode_size is not None and isinstance(img, JpegImagePlugin.JpegImageFile):
        img.draft(img.mode, ctx.decode_size)
    check_decoded(img, ctx.limits)
    try:
        if getattr(img, "is_animated", False) and ctx.data:
            # A still of an animation: the first frame `frame`, `skip`... keep (frame 1 by
            # default). Seeking composes the frames before it, one at a time.
            img.seek(still_frame(ctx.data, ctx.spec, ctx.limits))
        img.load()
    except DECODE_ERRORS:
        raise ImageError("not a decodable image: the data is truncated or damaged") from None
    ctx.img = to_working_mode(img, ctx.icc_profile)


def check_decoded(img: Image.Image, limits: Limits) -> None:
    """Refuse to decode more than `max_decoded_pixels`: what a render's memory follows.

    The header limit (max_input_pixels) is about what the original is; this one is about
    what decoding it costs, after any shrink-on-load (a JPEG decoded at 1/8 scale costs 1/64
    of its pixels, so a 100 MP photo still makes a thumbnail). Measured peaks are 4 to 10
    bytes per decoded pixel (RGB to 16-bit PNG), so at the default of 25 MP two renders at
    once stay near half a GiB.
    """
    width, height = img.size
    if width * height > limits.max_decoded_pixels:
        raise ImageError(
            f"image is {width} x {height}: decoding it would take over the limit of "
            f"{limits.max_decoded_pixels} pixels"
        )
