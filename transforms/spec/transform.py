"""TransformSpec: what to do to an original, as one immutable value made of parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

from transforms.spec.adjust import Adjust, Stylize
from transforms.spec.animation import Animation
from transforms.spec.blend import Blend
from transforms.spec.frame import Frame
from transforms.spec.output import Output
from transforms.spec.overlay import Overlay
from transforms.spec.size import Rotation, Size
from transforms.spec.source import Source


@dataclass(frozen=True)
class TransformSpec:
    """What to do to an original. Defaults mean "leave as is"; see the parts' docstrings."""

    size: Size = field(default_factory=Size)
    rotation: Rotation = field(default_factory=Rotation)
    adjust: Adjust = field(default_factory=Adjust)
    stylize: Stylize = field(default_factory=Stylize)
    frame: Frame = field(default_factory=Frame)
    blend: Blend = field(default_factory=Blend)
    output: Output = field(default_factory=Output)
    source: Source = field(default_factory=Source)  # which page of a document original
    animation: Animation = field(default_factory=Animation)  # frames, timing, loop
    overlays: tuple[Overlay, ...] = ()  # drawn in order, after resizing
    original: bool = False  # serve the stored bytes untouched (ImageKit's orig-true)
    # The image answered when the original is missing (ImageKit's di-): a path in the same
    # source; None: the source's own default_image, if any.
    default_image: str | None = None

    def with_fields(self, values: Mapping[str, Any]) -> TransformSpec:
        """A copy with fields set by dotted name: {"size.w": 300, "output.fm": "webp"}.

        A name without a dot is a field of the spec itself (`overlays`, `original`).
        """
        by_part: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in values.items():
            part, dot, leaf = name.partition(".")
            if dot:
                by_part.setdefault(part, {})[leaf] = value
            else:
                top[name] = value
        for part, changes in by_part.items():
            top[part] = replace(getattr(self, part), **changes)
        return replace(self, **top) if top else self

    def get(self, name: str) -> Any:
        """A field's value by dotted name (`size.w`)."""
        part, dot, leaf = name.partition(".")
        return getattr(getattr(self, part), leaf) if dot else getattr(self, name)

    def canonical(self) -> str:
        """A stable string for cache keys and ETags: equal specs, equal strings."""
        # Kept on the instance: a spec is immutable, and the app reuses parsed specs.
        cached = self.__dict__.get("_canonical")
        if cached is None:
            cached = "&".join(_canonical_parts(self))
            object.__setattr__(self, "_canonical", cached)
        return cached


PARTS: tuple[str, ...] = tuple(
    f.name for f in fields(TransformSpec) if f.name not in ("overlays", "original", "default_image")
)


def _field_paths() -> dict[str, str]:
    spec = TransformSpec()
    return {f.name: f"{part}.{f.name}" for part in PARTS for f in fields(getattr(spec, part))}


def _canonical_parts(spec: object) -> list[str]:
    parts = []
    for f in fields(spec):  # type: ignore[arg-type]
        value = getattr(spec, f.name)
        if f.name in PARTS:
            parts.extend(_canonical_parts(value))
            continue
        if _is_default(f, value):
            continue
        if isinstance(value, frozenset):
            text = ",".join(sorted(value))
        elif f.name == "overlays":
            text = ",".join(_overlay_text(overlay) for overlay in value)
        elif isinstance(value, tuple):
            text = ",".join(_number(v) for v in value)
        else:
            text = _number(value)
        parts.append(f"{f.name}={text}")
    return parts


def _overlay_text(overlay: Overlay) -> str:
    """An overlay's part of the canonical string: the fields that differ from their
    defaults, by name, so an Overlay field added later (with its default) leaves every
    existing URL's key and ETag as it was. Strings are quoted by repr (a text layer's free
    text cannot fake a separator), a layer's stages are their own canonical strings,
    length-prefixed, numbers as `_number` writes them (50 == 50.0)."""
    parts = []
    for f in fields(overlay):
        value = getattr(overlay, f.name)
        if _is_default(f, value):
            continue
        if f.name == "layer":
            texts = [stage.canonical() for stage in value]
            parts.append("layer=" + "".join(f"{len(t)}:{t};" for t in texts))
        else:
            parts.append(f"{f.name}={_value_text(value)}")
    return "{" + ";".join(parts) + "}"


def _value_text(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(_value_text(v) for v in value) + ")"
    return _number(value)  # numbers, None, booleans; an Expression or Formula by its str


def _is_default(f: Any, value: object) -> bool:
    if f.default_factory is not MISSING:
        return value == f.default_factory()
    return value == f.default


def _number(value: object) -> str:
    # Equal specs must give equal strings, and 300 == 300.0 as a field value.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_unique_names() -> None:
    # The canonical string names a field by its own name, so no two parts may share one.
    seen: dict[str, str] = {}
    for part in PARTS:
        cls = TransformSpec.__dataclass_fields__[part].default_factory  # type: ignore[misc]
        for f in fields(cls):
            if f.name in seen:
                raise TypeError(f"spec field {f.name!r} is in both {seen[f.name]} and {part}")
            seen[f.name] = part


_check_unique_names()
# Each part field's dotted name by its own name: {"w": "size.w", "fm": "output.fm", ...}.
FIELD_PATHS: dict[str, str] = _field_paths()
