"""A folder on local disk. Never serves anything outside its root, symlinks included."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

import anyio.to_thread

from sources.base import NotFound, Original, TooLarge
from sources.paths import check_relative, decode_path


class FolderSource:
    requires_signature = False
    cache_originals = False  # a local read is as cheap as the cache, and never stale
    def __init__(
        self, name: str, *, root: str | os.PathLike[str], max_bytes: int, timeout: float
    ) -> None:
        self.name = name
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes

    def path_from_url(self, raw_path: str) -> str:
        return decode_path(raw_path)

    def _read(self, path: str) -> Original:
        try:
            target = (self.root / check_relative(path)).resolve()
            # resolve() follows symlinks, so a link pointing outside the root is caught here.
            found = target.is_relative_to(self.root) and target.is_file()
        except OSError:  # a name too long for the filesystem, a symlink loop: no such file
            found = False
        if not found:
            raise NotFound(f"no such image: {path}")
        try:
            with open(target, "rb") as f:
                stat = os.fstat(f.fileno())
                if stat.st_size > self.max_bytes:
                    raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
                data = f.read(self.max_bytes + 1)
        except OSError:
            raise NotFound(f"no such image: {path}") from None
        if len(data) > self.max_bytes:  # the file grew while we read it
            raise TooLarge(f"the original is over the limit of {self.max_bytes} bytes")
        return Original(
            data=data,
            content_type=mimetypes.guess_type(target.name)[0],
            etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{stat.st_ino:x}",
            last_modified=stat.st_mtime,
        )

    async def fetch(self, path: str) -> Original:
        return await anyio.to_thread.run_sync(self._read, path)

    async def close(self) -> None:
        return None
