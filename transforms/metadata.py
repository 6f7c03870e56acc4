"""`fm=json`: imgix's metadata document about the original, read from its header.

The keys are imgix's (the names Apple's ImageIO gives them): PixelWidth, PixelHeight,
Orientation, DPIWidth, DPIHeight (72 when the file names none, as imgix reports),
Depth, ColorModel, HasAlpha, ProfileName, Content-Type, Content-Length, and the groups
TIFF (camera and software facts of EXIF's first directory), Exif, JFIF and IPTC.
Never GPS: no location leaves Signet, neither the GPS directory nor the maker notes
(vendor blobs that may hold it). The pixels are not decoded; the other parameters do not
change the document (it describes the original, as imgix's does), and imgix's `Output`
group is left out, but for an animation's frame count (`Output.Frames`).
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

from transforms.formats import CONTENT_TYPES, sniff
from transforms.iptc import iptc_datasets
from transforms.steps.load import DECODE_ERRORS

DEFAULT_DPI = 72
MAX_ENTRIES = 256  # per group: a hostile file may declare thousands of tags
MAX_TEXT = 1000
MAX_BYTES_SHOWN = 16  # short UNDEFINED values (ExifVersion, ComponentsConfiguration)
EXCLUDED = {0x927C, ExifTags.Base.GPSInfo}  # MakerNote, and the pointer to GPS
TIFF_TAGS = {
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x011A: "XResolution",
    0x011B: "YResolution",
    0x0128: "ResolutionUnit",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x8298: "Copyright",
}
IPTC_NAMES = {
    5: "ObjectName",
    10: "Urgency",
    15: "Category",
    20: "SupplementalCategory",
    25: "Keywords",
    40: "SpecialInstructions",
    55: "DateCreated",
    60: "TimeCreated",
    80: "Byline",
    85: "BylineTitle",
    90: "City",
    92: "SubLocation",
    95: "Province/State",
    100: "Country/PrimaryLocationCode",
    101: "Country/PrimaryLocationName",
    103: "OriginalTransmissionReference",
    105: "Headline",
    110: "Credit",
    115: "Source",
    116: "CopyrightNotice",
    118: "Contact",
    120: "Caption/Abstract",
    122: "Writer/Editor",
}
IPTC_LISTS = {20, 25, 80}  # datasets that repeat: always a list
COLOUR_MODELS = {"L": "Gray", "LA": "Gray", "1": "Gray", "I": "Gray", "CMYK": "CMYK", "LAB": "Lab"}


def metadata_document(
    img: Image.Image,
    data: bytes,
    orientation: int,
    frames: int = 1,
    faces: list[dict[str, Any]] | None = None,
) -> bytes:
    """The JSON document for an original opened by the load step's open_image. An animation
    (`frames` > 1, counted from its structure) has imgix's `"Output": {"Frames": n}`;
    `faces` (faces=1): imgix's "Faces" list, each {"bounds": {x, y, width, height}}."""
    fmt = sniff(data)
    dpi = _dpi(img.info.get("dpi"))
    doc: dict[str, Any] = {
        "PixelWidth": img.size[0],
        "PixelHeight": img.size[1],
        "Orientation": orientation,
        # PNG stores dots per metre: 300 dpi reads back as 299.9994.
        "DPIWidth": _number(round(float(dpi[0]), 2)),
        "DPIHeight": _number(round(float(dpi[1]), 2)),
        "Depth": _depth(img.mode),
        "ColorModel": COLOUR_MODELS.get(img.mode.split(";")[0], "RGB"),
        "HasAlpha": img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info,
        "Content-Type": CONTENT_TYPES.get(fmt or "", "application/octet-stream"),
        "Content-Length": str(len(data)),
    }
    if name := _profile_name(img.info.get("icc_profile")):
        doc["ProfileName"] = name
    doc.update(_exif_groups(img))
    if fmt == "jpg":
        doc["JFIF"] = _jfif(img)
    if iptc := _iptc(img):
        doc["IPTC"] = iptc
    if frames > 1:
        doc["Output"] = {"Frames": frames}
    if faces is not None:
        doc["Faces"] = faces
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _dpi(value: Any) -> tuple[float, float]:
    """The file's (x, y) resolution, or imgix's 72 when it names none (or 0/0, damaged)."""
    try:
        x, y = (float(v) for v in value[:2])
    except (TypeError, ValueError, ZeroDivisionError):
        return (DEFAULT_DPI, DEFAULT_DPI)
    if not (math.isfinite(x) and math.isfinite(y) and x > 0 and y > 0):
        return (DEFAULT_DPI, DEFAULT_DPI)
    return (x, y)


