"""Counting what a file declares (frames, pages, chunks, segments, blocks) before Pillow
walks it, each count bounded so that the count itself is cheap.

Pillow walks these in Python, one at a time and inside one call: `n_frames` on a TIFF of
100,000 pages took 76 s, a PNG of a million text chunks 2.4 s to open, a JPEG of
millions of empty comment segments as long. No time check between pipeline steps can
reach inside such a call, so the work is bounded before it: each walker here reads only
the structure's headers, stops as soon as a bound is passed, and raises ImageError then.

Bounds (README, "Limits"): frames or pages at most `limits.max_frames`; blocks of
metadata (PNG chunks other than image data, JPEG segments before the image data, GIF
extensions, WebP chunks) at most `max_frames + METADATA_BLOCKS` each; PNG image data
chunks at most one per KiB of file (plus METADATA_BLOCKS and one per frame); GIF data
sub-blocks at most one per 64 bytes of file (real encoders write 255-byte ones); TIFF
strips or tiles of the first page at most MAX_TIFF_STRIPS. A file that breaks off early
is left to Pillow, which says so.
"""

from __future__ import annotations

import struct

from transforms.errors import ImageError

METADATA_BLOCKS = 64
MAX_JUNK_BYTES = 4096  # bytes between JPEG segments or GIF blocks that are neither
MAX_TIFF_STRIPS = 65_536
MAX_TIFF_TAGS = 4096  # tags in the first page (Pillow reads each); real files have dozens
GIF_SUBBLOCK_BYTES = 64
PNG_DATA_CHUNK_BYTES = 1024

_TIFF_STRIP_TAGS = (273, 324)  # StripOffsets, TileOffsets


def count_frames(data: bytes, max_frames: int) -> int | None:
    """The frames (pages) of the file, walking at most a bounded part of its structure.

    None: a format whose count Pillow reads from a header (AVIF, MPO) or that has one
    frame (BMP); ask Pillow then. Raises ImageError past a bound.
    """
    if data.startswith(b"\xff\xd8"):
        _jpeg_segments(data, max_frames + METADATA_BLOCKS)
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_frames(data, max_frames)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif_frames(data, max_frames)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_frames(data, max_frames)
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _tiff_pages(data, max_frames)
    return None


def _too_many(what: str, bound: int) -> ImageError:
    return ImageError(f"not a decodable image: it has over {bound} {what}")


def _over_frames(max_frames: int) -> ImageError:
    return ImageError(f"image has more than {max_frames} frames, over the limit")


def _jpeg_segments(data: bytes, bound: int) -> None:
    """Markers up to the first scan (what Pillow reads in Python, skipping junk and fill
    bytes one at a time); the scans are libjpeg's."""
    pos, segments, junk, end = 2, 0, 0, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF or data[pos + 1] in (0x00, 0xFF):
            junk += 1
            if junk > MAX_JUNK_BYTES:
                raise _too_many("bytes of junk between JPEG segments", MAX_JUNK_BYTES)
            pos += 1
            continue
        marker = data[pos + 1]
        segments += 1
        if segments > bound:
            raise _too_many("JPEG segments before its image data", bound)
        if marker == 0xDA:  # start of scan
            return
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")


def _png_frames(data: bytes, max_frames: int) -> int:
    frames = 1
    other_bound = max_frames + METADATA_BLOCKS
    data_bound = METADATA_BLOCKS + max_frames + len(data) // PNG_DATA_CHUNK_BYTES
    other = image_data = 0
    pos, end = 8, len(data)
    while pos + 8 <= end:
        length, kind = struct.unpack_from(">I4s", data, pos)
        if kind in (b"IDAT", b"fdAT"):
            image_data += 1
            if image_data > data_bound:
                raise _too_many("PNG image data chunks", data_bound)
        else:
            other += 1
            if other > other_bound:
                raise _too_many("PNG chunks", other_bound)
            if kind == b"acTL" and pos + 12 <= end:
                frames = max(1, int.from_bytes(data[pos + 8 : pos + 12], "big"))
                if frames > max_frames:
                    raise _over_frames(max_frames)
            elif kind == b"IEND":
                break
        pos += 12 + length
    return frames


