"""Originals in the formats Pillow does not write itself (HEIC, JPEG XL, PDF, SVG), and
hostile ones: truncated, declaring a huge size, or one format's header on another's body."""

from __future__ import annotations

import io

import pillow_heif
import pillow_jxl  # noqa: F401  (registers JXL with Pillow)
from PIL import Image

from tests import imagegen

# A picture whose left half is red and right half blue: a resize keeps that.
LEFT, RIGHT = (220, 30, 30), (30, 30, 220)


def halves(width: int, height: int) -> Image.Image:
    img = Image.new("RGB", (width, height), LEFT)
    img.paste(RIGHT, (width // 2, 0, width, height))
    return img


def heic(width: int = 320, height: int = 200) -> bytes:
    buf = io.BytesIO()
    pillow_heif.from_pillow(halves(width, height)).save(buf, quality=90)
    return buf.getvalue()


def heic_bomb() -> bytes:
    """A real HEIC whose `ispe` box (the declared size) says 60000 x 60000."""
    data = bytearray(heic(64, 64))
    at = data.find(b"ispe")
    data[at + 8 : at + 16] = (60000).to_bytes(4, "big") * 2
    return bytes(data)


def jxl(width: int = 320, height: int = 200) -> bytes:
    buf = io.BytesIO()
    halves(width, height).save(buf, "JXL", quality=90, effort=1)
    return buf.getvalue()


def jxl_bomb(side: int = 100_000) -> bytes:
    """A JPEG XL codestream whose SizeHeader declares side x side, then nothing."""
    bits = [0]  # not "small"
    bits += [1, 1] + [((side - 1) >> i) & 1 for i in range(30)]  # height: U32 selector 3
    bits += [1, 0, 0]  # ratio 1: width = height
    bits += [0] * (-len(bits) % 8)
    octets = (bits[n : n + 8] for n in range(0, len(bits), 8))
    body = bytes(sum(bit << i for i, bit in enumerate(octet)) for octet in octets)
    return b"\xff\x0a" + body + bytes(64)


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def png_under(header: bytes) -> bytes:
    """Another format's body under `header`'s magic bytes."""
    return header + imagegen.png_alpha(40, 30)


def pdf_pages(*colours: tuple[int, int, int], size: tuple[int, int] = (300, 150)) -> bytes:
    """A PDF of one page per colour (Pillow writes each as an image at 72 dpi)."""
    pages = [Image.new("RGB", size, colour) for colour in colours]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    return buf.getvalue()


def pdf_document(media_box: str = "0 0 200 100", annotation: bool = False) -> bytes:
    """A hand-written one-page PDF (a valid cross-reference table), blank, optionally with
    a red square annotation over its left half (PDFium draws its appearance)."""
    annots = "/Annots [4 0 R]" if annotation else ""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] {annots} >>",
        "<< /Type /Annot /Subtype /Square /Rect [10 10 90 90] /C [1 0 0] /IC [1 0 0]"
        " /BS << /W 2 >> /F 4 >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
