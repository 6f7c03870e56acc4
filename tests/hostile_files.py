"""Originals that declare far more structure than they show: pages, frames, chunks, segments.

Each is built byte by byte (quickly: no encoder walks the structure), small enough for a
test, and costly for a reader that walks all of it in Python.
"""

from __future__ import annotations

import struct
import zlib

from tests import imagegen


def tiff_pages(pages: int) -> bytes:
    """A little-endian TIFF of `pages` 1x1 grey pages (100,000 pages: about 10 MB)."""
    entries = [  # tag, type (3 short, 4 long), value
        (256, 3, 1), (257, 3, 1), (258, 3, 8), (259, 3, 1), (262, 3, 1),
        (273, 4, None), (277, 3, 1), (278, 3, 1), (279, 4, 1),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    page_size = ifd_size + 2  # the IFD, one pixel, a byte of padding
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for i in range(pages):
        start = 8 + i * page_size
        pixel_at = start + ifd_size
        next_ifd = start + page_size if i + 1 < pages else 0
        ifd = bytearray(struct.pack("<H", len(entries)))
        for tag, kind, value in entries:
            value = pixel_at if value is None else value
            ifd += struct.pack("<HHI", tag, kind, 1)
            ifd += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<I", next_ifd)
        out += ifd + b"\x80\x00"
    return bytes(out)


def tiff_strips(strips: int) -> bytes:
    """A 1-pixel-wide TIFF of `strips` rows, one strip each: a list of offsets Pillow walks."""
    height = strips
    header = 8
    entries = 9
    ifd_size = 2 + 12 * entries + 4
    offsets_at = header + ifd_size
    counts_at = offsets_at + 4 * strips
    pixels_at = counts_at + 4 * strips
    tags = [
        (256, 3, 1, 1), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
        (273, 4, strips, offsets_at), (277, 3, 1, 1), (278, 3, 1, 1), (279, 4, strips, counts_at),
    ]
    out = bytearray(b"II*\x00" + struct.pack("<I", header) + struct.pack("<H", entries))
    for tag, kind, count, value in tags:
        out += struct.pack("<HHI", tag, kind, count)
        short = kind == 3 and count == 1
        out += struct.pack("<HH", value, 0) if short else struct.pack("<I", value)
    out += struct.pack("<I", 0)
    out += struct.pack(f"<{strips}I", *range(pixels_at, pixels_at + strips))
    out += struct.pack(f"<{strips}I", *([1] * strips))
    out += b"\x80" * strips
    return bytes(out)


def gif_frames(frames: int) -> bytes:
    """A GIF of `frames` 1x1 frames (16 bytes each)."""
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x4c\x01\x00"
    return head + frame * frames + b"\x3b"


def gif_tiny_subblocks(count: int) -> bytes:
    """One 1x1 GIF frame whose data is spread over `count` one-byte sub-blocks."""
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02" + b"\x01\x00" * count
    return head + frame + b"\x00\x3b"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_text_chunks(chunks: int) -> bytes:
    """A 16x16 PNG with `chunks` tEXt chunks before its image data (15 bytes each)."""
    png = imagegen.encode(imagegen.photo(16, 16), "PNG")
    ihdr_end = 8 + 25
    text = _png_chunk(b"tEXt", b"k\x00v")
    return png[:ihdr_end] + text * chunks + png[ihdr_end:]


def png_empty_idats(chunks: int) -> bytes:
    """A 16x16 PNG whose image data is followed by `chunks` empty IDAT chunks."""
    png = imagegen.encode(imagegen.photo(16, 16), "PNG")
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + _png_chunk(b"IDAT", b"") * chunks + png[iend:]


def apng_declaring(frames: int) -> bytes:
    """A two-frame APNG whose acTL claims `frames` frames."""
    img = imagegen.photo(16, 16)
    data = bytearray(imagegen.encode(img, "PNG", save_all=True,
                                     append_images=[img.rotate(90)]))
    at = data.index(b"acTL")
    body = struct.pack(">II", frames, 0)
    data[at + 4 : at + 12] = body
    data[at + 12 : at + 16] = struct.pack(">I", zlib.crc32(b"acTL" + body))
    return bytes(data)


def webp_frames(frames: int) -> bytes:
    """An animated WebP of `frames` frames: one real ANMF chunk repeated."""
    img = imagegen.photo(16, 16)
    data = imagegen.encode(img, "WEBP", save_all=True, append_images=[img.rotate(90)])
    at = data.index(b"ANMF")
    size = int.from_bytes(data[at + 4 : at + 8], "little")
    anmf = data[at : at + 8 + size + (size & 1)]
    body = data[12:at] + anmf * frames
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def jpeg_comments(segments: int) -> bytes:
    """A 16x16 JPEG with `segments` empty comment segments before its image data."""
    jpg = imagegen.jpeg(16, 16)
    return jpg[:2] + b"\xff\xfe\x00\x02" * segments + jpg[2:]


def jpeg_junk(length: int) -> bytes:
    """A 16x16 JPEG with `length` bytes of junk after its first marker (Pillow skips it a
    byte at a time)."""
    jpg = imagegen.jpeg(16, 16)
    return jpg[:2] + b"\x00" * length + jpg[2:]
