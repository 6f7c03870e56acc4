"""Turning the raw (percent-encoded) URL path into a safe relative path."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from sources.base import BadPath

BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# An encoded slash or backslash would let one segment act as two after decoding.
_ENCODED_SEPARATOR = re.compile(r"%(2[fF]|5[cC])")
# Longer than any store takes (S3 keys stop at 1024 bytes, most filesystems at 4096);
# refusing early keeps a hostile URL from costing a lookup.
MAX_PATH_CHARS = 2048


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """True when `text` holds a C0 control character, NUL or DEL: refused in every path."""
    return _CONTROL_CHARACTER.search(text) is not None


def decode_path(raw: str) -> str:
    """Percent-decode a relative URL path and refuse anything that could leave the source.

    Refused (BadPath): malformed escapes, invalid UTF-8, control characters and NUL,
    backslashes, encoded separators (``%2f``, ``%5c``), and ``.``/``..`` segments
    (plain or encoded). Returns a path without a leading slash.
    """
    if BAD_ESCAPE.search(raw):
        raise BadPath("the path has a malformed percent-escape")
    if _ENCODED_SEPARATOR.search(raw):
        raise BadPath("the path may not contain an encoded slash or backslash")
    try:
        path = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath("the path is not valid UTF-8") from None
    return check_relative(path)


def check_relative(path: str) -> str:
    """Refuse a decoded path that could leave the source; return it without a leading slash."""
    if len(path) > MAX_PATH_CHARS:
        raise BadPath(f"the path is too long (at most {MAX_PATH_CHARS} characters)")
    if has_control_character(path):
        raise BadPath("the path contains a control character")
    if "\\" in path:
        raise BadPath("the path may not contain a backslash")
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise BadPath("the path may not contain . or .. segments")
    if not segments:
        raise BadPath("the path names no file")
    return "/".join(segments)
