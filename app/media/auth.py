"""Who may call the media API: the private key by HTTP Basic (server-side calls), or for an
upload a one-time token signed with it (client-side uploads, as ImageKit's SDKs make them).

The private key is any of the source's keys (the first signs, any verifies, as for URLs).
Comparisons are constant-time and cover every key, so timing tells nothing about which
key is close. Keys never appear in an answer or a log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Sequence

from app.media.errors import MediaError

MAX_EXPIRE_AHEAD = 3600  # seconds: ImageKit requires `expire` less than an hour ahead


def _any_key_equals(keys: Sequence[bytes], candidate: bytes) -> bool:
    found = False
    for key in keys:
        found |= hmac.compare_digest(key, candidate)
    return found


def basic_key(authorization: str | None) -> bytes | None:
    """The user name of an HTTP Basic header (ImageKit's SDKs send the private key there)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise MediaError(401, "authorization must be HTTP Basic with the private key")
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MediaError(401, "the Basic authorization is malformed") from None
    return decoded.split(b":", 1)[0]


def check_private_key(keys: Sequence[bytes], authorization: str | None) -> None:
    """Raise 401 unless the Basic header names one of the keys."""
    candidate = basic_key(authorization)
    if candidate is None:
        raise MediaError(401, "this API needs the private key (HTTP Basic user name)")
    if not _any_key_equals(keys, candidate):
        raise MediaError(401, "the private key is not valid")


def upload_signature(key: bytes, token: str, expire: str) -> str:
    return hmac.new(key, (token + expire).encode(), hashlib.sha1).hexdigest()


def check_upload_signature(
    keys: Sequence[bytes], token: str | None, expire: str | None, signature: str | None
) -> None:
    """Raise 401 unless token, expire and signature form a valid, unexpired client upload.
    Whether the token was used before is the caller's next question (it needs the store)."""
    if not token or not expire or not signature:
        raise MediaError(
            401, "give the private key, or token, expire and signature for a client upload"
        )
    if len(token) > 256:
        raise MediaError(400, "token: at most 256 characters")
    if not expire.isascii() or not expire.isdigit() or len(expire) > 12:
        raise MediaError(400, "expire: must be a time in unix seconds")
    now = int(time.time())
    if int(expire) <= now:
        raise MediaError(401, "the upload signature has expired")
    if int(expire) - now > MAX_EXPIRE_AHEAD:
        raise MediaError(400, "expire: must be less than 1 hour into the future")
    given = signature.strip().lower().encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(upload_signature(key, token, expire).encode(), given)
    if not found:
        raise MediaError(401, "the upload signature is not valid")
