"""The transform spec: one immutable value that both URL dialects parse into."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

FITS = ("clip", "max", "crop", "fill", "scale", "min")
FORMATS = ("jpg", "pjpg", "png", "webp", "avif", "gif")


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from costing unbounded memory or time."""

    max_input_pixels: int = 100_000_000
    max_output_pixels: int = 25_000_000
    max_dpr: float = 5.0


@dataclass(frozen=True)
class TransformSpec:
    """What to do to an original. Defaults mean "leave as is".

    `w`/`h`: pixels when >= 1, a fraction of the (rect-cropped) original when
    in (0, 1). `dpr` multiplies both. Colours are RGBA tuples.
    """

    w: float | None = None
    h: float | None = None
    dpr: float = 1.0
    fit: str = "clip"
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

    def canonical(self) -> str:
        """A stable string for cache keys and ETags: equal specs, equal strings."""
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
