"""The second tier of the result cache: a folder on local disk, shared by the worker
processes of one host, bounded in bytes, least recently used out first.

Every method blocks: the result cache calls them in worker threads.

Safe for several processes without a shared index:
- a write goes to a temporary file in the entry's own folder, then `os.replace` moves it
  into place, so a reader sees the old entry, the new one or none, never half of one;
- every entry carries a checksum (app.cache.blob), so a file torn by a crash or a power
  loss (we do not fsync: losing cache entries is fine, serving broken ones is not) reads as
  a miss and is deleted;
- "recently used" is the file's mtime, bumped on a hit, so every process sees the same order;
- eviction is a sweep of the folder under a non-blocking `flock`: one process sweeps at a
  time, the others skip. Each process sweeps after it has written 1/16 of the budget, so
  the folder can overshoot its budget by about that much per worker between sweeps.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from app.cache.blob import entry_name, header, unpack
from app.cache.memory import MAX_ENTRY_SHARE  # the same rule in both tiers
from app.cache.outcomes import HIT_DISK

log = logging.getLogger("signet.cache")

SWEEP_SHARE = 16  # sweep after writing this share of the budget
LOW_WATER = 0.9  # a sweep deletes down to this share of the budget, so it is not redone at once
TOUCH_AFTER = 60.0  # seconds: a hit bumps mtime only when older, to spare metadata writes
STALE_TEMP = 3600.0  # seconds: a temporary file this old was left by a crashed writer


class DiskTier:
    result = HIT_DISK  # app.cache.result.Tier
    in_thread = True
    read_timeout = None  # a local disk answers quickly, and then the other workers find it
    write_behind = False

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._written = max_bytes  # unknown folder size at start: the first write sweeps

    def _path(self, key: str) -> Path:
        name = entry_name(key)
        # 256 subfolders keep each one small enough to list quickly.
        return self.directory / name[:2] / name

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                blob = f.read()
                mtime = os.fstat(f.fileno()).st_mtime
        except FileNotFoundError:
            return None
        except OSError as err:
            log.warning("disk cache: cannot read an entry: %s", err.strerror)
            return None
        body = unpack(blob)
        if body is None:
            log.warning("disk cache: dropped a torn or corrupt entry")
            _unlink(path)
            return None
        if time.time() - mtime > TOUCH_AFTER:
            try:
                os.utime(path)
            except OSError:
                pass  # evicted meanwhile: the read is still good
        return body

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes // MAX_ENTRY_SHARE:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(header(data))
                    f.write(data)
                os.replace(temp, path)
            except BaseException:
                _unlink(Path(temp))
                raise
        except OSError as err:  # disk full, read-only, permissions: a cache must not fail a request
            log.warning("disk cache: cannot write an entry: %s", err.strerror)
            return
        with self._lock:
            self._written += len(data)
            due = self._written >= self.max_bytes // SWEEP_SHARE
            if due:
                self._written = 0
        if due:
            self.sweep()

    def close(self) -> None:
        pass  # files are opened per call: nothing to release

    def sweep(self) -> int | None:
        """Delete least recently used entries until the folder is under its low-water mark.

        Returns the bytes left, or None when another process holds the sweep lock.
        """
        try:
            lock = open(self.directory / ".sweep.lock", "a")
        except OSError as err:
            log.warning("disk cache: cannot open the sweep lock: %s", err.strerror)
            return None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # another worker is sweeping right now
            entries, total = self._scan()
            if total > self.max_bytes:
                entries.sort()  # oldest mtime first
                target = self.max_bytes * LOW_WATER
                for _, size, path in entries:
                    if total <= target:
                        break
                    if _unlink(path):
                        total -= size
            return total

    def _scan(self) -> tuple[list[tuple[float, int, Path]], int]:
        entries: list[tuple[float, int, Path]] = []
        total = 0
        now = time.time()
        try:
            shards = [d for d in os.scandir(self.directory) if d.is_dir(follow_symlinks=False)]
        except OSError:
            return entries, 0
        for shard in shards:
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for f in files:
                try:
                    st = f.stat(follow_symlinks=False)
                except OSError:
                    continue  # deleted by another worker meanwhile
                if f.name.startswith("."):
                    if f.name.endswith(".tmp") and now - st.st_mtime > STALE_TEMP:
                        _unlink(Path(f.path))
                    continue
                entries.append((st.st_mtime, st.st_size, Path(f.path)))
                total += st.st_size
        return entries, total


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False