def _gif_frames(data: bytes, max_frames: int) -> int:
    end = len(data)
    if end < 13:
        return 1
    blocks_bound = 2 * max_frames + METADATA_BLOCKS  # a frame is a graphic control + an image
    sub_bound = METADATA_BLOCKS * 8 + 4 * max_frames + end // GIF_SUBBLOCK_BYTES
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = blocks = subs = junk = 0
    while pos < end:
        introducer = data[pos]
        if introducer in (0x21, 0x2C):
            blocks += 1
            if blocks > blocks_bound:
                raise _too_many("GIF blocks", blocks_bound)
        if introducer == 0x21:  # extension: label, then sub-blocks
            pos += 2
        elif introducer == 0x2C:  # image: descriptor, local palette, LZW size, sub-blocks
            frames += 1
            if frames > max_frames:
                raise _over_frames(max_frames)
            if pos + 10 > end:
                break
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        elif introducer == 0x3B:  # the trailer
            break
        else:  # junk, which Pillow skips a byte at a time
            junk += 1
            if junk > MAX_JUNK_BYTES:
                raise _too_many("bytes of junk between GIF blocks", MAX_JUNK_BYTES)
            pos += 1
            continue
        while pos < end:  # the sub-blocks, up to their empty terminator
            size = data[pos]
            pos += 1 + size
            subs += 1
            if size == 0:
                break
            if subs > sub_bound:
                raise _too_many("GIF data blocks", sub_bound)
    return max(frames, 1)


def _webp_frames(data: bytes, max_frames: int) -> int:
    bound = max_frames + METADATA_BLOCKS
    frames = chunks = 0
    pos, end = 12, min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    while pos + 8 <= end:
        chunks += 1
        if chunks > bound:
            raise _too_many("WebP chunks", bound)
        kind = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if kind == b"ANMF":
            frames += 1
            if frames > max_frames:
                raise _over_frames(max_frames)
        pos += 8 + size + (size & 1)
    return max(frames, 1)


def _tiff_pages(data: bytes, max_frames: int) -> int:
    """Follows the chain of image file directories (pages), reading two numbers per page."""
    order = "<" if data[:2] == b"II" else ">"
    big = data[2:4] in (b"+\x00", b"\x00+")  # BigTIFF: 8-byte offsets and counts
    count_fmt, entry_size, offset_fmt = ("Q", 20, "Q") if big else ("H", 12, "I")
    count_size, offset_size = struct.calcsize(count_fmt), struct.calcsize(offset_fmt)
    header = 16 if big else 8
    if len(data) < header:
        return 1
    offset = struct.unpack_from(order + offset_fmt, data, 8 if big else 4)[0]
    seen: set[int] = set()
    pages = 0
    while offset and offset not in seen and offset + count_size <= len(data):
        seen.add(offset)  # a loop of pages ends where Pillow ends it
        pages += 1
        if pages > max_frames:
            raise _over_frames(max_frames)
        entries = struct.unpack_from(order + count_fmt, data, offset)[0]
        first = offset + count_size
        if pages == 1:
            _tiff_strips(data, order, first, entries, entry_size, big)
        next_at = first + entries * entry_size
        if next_at + offset_size > len(data):
            break
        offset = struct.unpack_from(order + offset_fmt, data, next_at)[0]
    return max(pages, 1)


def _tiff_strips(data: bytes, order: str, first: int, entries: int, size: int, big: bool) -> None:
    """Pillow reads every tag of the first page, and makes a Python list of its strips (or
    tiles), when it opens it."""
    if entries > MAX_TIFF_TAGS:
        raise _too_many("TIFF tags in a page", MAX_TIFF_TAGS)
    count_fmt = order + ("Q" if big else "I")
    for i in range(entries):
        at = first + i * size
        if at + size > len(data):
            return
        tag = struct.unpack_from(order + "H", data, at)[0]
        if tag in _TIFF_STRIP_TAGS:
            count = struct.unpack_from(count_fmt, data, at + 4)[0]
            if count > MAX_TIFF_STRIPS:
                raise _too_many("TIFF strips or tiles in a page", MAX_TIFF_STRIPS)
