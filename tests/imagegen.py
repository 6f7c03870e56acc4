"""Deterministic test images, made here (no downloads)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def photo(width: int = 800, height: int = 600, mode: str = "RGB") -> Image.Image:
    """A photo-like picture: gradients and shapes, so resizing and encoding do real work."""
    img = Image.linear_gradient("L").resize((width, height))
    r = img
    g = img.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    b = Image.radial_gradient("L").resize((width, height))
    out = Image.merge("RGB", (r, g, b))
    draw = ImageDraw.Draw(out)
    for i in range(8):
        x = (i * 97) % max(width - 40, 1)
        y = (i * 53) % max(height - 40, 1)
        draw.ellipse((x, y, x + width // 6, y + height // 6), fill=(255 - i * 30, i * 30, 128))
    if mode != "RGB":
        out = out.convert(mode)
    return out


def encode(img: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def jpeg(width: int = 800, height: int = 600, quality: int = 90, **params) -> bytes:
    return encode(photo(width, height), "JPEG", quality=quality, **params)


def png_alpha(width: int = 400, height: int = 300) -> bytes:
    img = photo(width, height).convert("RGBA")
    alpha = Image.linear_gradient("L").resize((width, height))
    img.putalpha(alpha)
    return encode(img, "PNG")


def jpeg_with_orientation(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """A JPEG stored landscape whose EXIF says to show it rotated (6 = 90 degrees clockwise),
    carrying a GPS tag that must never reach the output."""
    img = photo(width, height)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SignetCam"  # Make
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps
    return encode(img, "JPEG", quality=90, exif=exif.tobytes())


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    row = b"\x00" + b"\x00" * width
    idat = zlib.compress(row * 4, 9)  # a few rows only; the header is what matters
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_jpeg(width: int = 800, height: int = 600) -> bytes:
    data = jpeg(width, height)
    return data[: len(data) // 3]


def solid(width: int, height: int, color: tuple[int, ...], mode: str = "RGB") -> Image.Image:
    return Image.new(mode, (width, height), color)


def open_bytes(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def animated_gif(width: int = 120, height: int = 80, frames: int = 4) -> bytes:
    """A small animation whose frames are solid red, green, blue, ... in turn."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [solid(width, height, colours[i % len(colours)]) for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def gif_bomb(width: int = 5000, height: int = 5000, frames: int = 10) -> bytes:
    """A GIF of a few hundred bytes whose logical screen times its frame count is huge.

    Every frame is a 1x1 image, so the file stays tiny; a decoder that composites
    frames on the full screen would still pay width * height per frame.
    """
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0)  # 2-entry global palette
    palette = b"\x00\x00\x00\xff\xff\xff"
    # One pixel of colour 0, LZW with a 2-bit minimum code size: clear, 0, end.
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + palette + frame * frames + b"\x3b"


def cmyk_jpeg(width: int = 200, height: int = 100) -> bytes:
    return encode(photo(width, height).convert("CMYK"), "JPEG", quality=90)


def grey16_png(width: int = 64, height: int = 64, value: int = 40000) -> bytes:
    """A 16-bit greyscale PNG of one level (0-65535)."""
    return encode(Image.new("I;16", (width, height), value), "PNG")


def halves(
    width: int,
    height: int,
    first: tuple[int, int, int],
    second: tuple[int, int, int],
    vertical: bool = True,
) -> Image.Image:
    """Two flat colours: top/bottom halves when `vertical`, else left/right."""
    img = solid(width, height, first)
    box = (0, height // 2, width, height) if vertical else (width // 2, 0, width, height)
    img.paste(second, box)
    return img


def quadrants(width: int = 400, height: int = 400) -> Image.Image:
    """Red, green / blue, white quadrants (top-left, top-right / bottom-left, bottom-right)."""
    img = solid(width, height, (255, 0, 0))
    img.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    img.paste((0, 0, 255), (0, height // 2, width // 2, height))
    img.paste((255, 255, 255), (width // 2, height // 2, width, height))
    return img


def jpeg_bomb(width: int = 65000, height: int = 65000) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims huge dimensions."""
    data = bytearray(jpeg(16, 16))
    sof = data.find(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), then height and width (2 each).
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def webp_bomb(width: int = 16383, height: int = 16383) -> bytes:
    """A small animated WebP whose VP8X header claims a huge canvas (its frames stay 16x16)."""
    frames = [solid(16, 16, (255, 0, 0)), solid(16, 16, (0, 255, 0))]
    data = bytearray(
        encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    )
    vp8x = data.find(b"VP8X")
    # VP8X payload: flags (4), then canvas width - 1 and height - 1, 24 bits little-endian.
    data[vp8x + 12 : vp8x + 15] = (width - 1).to_bytes(3, "little")
    data[vp8x + 15 : vp8x + 18] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def corrupt(data: bytes, keep: int = 64) -> bytes:
    """The first `keep` bytes (a valid header), then the rest overwritten with a pattern."""
    return data[:keep] + bytes((i * 37) & 0xFF for i in range(len(data) - keep))
