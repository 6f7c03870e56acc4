"""Splitting a raw query string into decoded (key, value) pairs, strictly.

Strict because the signature covers the raw bytes: anything we would decode
loosely (a bad escape, invalid UTF-8, a smuggled NUL from a length-extension
forgery) must be refused rather than quietly mean something.
"""

from __future__ import annotations

import functools
import re

from transforms.errors import ParamError

MAX_PARAMS = 100
MAX_VALUE_CHARS = 2048

_HEX = frozenset(b"0123456789abcdefABCDEF")
_PLAIN = re.compile(rb"[A-Za-z0-9._~,:-]*")  # printable ASCII with no escape, `+` or control
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """True when `text` holds a C0 control character, NUL or DEL: refused in every value."""
    return _CONTROL.search(text) is not None


# Hot URLs repeat, so splits are cached; only queries up to this long, so that the cache is
# bounded in bytes (4096 entries of at most 1 KiB, and their pairs: about 8 MiB at most)
# rather than holding thousands of 64 KiB queries for good.
CACHED_QUERY_BYTES = 1024
CACHED_QUERIES = 4096


def split_query(raw: bytes) -> list[tuple[str, str]]:
    """Split `a=1&b=x+y` into [("a", "1"), ("b", "x y")] with form decoding.

    Items are split on the first `=` (an item without one has an empty value);
    empty items (`&&`) are skipped. Raises ParamError naming the key (or
    "query" when the key itself cannot be read).
    """
    return list(_split_cached(raw) if len(raw) <= CACHED_QUERY_BYTES else _split(raw))


def _split(raw: bytes) -> tuple[tuple[str, str], ...]:
    items = [item for item in raw.split(b"&") if item]
    if len(items) > MAX_PARAMS:
        raise ParamError("query", f"too many parameters (at most {MAX_PARAMS})")
    pairs = []
    for item in items:
        raw_key, _, raw_value = item.partition(b"=")
        key = _decode(raw_key, "query")
        if not key:
            raise ParamError("query", "a parameter has an empty name")
        if len(key) > MAX_VALUE_CHARS:
            raise ParamError("query", "a parameter name is too long")
        value = _decode(raw_value, key)
        if len(value) > MAX_VALUE_CHARS:
            raise ParamError(key, f"value is too long (at most {MAX_VALUE_CHARS} characters)")
        pairs.append((key, value))
    return tuple(pairs)


_split_cached = functools.lru_cache(maxsize=CACHED_QUERIES)(_split)  # errors are not cached


def _decode(raw: bytes, name: str) -> str:
    """Form-decode one key or value: `+` is a space, `%XX` a byte, then strict UTF-8."""
    if raw.isalnum() or _PLAIN.fullmatch(raw):  # most keys and values: nothing to decode
        return raw.decode("ascii")
    raw = raw.replace(b"+", b" ")
    out = bytearray()
    i = 0
    while i < len(raw):
        pct = raw.find(b"%", i)
        if pct < 0:
            out += raw[i:]
            break
        out += raw[i:pct]
        escape = raw[pct + 1 : pct + 3]
        if len(escape) < 2 or escape[0] not in _HEX or escape[1] not in _HEX:
            raise ParamError(name, "malformed percent escape")
        out.append(int(escape, 16))
        i = pct + 3
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        raise ParamError(name, "not valid UTF-8") from None
    if has_control_character(text):
        raise ParamError(name, "contains a control character")
    return text
