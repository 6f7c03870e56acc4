"""Output: the encoded format and its options (imgix's "format" and "color palette" groups)."""

from __future__ import annotations

from dataclasses import dataclass, field

# `fm` values. json and blurhash are documents about the image, not pictures; jxr has no
# maintained encoder and is answered as JPEG (formats.choose_format says so in a header).
FORMATS = (
    "jpg",
    "pjpg",
    "png",
    "png8",
    "png32",
    "webp",
    "avif",
    "gif",
    "jp2",
    "jxl",
    "jxr",
    "json",
    "blurhash",
)
VIDEO_FORMATS = ("mp4", "webm")
COLOUR_SPACES = ("srgb", "adobergb1998", "tinysrgb", "strip")  # "origin" is the default, None
CLIENT_HINTS = ("width", "dpr", "save-data")


@dataclass(frozen=True)
class Output:
    """The encoded output: format, quality, colour space, metadata and delivery options.

    Defaults mean "as Signet always did": the original's format, its ICC profile kept,
    no DPI, no IPTC, baseline JPEG, an inline answer, no client hints.
    """

    fm: str | None = None  # one of FORMATS; None keeps the original's format
    q: int | None = None  # None: the format's default (75, or 45 with auto=compress)
    auto: frozenset[str] = field(default_factory=frozenset)  # {"format", "compress"}
    palette: str | None = None  # "css" or "json": the colour palette instead of the image
    colors: int = 6  # palette: how many colours in the frequency set (0-16)
    prefix: str = "image"  # palette=css: the class name prefix
    cs: str | None = None  # one of COLOUR_SPACES; None keeps the original's (imgix's origin)
    chromasub: int | None = None  # JPEG/AVIF chroma subsampling 444, 422; None: 420
    colorquant: int | None = None  # at most this many colours (2-256)
    dpi: int | None = None  # the resolution written into the file
    iptc: bool = False  # iptc=allow: a JPEG keeps the original's IPTC block
    progressive: bool | None = None  # jpg-progressive; None: by format (pjpg progressive)
    lossless: bool = False
    dl: str | None = None  # download file name: Content-Disposition: attachment
    ch: frozenset[str] = field(default_factory=frozenset)  # client hints the URL opts into
    faces: bool = False  # fm=json: the detected faces' boxes in the document (`faces=1`)
