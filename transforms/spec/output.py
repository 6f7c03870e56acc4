"""Output: the encoded format and its options."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("jpg", "pjpg", "png", "webp", "avif", "gif")



@dataclass(frozen=True)
class Output:
    """The encoded output: format, quality and what `auto` allows."""

    fm: str | None = None  # one of FORMATS; None keeps the original's format
    q: int | None = None  # None: the format's default (75, or 45 with auto=compress)
    auto: frozenset[str] = field(default_factory=frozenset)  # {"format", "compress"}
