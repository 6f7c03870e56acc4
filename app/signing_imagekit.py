"""ImageKit's URL signatures, `ik-s` and `ik-t`, byte-compatible with its client libraries.

`ik-s` = hex HMAC-SHA1(private key, URL relative to the endpoint + expiry digits),
where the relative URL is the path after the endpoint's trailing `/` plus the
query, both exactly as sent, before `ik-t` and `ik-s` were appended; the expiry
digits are `ik-t`'s value, or 9999999999 when the URL has no `ik-t`.

The libraries append `&ik-t=...&ik-s=...` (or `ik-s` alone) at the very end,
after signing what came before. So that is the only shape accepted: `ik-s`
last, `ik-t` right before it. Anything after `ik-s`, or an `ik-t` elsewhere,
would be unsigned, and makes the signature invalid.

The message is the URL followed directly by the expiry digits, with nothing between
them, so the split between the two is not signed: `...h-25&ik-t=T` and `...h-2&ik-t=5T`
hash the same bytes. The SDKs always write `ik-t` as exactly 10 digits (unix seconds
until the year 2286; the unsigned default 9999999999 is 10 digits too), so only a
10-digit `ik-t` is accepted: that makes the split unambiguous, and moving digits
between the query and `ik-t` breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from sources.ssrf import host_matches

SIGNATURE_PARAM = "ik-s"
EXPIRY_PARAM = "ik-t"
NO_EXPIRY = "9999999999"  # what the libraries sign when the URL does not expire
EXPIRY_DIGITS = 10  # the SDKs' ik-t is always this long; see the module docstring

_SIGNATURE = SIGNATURE_PARAM.encode()
_EXPIRY = EXPIRY_PARAM.encode()


def imagekit_digest(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha1).hexdigest()


def _name(item: bytes) -> bytes:
    return item.split(b"=", 1)[0]


def _value(item: bytes) -> bytes:
    return item.split(b"=", 1)[1] if b"=" in item else b""


def is_imagekit_expiry(value: bytes | str) -> bool:
    """True for an `ik-t` value as the SDKs write it: exactly 10 ASCII digits."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return len(text) == EXPIRY_DIGITS and text.isascii() and text.isdigit()


def imagekit_signed_message(rel_path: bytes, raw_query: bytes) -> tuple[bytes | None, list[bytes]]:
    """(the message `ik-s` signs, the `ik-s` values), like app.signing.signed_message.

    No `ik-s`: an empty list. A layout the SDKs never write (`ik-s` not last, twice,
    an `ik-t` anywhere but right before it, or one that is not 10 digits): message None,
    which never verifies.
    `rel_path` is the raw path after the endpoint (no leading `/`), `raw_query` the
    raw query string; neither is decoded.
    """
    items = raw_query.split(b"&") if raw_query else []
    names = [_name(item) for item in items]
    signatures = [_value(item) for item in items if _name(item) == _SIGNATURE]
    if not signatures or len(signatures) > 1 or names[-1] != _SIGNATURE:
        return None, signatures
    signed = items[:-1]
    expiry = NO_EXPIRY.encode()
    if signed and names[len(signed) - 1] == _EXPIRY:
        expiry = _value(signed[-1])
        signed = signed[:-1]
        if not is_imagekit_expiry(expiry):
            return None, signatures
    if _EXPIRY in names[: len(signed)]:
        return None, signatures
    return rel_path + (b"?" + b"&".join(signed) if signed else b"") + expiry, signatures


def endpoint_prefix(endpoint_path: str) -> str:
    """`/media`, `media/` or `/media/` -> `/media/`; `` or `/` -> `/`."""
    inner = endpoint_path.strip("/")
    return f"/{inner}/" if inner else "/"


def endpoint_path_for(url: str, source_name: str, domains: Sequence[str]) -> str:
    """The endpoint path a URL reaches its source through, as Signet routes it.

    A full URL whose host is one of the source's domains: `/`. Else a path that
    starts with the source's name: `/<name>/`. Else `/` (the default source).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host and any(host_matches(host, pattern) for pattern in domains):
        return "/"
    prefix = f"/{source_name}/"
    return prefix if (parts.path or "/").startswith(prefix) else "/"


def sign_imagekit_url(
    url: str, key: str | bytes, *, endpoint_path: str = "/", expires: int | None = None
) -> str:
    """Append `ik-t` (with `expires`) and `ik-s` to a path or full URL, as ImageKit's SDKs do.

    `endpoint_path` is the path part of the URL endpoint: `/` for a source chosen
    by domain, `/<source-name>/` for one chosen by path. The URL must already be
    percent-encoded as it will be sent; existing `ik-t` and `ik-s` are replaced.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    prefix = endpoint_prefix(endpoint_path)
    if not path.startswith(prefix):
        raise ValueError(f"the path {path!r} is not under the endpoint path {prefix!r}")
    kept = [
        item
        for item in parts.query.split("&")
        if item and item.split("=", 1)[0] not in (SIGNATURE_PARAM, EXPIRY_PARAM)
    ]
    query = "&".join(kept)
    expiry = str(int(expires)) if expires is not None else NO_EXPIRY
    if not is_imagekit_expiry(expiry):
        raise ValueError(f"an ImageKit expiry must be 10 digits of unix seconds, not {expiry!r}")
    message = path[len(prefix) :] + ("?" + query if query else "") + expiry
    key_bytes = key.encode() if isinstance(key, str) else key
    signature = imagekit_digest(key_bytes, message.encode())
    tail = [f"{EXPIRY_PARAM}={expiry}"] if expires is not None else []
    query = "&".join([*kept, *tail, f"{SIGNATURE_PARAM}={signature}"])
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
