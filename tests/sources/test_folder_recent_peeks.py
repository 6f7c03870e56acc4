"""A folder source keeps a file's peek for `stat_cache_seconds` (issue 16: a cached hit
then needs no thread), but never a file the media library manages, and forgets a file
the library changes in its process."""

from __future__ import annotations

import time

from sources import folder
from sources.base import Peek
from sources.file_meta import FileMeta
from sources.folder import FolderSource
from sources.library import FolderLibrary
from tests import imagegen


def _source(root, seconds: float = 1.0) -> FolderSource:
    return FolderSource("m", root=root, max_bytes=10 << 20, timeout=5, stat_cache_seconds=seconds)


def _peek(source: FolderSource, path: str) -> Peek:
    """A peek of a file read whole once before (a peek of a new file is None: see below)."""
    peek = source.peek(path)
    if peek is None:
        source.read(path)
        peek = source.peek(path)
    assert peek is not None
    return peek


def test_a_file_never_read_whole_is_not_peeked(tmp_path):
    """A peek does not hash: the app reads a new file under the limiter (issue 17)."""
    (tmp_path / "new.jpg").write_bytes(imagegen.jpeg(400, 300))
    source = _source(tmp_path)
    assert source.peek("new.jpg") is None
    assert source.recent_peek("new.jpg") is None
    original = source.read("new.jpg")
    peek = source.peek("new.jpg")
    assert peek is not None and peek.validator == original.etag
    (tmp_path / "new.jpg").write_bytes(imagegen.jpeg(401, 300))  # changed: not known again
    source.forget("new.jpg")
    assert source.peek("new.jpg") is None


def test_a_peek_is_kept_for_its_time_then_looked_at_again(tmp_path):
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(40, 30))
    source = _source(tmp_path, 0.2)
    assert source.recent_peek("a.jpg") is None  # never looked at
    peek = _peek(source, "a.jpg")
    assert source.recent_peek("a.jpg") is peek
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(50, 30))
    assert source.recent_peek("a.jpg") is peek  # within its time: the old look
    time.sleep(0.25)
    assert source.recent_peek("a.jpg") is None  # past it: the app peeks again
    assert _peek(source, "a.jpg").validator != peek.validator


def test_zero_keeps_nothing(tmp_path):
    (tmp_path / "a.jpg").write_bytes(imagegen.jpeg(40, 30))
    source = _source(tmp_path, 0)
    _peek(source, "a.jpg")
    assert source.recent_peek("a.jpg") is None


def test_files_of_the_media_library_are_never_kept(tmp_path):
    """Another worker may make it private or delete it through the API at any moment."""
    library = FolderLibrary(tmp_path)
    library.write("lib.jpg", imagegen.jpeg(40, 30), FileMeta(private=True))
    source = _source(tmp_path)
    assert _peek(source, "lib.jpg").private
    assert source.recent_peek("lib.jpg") is None


def test_the_library_of_the_same_process_makes_the_source_forget(tmp_path):
    (tmp_path / "hand.jpg").write_bytes(imagegen.jpeg(40, 30))
    source = _source(tmp_path)
    library = FolderLibrary(tmp_path, changed=source.forget)
    _peek(source, "hand.jpg")
    assert source.recent_peek("hand.jpg") is not None
    library.update_meta("hand.jpg", FileMeta(private=True))
    assert source.recent_peek("hand.jpg") is None
    assert _peek(source, "hand.jpg").private  # and now it has a sidecar: not kept
    assert source.recent_peek("hand.jpg") is None
    source.forget("never-seen.jpg")  # forgetting what it never kept is nothing


def test_the_kept_peeks_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(folder, "MAX_KEPT_PEEKS", 3)
    source = _source(tmp_path)
    for i in range(5):
        (tmp_path / f"{i}.jpg").write_bytes(imagegen.jpeg(10, 10))
        _peek(source, f"{i}.jpg")
    assert len(source._peeks) <= 3
    assert source.recent_peek("4.jpg") is not None  # the newest is kept
