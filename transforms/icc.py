"""ICC profiles for `cs`: the ones Signet writes, and converting pixels between them.

Pillow's LittleCMS builds sRGB itself; Adobe RGB (1998) and the tiny sRGB are small
matrix/TRC profiles (ICC v2) written here from their published primaries, so no profile
file has to ship with Signet:
- `adobergb1998`: Adobe RGB (1998)'s primaries and its gamma of 563/256, adapted to D50;
- `tinysrgb`: sRGB's primaries with a plain 2.2 gamma (about 500 bytes instead of
  several KB; the tone curve differs slightly from sRGB's, as imgix warns).
"""

from __future__ import annotations

import functools
import io
import struct

from PIL import Image, ImageCms

D50 = (0.9642, 1.0, 0.8249)
# Colorants adapted to the D50 connection space (Bradford), as matrix profiles store them.
SRGB_COLORANTS = (
    (0.4360747, 0.2225045, 0.0139322),
    (0.3850649, 0.7168786, 0.0971045),
    (0.1430804, 0.0606169, 0.7141733),
)
ADOBE_COLORANTS = (
    (0.6097559, 0.3111242, 0.0194811),
    (0.2052401, 0.6256560, 0.0608902),
    (0.1492240, 0.0632197, 0.7448387),
)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz)


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)
        + bytes(67)  # no Macintosh ScriptCode description
    )


def matrix_profile(description: str, colorants, gamma_256: int) -> bytes:
    """An ICC v2 RGB display profile: three colorants and one gamma curve for all channels."""
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, gamma_256)  # u8Fixed8: gamma * 256
    tags = [
        (b"desc", _desc(description)),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
        (b"wtpt", _xyz(D50)),
        (b"rXYZ", _xyz(colorants[0])),
        (b"gXYZ", _xyz(colorants[1])),
        (b"bXYZ", _xyz(colorants[2])),
        (b"rTRC", curve),
    ]
    table_size = 4 + 12 * (len(tags) + 2)  # gTRC and bTRC share rTRC's data
    offset = 128 + table_size
    entries, data = [], b""
    for signature, body in tags:
        entries.append((signature, offset + len(data), len(body)))
        data += body + bytes(-len(body) % 4)
    trc = entries[-1]
    entries += [(b"gTRC", trc[1], trc[2]), (b"bTRC", trc[1], trc[2])]
    table = struct.pack(">I", len(entries)) + b"".join(
        sig + struct.pack(">II", off, size) for sig, off, size in entries
    )
    size = 128 + len(table) + len(data)
    header = (
        struct.pack(">I", size)
        + bytes(4)  # preferred CMM
        + bytes((2, 0x10, 0, 0))  # version 2.1
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)  # platform, flags, manufacturer, model, attributes
        + bytes(4)  # perceptual intent
        + b"".join(_s15(v) for v in D50)
        + bytes(48)  # creator, profile id, reserved
    )
    assert len(header) == 128
    return header + table + data


@functools.cache
def profile_bytes(space: str) -> bytes:
    """The profile written into an output in colour space `space` (srgb, tinysrgb, adobergb1998)."""
    if space == "srgb":
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if space == "tinysrgb":
        return matrix_profile("sRGB (tiny, gamma 2.2)", SRGB_COLORANTS, 563)
    if space == "adobergb1998":
        return matrix_profile("Compatible with Adobe RGB (1998)", ADOBE_COLORANTS, 563)
    raise ValueError(space)


@functools.lru_cache(maxsize=32)  # one per distinct embedded profile and target: a few
def _transform(source: bytes | None, target: str, mode: str) -> ImageCms.ImageCmsTransform:
    src = ImageCms.createProfile("sRGB") if source is None else _profile(source)
    dst = ImageCms.ImageCmsProfile(io.BytesIO(profile_bytes(target)))
    return ImageCms.buildTransform(src, dst, mode, mode)


def _profile(data: bytes) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(data))


def convert(img: Image.Image, source: bytes | None, target: str) -> Image.Image:
    """Pixels of an RGB or RGBA image from `source` (None: sRGB) into `target`'s space.

    Raises ImageCms.PyCMSError (or OSError) for a profile LittleCMS cannot use.
    """
    converted = ImageCms.applyTransform(img, _transform(source, target, img.mode))
    assert converted is not None
    return converted
