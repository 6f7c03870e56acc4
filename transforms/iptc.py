"""IPTC (IIM) metadata: reading an original's block, and carrying it into a JPEG (`iptc=allow`)."""

from __future__ import annotations

import io
import struct

from PIL import Image, IptcImagePlugin, JpegImagePlugin

IPTC_RESOURCE = 0x0404  # Photoshop's image resource holding the IPTC-NAA record
MAX_SEGMENT = 65533  # a JPEG marker segment's payload


def iptc_block(data: bytes) -> bytes | None:
    """The raw IPTC-NAA record of a JPEG original (its APP13 Photoshop resource), if any."""
    try:
        img = Image.open(io.BytesIO(data), formats=("JPEG",))
    except Exception:  # noqa: BLE001 - any unreadable header simply has no IPTC
        return None
    if not isinstance(img, JpegImagePlugin.JpegImageFile):
        return None
    block = img.info.get("photoshop", {}).get(IPTC_RESOURCE)
    return block if isinstance(block, bytes) and block else None


def app13_segment(block: bytes) -> bytes:
    """A JPEG APP13 segment holding only the IPTC resource (no thumbnails, no paths)."""
    resource = b"8BIM" + struct.pack(">H", IPTC_RESOURCE) + b"\0\0"  # empty name, padded
    resource += struct.pack(">I", len(block)) + block + bytes(len(block) % 2)
    payload = b"Photoshop 3.0\0" + resource
    if len(payload) > MAX_SEGMENT:
        return b""  # IPTC past one segment is not carried (real blocks are a few KB)
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def iptc_datasets(img: Image.Image) -> dict[tuple[int, int], bytes | list[bytes]]:
    """An opened original's IPTC datasets by (record, dataset), as Pillow reads them."""
    try:
        info = IptcImagePlugin.getiptcinfo(img)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a damaged block costs the IPTC, not the answer
        return {}
    return info or {}
