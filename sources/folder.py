"""A folder on local disk. Never serves anything outside its root, symlinks included."""

from __future__ import annotations

import mimetypes
import os
import time
from pathlib import Path
from stat import S_ISLNK, S_ISREG

import anyio.to_thread

from sources.base import HEAD_BYTES, NotFound, Original, Peek, TooLarge, http_time
from sources.digests import DigestCache, stat_key
from sources.file_meta import FileMeta
from sources.library import read_sidecar, refuse_state_path
from sources.paths import check_relative, decode_path

MAX_KEPT_PEEKS = 10_000  # paths whose recent peek a folder source keeps (a few MB at most)


class FolderSource:
    requires_signature = False
    cache_originals = False  # not by path and time: the app keeps small ones by validator
    def __init__(
        self,
        name: str,
        *,
        root: str | os.PathLike[str],
        max_bytes: int,
        timeout: float,
        stat_cache_seconds: float = 1.0,
    ) -> None:
        self.name = name
        self.root = Path(root).resolve()
        self._root = str(self.root)
        self._inside = self._root.rstrip(os.sep) + os.sep  # what every served path starts with
        self.max_bytes = max_bytes
        self._digests = DigestCache()  # validators: content hashes, kept by stat
        self._keep_peeks = stat_cache_seconds
        self._peeks: dict[str, tuple[float, Peek]] = {}  # path: (when looked, peek)

    def path_from_url(self, raw_path: str) -> str:
        return decode_path(raw_path)

    def _locate(self, path: str) -> tuple[str, os.stat_result]:
        """The file's path, which is inside the root, and its lstat; or NotFound.

        The root is resolved once; check_relative refuses `.`/`..` segments, so only a
        symlink below the root can lead out. Each component is lstat'ed (one call for a
        file at the top); a symlink sends the whole path through realpath(), and it must
        still land inside the root. realpath() for every request would lstat every
        component from / and cost several times as much.
        """
        rel = refuse_state_path(check_relative(path))  # the media library's private state
        current = self._root
        for part in rel.split("/"):
            current = os.path.join(current, part)
            try:
                info = os.lstat(current)
            except OSError:  # missing, a name too long for the filesystem
                raise NotFound(f"no such image: {path}") from None
            if S_ISLNK(info.st_mode):
                target = os.path.realpath(os.path.join(self._root, rel))
                if not target.startswith(self._inside):
                    raise NotFound(f"no such image: {path}")
                refuse_state_path(target[len(self._inside) :])
                try:
                    return target, os.stat(target)
                except OSError:
                    raise NotFound(f"no such image: {path}") from None
        return current, info

    def _read_file(self, path: str, limit: int) -> tuple[bytes, os.stat_result, str, str | None]:
        """Up to `limit` bytes of the file (the whole of it, for limit > max_bytes), its
        fstat, its path and its validator (sources.digests: a hash of its bytes), which is
        None for part of a file never read whole (a peek does not hash: see `peek`).

        Only a regular file is opened: open() of a FIFO blocks until a writer comes, and a
        device never ends. The type is checked before the open, and the open cannot block
        (O_NONBLOCK: should a FIFO be swapped in between, it opens at once, and the fstat
        after the open refuses it). O_NONBLOCK changes nothing for a regular file's reads.
        """
        target, info = self._locate(path)
        if not S_ISREG(info.st_mode):
            raise NotFound(f"no such image: {path}")
        try:
            fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError:  # gone since, a symlink loop
            raise NotFound(f"no such image: {path}") from None
        try:
            stat = os.fstat(fd)
            if not S_ISREG(stat.st_mode):
                raise NotFound(f"no such image: {path}")
            if stat.st_size > self.max_bytes:
                raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
            # One read of the whole (a byte more, to see a file that grew): reading in
            # chunks and joining them costs a second copy and fresh pages for each chunk,
            # milliseconds for a large original. Short reads are read on.
            want = min(limit, stat.st_size + 1)
            data = os.read(fd, want)
            while 0 < len(data) < want and (more := os.read(fd, want - len(data))):
                data += more
            if len(data) >= stat.st_size:  # the whole file (kept only if it did not change)
                digest: str | None = self._digests.of_bytes(stat, data, os.fstat(fd))
            else:  # a peek's head
                digest = self._digests.get(stat_key(stat))
        except OSError:  # a folder opened as a file, an I/O error
            raise NotFound(f"no such image: {path}") from None
        finally:
            os.close(fd)
        if len(data) > self.max_bytes:  # the file grew while we read it
            raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
        return data, stat, target, digest

    def recent_peek(self, path: str) -> Peek | None:
        """The peek of `path` taken in the last `stat_cache_seconds`, or None: no I/O, so
        the app calls it on the event loop and a hit needs no thread (a hand-off to one
        costs several times the peek, issue 16). Only files the media library does not
        manage are kept (see _remember): an upload, a privacy change or a delete through
        it is seen at once by every worker; a file replaced by hand, within this time."""
        kept = self._peeks.get(path)
        if kept is None or time.monotonic() - kept[0] >= self._keep_peeks:
            return None
        return kept[1]

    def _remember(self, path: str, peek: Peek, meta: FileMeta | None) -> None:
        # Files with a sidecar are the media library's: another worker may change them
        # through the API at any moment, and privacy must not lag. Bounded: past the
        # limit the table starts over (a look-up more per path, once).
        if meta is not None or self._keep_peeks <= 0:
            return
        if len(self._peeks) >= MAX_KEPT_PEEKS:
            self._peeks.clear()
        self._peeks[path] = (time.monotonic(), peek)

    def forget(self, path: str) -> None:
        """Drop the kept peek of `path` (the media library changed it in this process)."""
        self._peeks.pop(path, None)

    def peek(self, path: str) -> Peek | None:
        """The file's validator and first bytes: a stat and one small read, so a cached
        render is found without reading the whole original. Blocking (a disk, or a network
        filesystem, can stall): the app calls it in a worker thread.

        None for a file whose digest is not known yet (new, or changed): naming it means
        reading it whole, which the app does as it reads a remote original to name it,
        admitted by the limiter first (app.answer.look_up), so a burst for a new 45 MB
        upload is answered its 503s before anything is read or hashed (issue 17)."""
        head, stat, target, digest = self._read_file(path, HEAD_BYTES)
        if digest is None:
            return None
        sidecar = self._meta(target)
        meta = sidecar or FileMeta()
        peek = Peek(
            digest + meta.validator_suffix(), head, http_time(stat.st_mtime),
            meta.private, meta.focus(),
        )
        self._remember(path, peek, sidecar)
        return peek

    def _meta(self, target: str) -> FileMeta | None:
        # The media library's sidecar (privacy, purge generation) of the file itself, so a
        # symlink to a private file is private too; a missing one costs a failed open, and
        # none is the rule for files put in the folder by hand.
        return read_sidecar(self._root, target[len(self._inside) :])

    def read(self, path: str) -> Original:
        """The original, read whole; blocking (app.runtime runs it in a thread of its own)."""
        data, stat, target, digest = self._read_file(path, self.max_bytes + 1)
        assert digest is not None  # read whole
        sidecar = self._meta(target)
        meta = sidecar or FileMeta()
        original = Original(
            data=data,
            content_type=mimetypes.guess_type(target)[0],
            etag=digest + meta.validator_suffix(),
            last_modified=http_time(stat.st_mtime),
            private=meta.private,
            focus=meta.focus(),
        )
        self._remember(path, Peek.of(original), sidecar)  # a look, as a peek's
        return original

    async def fetch(self, path: str) -> Original:
        # Abandoned if cancelled (source_timeout): a stalled disk read cannot hold the request.
        return await anyio.to_thread.run_sync(self.read, path, abandon_on_cancel=True)

    async def close(self) -> None:
        return None
