"""Content hashes of local files, computed once and kept by what `stat` says of the file.

A folder original's validator is a hash of its bytes, so replicas that each hold their
own copy of the folder (baked into the image, synced to each disk) name the same bytes
with the same validator, whatever their mtimes and inodes: they share renders through a
shared result tier, and a CDN revalidating against any of them gets its 304.

Hashing a whole file on every request would cost as much as reading it, so the digest is
kept by the file's (dev, inode, mtime_ns, ctime_ns, size): a write changes mtime and
ctime, a rename over it changes the inode, and even a write that puts the old mtime back
(`touch -d`) moves ctime. The cache is bounded by entries (a key and a digest are about
200 bytes), least recently used first out.

A file is hashed as it is read whole (`of_bytes`), never by a peek: a peek of a file
whose digest is not known yet tells the app to read it, which it does under the limiter
(sources.folder.FolderSource.peek), so a burst for a new upload is admitted or refused
before anything is hashed, and at most `transform_workers` requests read it at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict

DIGEST_ENTRIES = 65_536  # about 13 MB at most; far more originals than a hot set

StatKey = tuple[int, int, int, int, int]


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)


def digest_bytes(data: bytes) -> str:
    """The validator of these bytes (the same on every host)."""
    return "b2-" + hashlib.blake2b(data, digest_size=16).hexdigest()


class DigestCache:
    """Thread-safe: peeks and reads run in worker threads."""

    def __init__(self, max_entries: int = DIGEST_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[StatKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: StatKey) -> str | None:
        with self._lock:
            digest = self._entries.get(key)
            if digest is not None:
                self._entries.move_to_end(key)
            return digest

    def put(self, key: StatKey, digest: str) -> None:
        with self._lock:
            self._entries[key] = digest
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def of_bytes(self, stat: os.stat_result, data: bytes, after: os.stat_result) -> str:
        """The digest of `data`, read whole from a file whose fstat was `stat` before the
        read and `after` after it; kept if they agree."""
        key = stat_key(stat)
        known = self.get(key)
        if known is not None and stat_key(after) == key:
            return known
        digest = digest_bytes(data)
        if stat_key(after) == key:
            self.put(key, digest)
        return digest
