"""The transform spec: one immutable value that both URL dialects parse into."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

FITS = ("clip", "max", "crop", "fill", "scale", "min")
# ImageKit's crop modes without an imgix twin: c-at_least (cover, no crop), cm-extract
# (a region at the original scale, placed by gravity), cm-pad_extract (the same, padded).
IMAGEKIT_FITS = ("at_least", "extract", "pad_extract")
FORMATS = ("jpg", "pjpg", "png", "webp", "avif", "gif")


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from costing unbounded memory or time."""

    max_input_pixels: int = 100_000_000
    max_output_pixels: int = 25_000_000
    max_dpr: float = 5.0
    max_seconds: float | None = None  # a render stops between steps once past this
    # Frames or pages of an original (animations, multi-page TIFF); chunks and segments are
    # bounded from it too (transforms.structure). Nothing the file declares is walked past it.
    max_frames: int = 1000
    # Pixels actually decoded (after a JPEG's shrink-on-load): a render's memory follows them.
    max_decoded_pixels: int = 25_000_000


@dataclass(frozen=True)
class Overlay:
    """A layer drawn over the resized image: an image watermark or a text.

    Both URL dialects parse into this (imgix `mark*`/`txt*`, ImageKit `l-image`/`oi-`).
    Sizes and offsets are in CSS pixels of the output: the pipeline multiplies them by
    the spec's dpr, so a dpr=2 output gets a mark twice as many pixels wide.
    """

    kind: str  # "image" or "text"
    path: str = ""  # image: a path in the same source, or "source-name:path"
    text: str = ""
    w: float | None = None  # pixels when >= 1, a fraction of the base image in (0, 1)
    h: float | None = None
    scale: float | None = None  # percent of the base image's width
    align: tuple[str, str] = ("bottom", "right")  # (top|middle|bottom, left|center|right)
    pad: int = 5
    x: int | None = None  # absolute offsets from the top left, overriding align
    y: int | None = None
    alpha: int = 100  # 0-100
    tile: bool = False  # repeat across the whole image
    size: int = 12  # text: font size
    color: tuple[int, int, int, int] = (0, 0, 0, 255)  # text colour, RGBA
    font: str = ""  # text: a font name from the fonts Signet ships
    shadow: int = 0  # text: shadow strength, 0 for none


@dataclass(frozen=True)
class TransformSpec:
    """What to do to an original. Defaults mean "leave as is".

    `w`/`h`: pixels when >= 1, a fraction of the (rect-cropped) original when
    in (0, 1). `dpr` multiplies both. Colours are RGBA tuples.
    """

    w: float | None = None
    h: float | None = None
    dpr: float = 1.0
    fit: str = "clip"  # one of FITS or IMAGEKIT_FITS
    crop: tuple[str, ...] = ()  # gravity words, e.g. ("top", "left"), ("focalpoint",)
    fp_x: float = 0.5
    fp_y: float = 0.5
    fm: str | None = None  # one of FORMATS; None keeps the original's format
    q: int | None = None  # None: the format's default (75, or 45 with auto=compress)
    auto: frozenset[str] = field(default_factory=frozenset)  # {"format", "compress"}
    bg: tuple[int, int, int, int] | None = None
    rect: tuple[int, int, int, int] | None = None  # x, y, w, h in original pixels
    rot: int = 0  # degrees clockwise, 0-359
    flip: str = ""  # "", "h", "v", "hv"
    orient: int | None = None  # explicit EXIF-style orientation overriding the file's
    blur: int = 0  # 0-2000
    sharp: int = 0  # 0-100
    overlays: tuple[Overlay, ...] = ()  # drawn in order, after resizing
    original: bool = False  # serve the stored bytes untouched (ImageKit's orig-true)

    def canonical(self) -> str:
        """A stable string for cache keys and ETags: equal specs, equal strings."""
        # Kept on the instance: a spec is immutable, and the app reuses parsed specs.
        cached = self.__dict__.get("_canonical")
        if cached is None:
            cached = self._canonical()
            object.__setattr__(self, "_canonical", cached)
        return cached

    def _canonical(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value == f.default or (f.name == "auto" and not value):
                continue
            if isinstance(value, frozenset):
                text = ",".join(sorted(value))
            elif isinstance(value, tuple):
                text = ",".join(_number(v) for v in value)
            else:
                text = _number(value)
            parts.append(f"{f.name}={text}")
        return "&".join(parts)


def _number(value: object) -> str:
    # Equal specs must give equal strings, and 300 == 300.0 as a field value.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
