"""The media library's side of a source: write, list and delete files and their metadata.

A folder source and an S3 source each have a library (this module and sources.library_s3).
Every method blocks; the app calls them in worker threads.

What lives where, so that hosts stay stateless (nothing but the store is shared):
- file ids are the stored path, URL-safe base64 without padding (`file_id`/`path_of_id`):
  every host derives the same id, and an id names its file without a lookup;
- metadata (privacy, tags, custom coordinates, purge generation) lives with the file:
  S3 object metadata, or for a folder a JSON sidecar under `<root>/.signet/meta/`;
- used upload tokens live in the store itself: a file created with O_EXCL under
  `<root>/.signet/tokens/`, or an S3 object put with `IfNoneMatch="*"`.

`.signet/` (STATE_DIR) is never served: `refuse_state_path` is checked by the sources.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from sources.base import BadPath, NotFound
from sources.file_meta import FileMeta
from sources.paths import check_relative

STATE_DIR = ".signet"
MAX_LISTED = 50_000  # entries a folder listing walks before it gives up
TOKEN_MAX_AGE = 7200.0  # seconds: a token's `expire` is under an hour ahead, so older is dead
TOKEN_SWEEP_EVERY = 600.0  # seconds between sweeps of dead token records, per process


class TooManyFiles(Exception):
    """A listing would walk more entries than its bound; the caller should narrow it."""


class AlreadyExists(Exception):
    """A write with `overwrite=False` found a file at the path."""


@dataclass(frozen=True)
class Entry:
    """A stored file as a listing or a lookup sees it."""

    path: str
    size: int
    modified: float  # unix seconds
    meta: FileMeta = field(default_factory=FileMeta)

    @property
    def file_id(self) -> str:
        return file_id(self.path)


def file_id(path: str) -> str:
    return base64.urlsafe_b64encode(path.encode()).decode().rstrip("=")


def path_of_id(fid: str) -> str:
    """The path a file id names; NotFound for anything that is not an id of ours."""
    if not fid or len(fid) > 4096 or not all(c.isalnum() or c in "-_" for c in fid):
        raise NotFound("no file has this id")
    try:
        path = base64.urlsafe_b64decode(fid + "=" * (-len(fid) % 4)).decode()
        return refuse_state_path(check_relative(path))
    except (binascii.Error, UnicodeDecodeError, ValueError, BadPath):
        raise NotFound("no file has this id") from None


def refuse_state_path(path: str) -> str:
    """NotFound for a path under the library's private state folder; else the path."""
    if path == STATE_DIR or path.startswith(STATE_DIR + "/"):
        raise NotFound(f"no such image: {path}")
    return path


def token_record_name(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_sidecar(root: str, rel: str) -> FileMeta | None:
    """A folder file's metadata, or None when it has none (a file put there by hand)."""
    try:
        with open(os.path.join(root, STATE_DIR, "meta", rel + ".json"), "rb") as f:
            return FileMeta.from_json(f.read(65536))
    except OSError:
        return None


def _atomic_write(path: str, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place:
    a crash leaves the old file or the new one, never part of one."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".signet-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class FolderLibrary:
    def __init__(
        self, root: str | os.PathLike[str], changed: Callable[[str], None] = lambda path: None
    ) -> None:
        self.root = str(Path(root).resolve())
        self._changed = changed  # told of each file written, changed or deleted
        self._state = os.path.join(self.root, STATE_DIR)
        self._swept = 0.0
        self._sweep_lock = threading.Lock()

    def _file(self, path: str) -> str:
        rel = refuse_state_path(check_relative(path))
        target = os.path.join(self.root, rel)
        # No component below the root may be a symlink: a write must not follow one out.
        current = self.root
        for part in rel.split("/")[:-1]:
            current = os.path.join(current, part)
            with contextlib.suppress(FileNotFoundError):
                if not S_ISDIR(os.lstat(current).st_mode):
                    raise BadPath("a folder in the path is not a folder")
        return target

    def _sidecar(self, path: str) -> str:
        return os.path.join(self._state, "meta", path + ".json")

    def stat(self, path: str) -> Entry | None:
        target = self._file(path)
        try:
            st = os.lstat(target)
        except OSError:
            return None
        if not S_ISREG(st.st_mode):
            return None
        return Entry(path, st.st_size, st.st_mtime, read_sidecar(self.root, path) or FileMeta())

    def write(self, path: str, data: bytes, meta: FileMeta, *, overwrite: bool = True) -> Entry:
        target = self._file(path)
        old = self.stat(path)
        if old is not None and not overwrite:
            raise AlreadyExists(path)
        sidecar = self._sidecar(path)
        # Two files cannot change in one step. While they differ, the sidecar says private
        # if either version is: a crash may hide a public file, never show a private one.
        if old is not None and old.meta.private != meta.private:
            _atomic_write(sidecar, replace(meta, private=True).to_json())
        elif old is None and meta.private:
            _atomic_write(sidecar, meta.to_json())
        _atomic_write(target, data)
        _atomic_write(sidecar, meta.to_json())
        self._changed(path)
        entry = self.stat(path)
        assert entry is not None
        return entry

    def update_meta(self, path: str, meta: FileMeta) -> None:
        if self.stat(path) is None:
            raise NotFound(f"no such file: {path}")
        _atomic_write(self._sidecar(path), meta.to_json())
        self._changed(path)

    def delete(self, path: str) -> bool:
        target = self._file(path)
        if self.stat(path) is None:
            return False
        os.unlink(target)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._sidecar(path))
        self._changed(path)
        return True

    def list(self, folder: str, recursive: bool) -> tuple[list[Entry], list[str]]:
        """Files in `folder` ("" for the root) and, not recursive, its subfolders' paths."""
        base = self.root if not folder else self._file(folder)
        entries: list[Entry] = []
        folders: list[str] = []
        walked = 0
        stack = [base]
        while stack:
            current = stack.pop()
            try:
                items = list(os.scandir(current))
            except OSError:
                continue
            for item in items:
                walked += 1
                if walked > MAX_LISTED:
                    raise TooManyFiles(f"more than {MAX_LISTED} entries")
                if item.name.startswith("."):  # the state folder, temporary files
                    continue
                rel = os.path.relpath(item.path, self.root).replace(os.sep, "/")
                if item.is_dir(follow_symlinks=False):
                    if recursive:
                        stack.append(item.path)
                    else:
                        folders.append(rel)
                elif item.is_file(follow_symlinks=False):
                    st = item.stat(follow_symlinks=False)
                    meta = read_sidecar(self.root, rel) or FileMeta()
                    entries.append(Entry(rel, st.st_size, st.st_mtime, meta))
        return entries, folders

    def claim_token(self, token: str) -> bool:
        """True the first time a token is seen by any process on this folder, else False."""
        tokens = os.path.join(self._state, "tokens")
        os.makedirs(tokens, exist_ok=True)
        self._sweep_tokens(tokens)
        try:
            fd = os.open(
                os.path.join(tokens, token_record_name(token)),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                0o600,
            )
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def _sweep_tokens(self, tokens: str) -> None:
        """Drop records of tokens that can no longer verify (their `expire` has passed)."""
        now = time.time()
        with self._sweep_lock:
            if now - self._swept < TOKEN_SWEEP_EVERY:
                return
            self._swept = now
        with contextlib.suppress(OSError), os.scandir(tokens) as items:
            for item in items:
                with contextlib.suppress(OSError):
                    if now - item.stat().st_mtime > TOKEN_MAX_AGE:
                        os.unlink(item.path)
