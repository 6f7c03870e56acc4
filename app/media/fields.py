"""The upload's form fields, checked and normalised as ImageKit does.

- `fileName`: characters other than `a-z A-Z 0-9 . -` become `_` (ImageKit's rule, which
  also turns any `/` or `\\` into `_`); a name that then starts with a dot is refused (it
  would be hidden, and `.` and `..` are not names).
- `folder`: `a-z A-Z 0-9 / _ -` only (ImageKit's documented set); anything else is refused
  rather than rewritten, so a `..` never becomes a path.
- `tags`: comma-separated, no `%`, 500 characters in all (ImageKit's limits).
- `customCoordinates`: `x,y,width,height` in whole pixels.
"""

from __future__ import annotations

import re
import secrets
import string

from app.media.errors import bad_field

_NAME_CHAR = re.compile(r"[^A-Za-z0-9.\-]")
_FOLDER = re.compile(r"[A-Za-z0-9/_\-]*")
_COORDS = re.compile(r"\d{1,6},\d{1,6},\d{1,6},\d{1,6}")
MAX_NAME = 255
MAX_FOLDER = 512
MAX_FOLDER_DEPTH = 16
MAX_TAG_CHARS = 500
MAX_DESCRIPTION = 1000
UNIQUE_ALPHABET = string.ascii_letters + string.digits
TRUE, FALSE = "true", "false"


def file_name(value: str | None) -> str:
    if not value or not value.strip():
        raise bad_field("fileName", "missing")
    name = _NAME_CHAR.sub("_", value.strip())
    if name.startswith("."):
        raise bad_field("fileName", "may not start with a dot")
    if len(name) > MAX_NAME:
        raise bad_field("fileName", f"at most {MAX_NAME} characters")
    return name


def unique_name(name: str) -> str:
    """`dog.jpg` -> `dog_Ab12Cd34Ef.jpg`, as ImageKit suffixes with useUniqueFileName."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    suffix = "".join(secrets.choice(UNIQUE_ALPHABET) for _ in range(10))
    return f"{stem}_{suffix}" + (f".{ext}" if ext else "")


def folder(value: str | None) -> str:
    """`/a/b/` -> `a/b`; `` and `/` -> `` (the root)."""
    if not value:
        return ""
    if len(value) > MAX_FOLDER or not _FOLDER.fullmatch(value):
        raise bad_field("folder", "may hold only a-z, A-Z, 0-9, /, _ and -")
    parts = [p for p in value.split("/") if p]
    if len(parts) > MAX_FOLDER_DEPTH:
        raise bad_field("folder", f"at most {MAX_FOLDER_DEPTH} levels")
    return "/".join(parts)


def boolean(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value.lower() in (TRUE, "1"):
        return True
    if value.lower() in (FALSE, "0"):
        return False
    raise bad_field(name, "must be true or false")


def tag_list(name: str, values: list[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    tags = tuple(dict.fromkeys(t.strip() for t in values if t.strip()))
    if any("%" in t for t in tags):
        raise bad_field(name, "may not contain %")
    if any(any(ord(c) < 0x20 for c in t) for t in tags):
        raise bad_field(name, "may not contain control characters")
    if sum(len(t) for t in tags) > MAX_TAG_CHARS:
        raise bad_field(name, f"at most {MAX_TAG_CHARS} characters in all")
    return tags


def tags(value: str | None) -> tuple[str, ...]:
    return tag_list("tags", value.split(",") if value else None)


def coordinates(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not _COORDS.fullmatch(value.strip()):
        raise bad_field(name, "must be x,y,width,height in pixels")
    x, y, w, h = (int(v) for v in value.strip().split(","))
    if w == 0 or h == 0:
        raise bad_field(name, "width and height must be more than 0")
    return f"{x},{y},{w},{h}"


def description(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_DESCRIPTION:
        raise bad_field(name, f"at most {MAX_DESCRIPTION} characters")
    return value
