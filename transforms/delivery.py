"""What an answer carries beside its body, from the spec alone: download name, client-hint
headers, a note when a format was answered by another.

These depend on nothing but the spec and the chosen format, so a cached render gets the
same headers as a fresh one, and a 304 the same as a 200.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import MutableMapping
from urllib.parse import quote

from transforms.formats import FALLBACKS
from transforms.hints import hint_headers
from transforms.spec import TransformSpec

FALLBACK_HEADER = "X-Signet-Format-Fallback"
FALLBACK_REASONS = {"jxr": "no maintained JPEG XR encoder exists"}
_UNSAFE = re.compile(r'["\\/\x00-\x1f\x7f;]')


def add_output_headers(
    headers: MutableMapping[str, str], spec: TransformSpec, fmt: str, path: str
) -> None:
    """Add Content-Disposition (`dl`), Accept-CH and Vary (`ch`) and the fallback note."""
    if spec.output.dl is not None:
        headers["Content-Disposition"] = content_disposition(spec.output.dl, path)
    hinted = hint_headers(spec)
    if hinted:
        headers["Accept-CH"] = ", ".join(hinted)
        vary = headers.get("Vary")
        headers["Vary"] = ", ".join([vary, *hinted] if vary else hinted)
    asked = spec.output.fm
    if asked in FALLBACKS and fmt == FALLBACKS[asked]:
        headers[FALLBACK_HEADER] = f"fm={asked} answered as {fmt}: {FALLBACK_REASONS[asked]}"


def content_disposition(name: str, path: str) -> str:
    """`attachment` with the `dl` name, or the original's file name when `dl` is empty.

    Quotes, slashes and control characters become `_`; a name that is not ASCII is sent
    as RFC 6266's `filename*` beside an ASCII `filename` for old clients.
    """
    name = _UNSAFE.sub("_", name.strip()) or _UNSAFE.sub("_", posixpath.basename(path))
    name = name or "image"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value
