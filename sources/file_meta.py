"""What the media library keeps about a file beside its bytes (FileMeta), and its two
stored shapes: a folder's JSON sidecar (`to_json`/`from_json`) and an S3 object's user
metadata (`meta_to_s3`/`meta_from_s3`). sources.folder and sources.s3 read the privacy and
the focus of the files they serve from it; sources.library and sources.library_s3 write it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, unquote

from sources.base import Focus

MAX_METADATA_BYTES = 2000  # S3 allows 2 KB of user metadata per object


@dataclass(frozen=True)
class FileMeta:
    """What the library keeps about a file beside its bytes."""

    private: bool = False
    tags: tuple[str, ...] = ()
    custom_coordinates: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None
    created: float | None = None  # unix seconds of the upload
    generation: int = 0  # bumped by a purge (and by new coordinates): part of the validator

    def to_json(self) -> bytes:
        return json.dumps({**asdict(self), "tags": list(self.tags)}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> FileMeta | None:
        try:
            data = json.loads(raw)
            return cls(
                private=bool(data.get("private", False)),
                tags=tuple(str(t) for t in data.get("tags") or ()),
                custom_coordinates=data.get("custom_coordinates"),
                description=data.get("description"),
                width=data.get("width"),
                height=data.get("height"),
                created=data.get("created"),
                generation=int(data.get("generation", 0)),
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def validator_suffix(self) -> str:
        """What a render's validator adds for this metadata: a purge makes it new."""
        return f"-g{self.generation}" if self.generation else ""

    def focus(self) -> Focus | None:
        """The custom coordinates as a Focus, if the file has them and its size is known
        (the upload checked `x,y,width,height`; anything else stored is ignored)."""
        if not self.custom_coordinates or not self.width or not self.height:
            return None
        try:
            x, y, w, h = (int(part) for part in self.custom_coordinates.split(","))
        except ValueError:
            return None
        if min(x, y) < 0 or min(w, h) <= 0:
            return None
        return Focus((x, y, w, h), (self.width, self.height))


def meta_from_s3(raw: dict[str, str]) -> FileMeta:
    """A file's metadata from its S3 object's user metadata (sources.library_s3 writes it;
    sources.s3 reads the privacy and the focus of an object it serves)."""
    def number(name: str, kind: type) -> Any:
        try:
            return kind(raw[name]) if raw.get(name) else None
        except ValueError:
            return None

    tags = tuple(unquote(t) for t in raw.get("tags", "").split(",") if t)
    return FileMeta(
        private=raw.get("private", "").lower() == "true",
        tags=tags,
        custom_coordinates=raw.get("coords") or None,
        description=unquote(raw["description"]) if raw.get("description") else None,
        width=number("width", int),
        height=number("height", int),
        created=number("created", float),
        generation=number("generation", int) or 0,
    )


class MetadataTooLarge(ValueError):
    """Tags and description together do not fit in an object's metadata."""


def meta_to_s3(meta: FileMeta) -> dict[str, str]:
    values = {
        "private": "true" if meta.private else "false",
        "tags": ",".join(quote(t, safe="") for t in meta.tags),
        "coords": meta.custom_coordinates or "",
        "description": quote(meta.description or "", safe=""),
        "width": str(meta.width or ""),
        "height": str(meta.height or ""),
        "created": repr(meta.created) if meta.created is not None else "",
        "generation": str(meta.generation),
    }
    values = {k: v for k, v in values.items() if v}
    if sum(len(k) + len(v) for k, v in values.items()) > MAX_METADATA_BYTES:
        raise MetadataTooLarge("tags and description are too long to store with the file")
    return values
