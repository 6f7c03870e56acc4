"""JPEG XL: the size a file declares, read from its first bytes before any decoder runs.

The Pillow plugin (pillow-jxl-plugin) decodes every pixel inside `Image.open`, so the
pixel limits must be checked here, from the codestream's SizeHeader (ISO/IEC 18181-1,
A.3.2): a few bits after the 0xFF0A signature. A file in the ISO-BMFF container keeps its
codestream in a `jxlc` box, or split over `jxlp` boxes; at most MAX_BOXES are walked.
"""

from __future__ import annotations

from transforms.errors import ImageError

SIGNATURE = b"\xff\x0a"
CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
MAX_BOXES = 64
# SizeHeader's U32 distribution: (bits, offset) per 2-bit selector.
_U32 = ((9, 1), (13, 1), (18, 1), (30, 1))
# ratio code -> width as a fraction of height (code 0: width is coded).
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def is_jxl(data: bytes) -> bool:
    return data.startswith(SIGNATURE) or data.startswith(CONTAINER)


class _Bits:
    """Reads a codestream's bits, least significant first, as JPEG XL writes them."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, count: int) -> int:
        value = 0
        for i in range(count):
            byte = self.pos >> 3
            if byte >= len(self.data):
                raise ImageError("not a decodable image: the JPEG XL header is truncated")
            value |= ((self.data[byte] >> (self.pos & 7)) & 1) << i
            self.pos += 1
        return value

    def u32(self) -> int:
        bits, offset = _U32[self.read(2)]
        return self.read(bits) + offset


def declared_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the SizeHeader. Raises ImageError if it cannot be read."""
    bits = _Bits(_codestream(data)[2:])
    small = bits.read(1)
    height = (bits.read(5) + 1) * 8 if small else bits.u32()
    ratio = bits.read(3)
    if ratio:
        num, den = _RATIOS[ratio]
        width = height * num // den
    else:
        width = (bits.read(5) + 1) * 8 if small else bits.u32()
    return width, height


def _codestream(data: bytes) -> bytes:
    if data.startswith(SIGNATURE):
        return data
    pos, end = len(CONTAINER), len(data)
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            break
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:  # a 64-bit size follows
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            header = 16
        body = data[pos + header : end if size == 0 else pos + size]
        if kind == b"jxlc":
            return body
        if kind == b"jxlp":
            return body[4:]  # a 4-byte part index, then the codestream's first part
        if size == 0 or size < header:
            break
        pos += size
    raise ImageError("not a decodable image: the JPEG XL file has no codestream")
