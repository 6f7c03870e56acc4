"""Signing and verifying URLs.

Verification always works on the raw path and query exactly as received: nothing is
decoded, re-encoded or re-sorted, so any client's encoding verifies as long as the
bytes it signed are the bytes it sent.

Schemes:
- ``hmac-sha256`` (Signet's default): ``s`` = hex HMAC-SHA256(key, path + "?" + query),
  the query without ``s`` (and without "?" when nothing is left).
- ``imgix``: ``s`` = hex MD5(token + path + "?" + query), byte-compatible with imgix's
  client libraries.
- ``imagekit``: ``ik-s`` (and ``ik-t``), byte-compatible with ImageKit's client
  libraries; see app.signing_imagekit. The signed path is relative to the URL endpoint.

Backends sign with `sign_url`:

    >>> sign_url("/media/dog.jpg?w=300", b"secret", expires=1767225600)
    '/media/dog.jpg?w=300&expires=1767225600&s=...'
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from app.signing_imagekit import imagekit_digest, imagekit_signed_message, sign_imagekit_url

SIGNATURE_PARAM = "s"
EXPIRY_PARAM = "expires"  # unix seconds, covered by the signature
LIBRARY_PARAM = "ixlib"  # the client library imgix's SDKs name: not a transform
_SIGNATURE = SIGNATURE_PARAM.encode()


class Signature(enum.Enum):
    ABSENT = "absent"
    VALID = "valid"
    INVALID = "invalid"


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _query_items(raw_query: bytes) -> list[bytes]:
    return [item for item in raw_query.split(b"&") if item]


def _param_name(item: bytes) -> bytes:
    return item.split(b"=", 1)[0]


def digest(scheme: str, key: bytes, message: bytes) -> str:
    """The hex signature of `message` (raw path plus "?query" without `s`)."""
    if scheme == "hmac-sha256":
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    if scheme == "imgix":
        # imgix's scheme is MD5 over token + message; kept for compatibility only.
        return hashlib.md5(key + message, usedforsecurity=False).hexdigest()
    if scheme == "imagekit":
        return imagekit_digest(key, message)
    raise ValueError(f"unknown signing scheme {scheme!r}")


def signed_message(raw_path: bytes, raw_query: bytes) -> tuple[bytes, list[bytes]]:
    """Split off the `s` values; return (the message that was signed, the `s` values)."""
    kept, signatures = [], []
    for item in _query_items(raw_query):
        if _param_name(item) == _SIGNATURE:
            signatures.append(item.split(b"=", 1)[1] if b"=" in item else b"")
        else:
            kept.append(item)
    message = raw_path + (b"?" + b"&".join(kept) if kept else b"")
    return message, signatures


def verify_signature(
    scheme: str, keys: Sequence[bytes], raw_path: bytes, raw_query: bytes
) -> Signature:
    """Check the `s` parameter against every key, in constant time per comparison.

    For ``imagekit`` the signature is ``ik-s`` and `raw_path` is the raw path
    relative to the URL endpoint (routing.Route.rel_path), as ImageKit signs it.
    """
    if scheme == "imagekit":
        message, signatures = imagekit_signed_message(raw_path, raw_query)
    else:
        message, signatures = signed_message(raw_path, raw_query)
    if not signatures:
        return Signature.ABSENT
    if len(signatures) > 1 or not keys or message is None:
        return Signature.INVALID
    given = signatures[0].lower()
    valid = False
    for key in keys:  # every key is tried, so timing does not tell which one matched
        expected = digest(scheme, key, message).encode()
        valid |= hmac.compare_digest(expected, given)
    return Signature.VALID if valid else Signature.INVALID


def sign_url(
    url: str,
    key: str | bytes,
    *,
    scheme: str = "hmac-sha256",
    expires: int | None = None,
    endpoint_path: str = "/",
) -> str:
    """Sign a path (``/media/a.jpg?w=300``) or a full URL; return it with ``s`` appended.

    With `expires` (unix seconds) an ``expires`` parameter is added before signing.
    The URL must already be percent-encoded as it will be sent; an existing ``s`` is
    replaced.

    With ``scheme="imagekit"`` the URL gets ``ik-t`` (with `expires`) and ``ik-s``
    instead, signed relative to `endpoint_path`: ``/`` for a source chosen by domain,
    ``/<source-name>/`` for one chosen by path (``/media/tr:w-300/dog.jpg`` signs
    ``tr:w-300/dog.jpg``). Other schemes ignore `endpoint_path`.
    """
    if scheme == "imagekit":
        return sign_imagekit_url(url, key, endpoint_path=endpoint_path, expires=expires)
    parts = urlsplit(url)
    path = parts.path or "/"
    items = [i for i in parts.query.split("&") if i and _param_name(i.encode()) != _SIGNATURE]
    if expires is not None:
        items = [i for i in items if i.split("=", 1)[0] != EXPIRY_PARAM]
        items.append(f"{EXPIRY_PARAM}={int(expires)}")
    query = "&".join(items)
    message = path + ("?" + query if query else "")
    signature = digest(scheme, _as_bytes(key), message.encode())
    query = f"{query}&{SIGNATURE_PARAM}={signature}" if query else f"{SIGNATURE_PARAM}={signature}"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
