"""How a rendered image is stored outside the process (disk and S3 tiers): a checksummed blob.

A header of magic, body length and a BLAKE2b digest of the body lets a reader tell a
whole entry from a torn or corrupted one (a crash mid-write, a disk that lost the tail
of a file after power loss, a truncated object) and treat it as a miss, never serve it.
"""

from __future__ import annotations

import hashlib
import struct

MAGIC = b"SGN1"
HEADER = struct.Struct(">4sQ16s")  # magic, body length, digest


def digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


def header(body: bytes) -> bytes:
    return HEADER.pack(MAGIC, len(body), digest(body))


def pack(body: bytes) -> bytes:
    return header(body) + body


def unpack(blob: bytes) -> bytes | None:
    """The body, or None when the blob is not a whole, intact entry."""
    if len(blob) < HEADER.size:
        return None
    magic, length, expected = HEADER.unpack_from(blob)
    body = blob[HEADER.size :]
    if magic != MAGIC or length != len(body) or digest(body) != expected:
        return None
    return body


def entry_name(key: str) -> str:
    """A file or object name for a cache key: fixed length, no characters to escape."""
    return hashlib.blake2b(key.encode(), digest_size=20).hexdigest()
