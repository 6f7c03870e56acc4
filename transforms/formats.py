"""Image formats: recognising an original, and choosing what to answer with."""

from __future__ import annotations

from transforms.spec import TransformSpec
from transforms.svg import is_svg

CONTENT_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "pjpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "png8": "image/png",
    "png32": "image/png",
    "jp2": "image/jp2",
    "jxl": "image/jxl",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    # Documents about the image rather than pictures of it.
    "json": "application/json",
    "blurhash": "text/plain",
    "palette-css": "text/css",
    "palette-json": "application/json",
}
DOCUMENTS = frozenset({"json", "blurhash", "palette-css", "palette-json"})
# fm=jxr: no maintained JPEG XR encoder exists, so it is answered as this (and says so).
FALLBACKS = {"jxr": "jpg"}

# Formats a browser can show, so an original in one of them is answered in kind.
WEB_FORMATS = frozenset({"jpg", "png", "gif", "webp", "avif"})
# Outputs that keep transparency (a palette is taken from the pixels that are not transparent).
ALPHA_FORMATS = frozenset(
    {"png", "png8", "png32", "webp", "avif", "gif", "jp2", "jxl", "palette-css", "palette-json"}
)


def sniff(data: bytes) -> str | None:
    """The format named by the leading magic bytes, or None if not one we know."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and _is_avif_ftyp(data):
        return "avif"
    if data[4:8] == b"ftyp" and _is_heif_ftyp(data):
        return "heic"
    if data.startswith(b"\xff\x0a") or data.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "jxl"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if is_svg(data):
        return "svg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] == b"BM":
        return "bmp"
    return None


HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})


def _ftyp_brands(data: bytes) -> set[bytes]:
    # ISO-BMFF: the ftyp box lists a major brand and compatible brands.
    size = int.from_bytes(data[:4], "big")
    box = data[8 : max(size, 16)]
    return {box[i : i + 4] for i in range(0, len(box) - 3, 4)}


def _is_avif_ftyp(data: bytes) -> bool:
    # HEIC shares the container, so only the AVIF brands count.
    return bool(_ftyp_brands(data) & {b"avif", b"avis"})


def _is_heif_ftyp(data: bytes) -> bool:
    return bool(_ftyp_brands(data) & HEIF_BRANDS)


def accepts(accept: str, mime: str) -> bool:
    """Whether an Accept header names `mime` explicitly with q > 0.

    Wildcards do not count: every browser sends */*, and old ones cannot show AVIF.
    """
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() != mime:
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def may_animate(head: bytes) -> bool:
    """Whether an original may be animated, from the first bytes of it: a WebP says so in its
    VP8X header; a GIF's frames can be anywhere, so every GIF may be."""
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return True
    return head[:4] == b"RIFF" and head[8:16] == b"WEBPVP8X" and len(head) > 20 and bool(
        head[20] & 0x02
    )


def choose_format(
    spec: TransformSpec, source_format: str | None, accept: str, animated: bool = False
) -> tuple[str, bool]:
    """(output format, negotiated). When negotiated, the answer must carry Vary: Accept.

    `animated`: the original may be an animation (may_animate). Then auto=format, where the
    answer would otherwise stay animated (a GIF or WebP out, more than one frame), picks
    only WebP (animated WebP) when Accept names it: Signet animates no AVIF or JPEG XL.

    `source_format` is what sniff() said about the original. Originals that
    browsers cannot show (TIFF, BMP, HEIC, JPEG XL, unknown) become JPEG; render flattens any
    alpha onto `bg` or white. `spec.original` keeps the original's own format. A palette
    or a document (`fm=json`, `fm=blurhash`) is never negotiated.
    """
    if spec.original and source_format is not None:
        return source_format, False
    if spec.source.rasterize_bypass and source_format == "svg":
        return "svg", False  # the SVG itself (pipeline.render), whatever else is asked
    if spec.output.palette is not None:
        return f"palette-{spec.output.palette}", False  # palette wins over fm, as imgix's
    if spec.output.fm in DOCUMENTS:
        return spec.output.fm, False
    if spec.output.fm is not None:
        fallback = FALLBACKS.get(spec.output.fm, spec.output.fm)
    elif source_format in WEB_FORMATS:
        fallback = source_format
    elif source_format == "svg":
        fallback = "png"  # a drawing keeps its transparency and its sharp edges
    else:
        fallback = "jpg"
    if "format" not in spec.output.auto:
        return fallback, False
    frames = spec.animation.frames
    if animated and fallback in ("gif", "webp") and not (frames and frames[0] == frames[1]):
        return ("webp", True) if accepts(accept, "image/webp") else (fallback, True)
    # JPEG XL first for the browsers that say they show it (Safari 17): smaller than AVIF
    # at the same quality, and it has a true lossless mode.
    if accepts(accept, "image/jxl"):
        return "jxl", True
    # AVIF has no true lossless mode (imgix says so too); lossless=true prefers WebP's.
    if accepts(accept, "image/avif") and not spec.output.lossless:
        return "avif", True
    if accepts(accept, "image/webp"):
        return "webp", True
    return fallback, True
