"""How configuration errors are worded: a source by its name, a TOML error by file and line.

pydantic names a list item by its index and a tagged union by its tag
(`sources.0.folder.ttl`); people name their sources (`sources[media].ttl`).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

SOURCE_TYPES = ("folder", "s3", "web_folder", "web_proxy")  # the `type` tags of SourceConfig
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def source_key(name: str) -> str:
    """How messages name a source's keys: `sources[media]`, by its name, not its index."""
    return f"sources[{name}]"


def _location(loc: tuple[int | str, ...], names: list[str | None]) -> str:
    """`('sources', 0, 'folder', 'ttl')` -> `sources[media].ttl` (the type tag dropped)."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        name = names[index] if index < len(names) else None
        rest = list(loc[2:])
        if rest and rest[0] in SOURCE_TYPES:
            rest = rest[1:]
        parts = [source_key(name or str(index)), *(str(p) for p in rest)]
    return ".".join(parts) or "config"


def _message(e: Any) -> str:
    if e["type"] == "union_tag_invalid":
        return f"unknown source type {e['ctx']['tag']!r} ({', '.join(SOURCE_TYPES)})"
    if e["type"] == "union_tag_not_found":
        return f"a source needs a `type` ({', '.join(SOURCE_TYPES)})"
    return str(e["msg"]).removeprefix("Value error, ")


def describe(err: ValidationError, names: list[str | None]) -> str:
    lines = []
    for e in err.errors():
        where = _location(e["loc"], names)
        if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            where += ".type"
        lines.append(f"{where}: {_message(e)}")
    return "; ".join(lines)


def source_names(sources: Any) -> list[str | None]:
    """The names of the sources as given (dicts or models), None where one has none."""
    if not isinstance(sources, list):
        return []
    names: list[str | None] = []
    for s in sources:
        name = s.get("name") if isinstance(s, dict) else getattr(s, "name", None)
        names.append(name if isinstance(name, str) and name else None)
    return names


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file as a table; ValueError for a syntax error, naming the file and the line."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        at = _TOML_AT.search(message)
        if at is not None:
            line = at.group(1)
            message = message[: at.start()]
        else:  # "(at end of document)"
            line = str(text.count("\n") + 1)
            message = message.removesuffix(" (at end of document)") + " at the end of the file"
        raise ValueError(f"config: {path}, line {line}: {message}") from None