def _depth(mode: str) -> int:
    if mode == "1":
        return 1
    if mode.startswith("I;16"):
        return 16
    return 32 if mode in ("I", "F") else 8


def _profile_name(icc: bytes | None) -> str | None:
    if not icc:
        return None
    try:
        name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return name.strip()[:MAX_TEXT] or None


def _exif_groups(img: Image.Image) -> dict[str, dict[str, Any]]:
    try:
        # PNG's getexif() would decode the pixels to look after them (see the load step).
        exif = Image.Image.getexif(img) if img.format == "PNG" else img.getexif()
        tiff = {TIFF_TAGS[t]: v for t, v in exif.items() if t in TIFF_TAGS}
        ifd = dict(exif.get_ifd(ExifTags.IFD.Exif))
    except DECODE_ERRORS:
        return {}
    groups = {}
    if tiff := _json_values(tiff.items()):
        groups["TIFF"] = tiff
    named = (
        (ExifTags.TAGS[t], v) for t, v in ifd.items() if t in ExifTags.TAGS and t not in EXCLUDED
    )
    if exif_group := _json_values(named):
        groups["Exif"] = exif_group
    return groups


def _json_values(items) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in items:
        if len(out) >= MAX_ENTRIES:
            break
        converted = _json_value(value)
        if converted is not None:
            out[name] = converted
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, TiffImagePlugin.IFDRational):
        return None if value.denominator == 0 else _number(float(value))
    if isinstance(value, bool | int | float):
        return _number(value)
    if isinstance(value, str):
        return value.replace("\x00", "").strip()[:MAX_TEXT]
    if isinstance(value, bytes):
        text = value.rstrip(b"\x00")
        if text and all(32 <= b < 127 for b in text):
            return text.decode("ascii")[:MAX_TEXT]
        if len(value) <= MAX_BYTES_SHOWN:
            return " ".join(str(b) for b in value)
        return None
    if isinstance(value, tuple):
        items = [_json_value(v) for v in value[:MAX_ENTRIES]]
        return [v for v in items if v is not None]
    return None


def _number(value: Any) -> int | float | None:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None  # JSON has no NaN or infinity
        return int(value) if value.is_integer() else round(value, 6)
    return value


def _jfif(img: Image.Image) -> dict[str, Any]:
    jfif: dict[str, Any] = {"IsProgressive": bool(img.info.get("progressive"))}
    if "jfif_density" in img.info:
        jfif["XDensity"], jfif["YDensity"] = img.info["jfif_density"]
        jfif["DensityUnit"] = img.info.get("jfif_unit", 0)
    if "jfif_version" in img.info:
        jfif["JFIFVersion"] = list(img.info["jfif_version"])
    return jfif


def _iptc(img: Image.Image) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (record, dataset), value in iptc_datasets(img).items():
        name = IPTC_NAMES.get(dataset) if record == 2 else None
        if name is None or len(out) >= MAX_ENTRIES:
            continue
        values = value if isinstance(value, list) else [value]
        texts = [v.decode("utf-8", "replace")[:MAX_TEXT] for v in values[:MAX_ENTRIES]]
        out[name] = texts if dataset in IPTC_LISTS else texts[0]
    return out
