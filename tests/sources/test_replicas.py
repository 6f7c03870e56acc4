"""Replicas with their own copy of a folder name the same bytes with the same ETag.

Two Signet instances, each serving its own copy of the media folder: copied with the
mtimes kept (as rsync -a, or a container image), and copied without (new mtimes, new
inodes). The ETag of a render is the same on both, and each answers 304 to the other's
ETag. A changed file, even one whose mtime is put back, is a new ETag.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from app.service import create_app
from app.settings import load_settings
from sources.digests import DigestCache, stat_key
from tests import imagegen


def _config(path: Path, media: Path) -> Path:
    path.write_text(
        f"""
[[sources]]
name = "media"
type = "folder"
root = "{media}"
ttl = 3600
stat_cache_seconds = 0  # a changed copy is seen at once (else within this time)
"""
    )
    return path


@pytest.fixture(scope="module", params=["mtimes-kept", "mtimes-new"])
def replicas(request, tmp_path_factory, signet_with) -> tuple[str, str, Path]:
    root = tmp_path_factory.mktemp("replicas")
    first = root / "one" / "media"
    first.mkdir(parents=True)
    (first / "dog.jpg").write_bytes(imagegen.jpeg(400, 300))
    (first / "cat.png").write_bytes(imagegen.png_alpha(200, 100))
    os.utime(first / "dog.jpg", ns=(1_600_000_000_000_000_000,) * 2)
    copy = shutil.copytree if request.param == "mtimes-kept" else _copy_without_times
    second = root / "two" / "media"
    copy(first, second)
    apps = [
        create_app(load_settings(_config(media.parent / "signet.toml", media)))
        for media in (first, second)
    ]
    with signet_with(apps[0]) as one, signet_with(apps[1]) as two:
        yield one.base, two.base, second


def _copy_without_times(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, copy_function=shutil.copyfile)


URLS = ["/media/dog.jpg?w=120", "/media/dog.jpg", "/media/cat.png?w=50&fm=webp"]


@pytest.mark.parametrize("url", URLS)
def test_the_same_etag_and_304_across_replicas(replicas, url):
    one, two, _ = replicas
    a = httpx.get(one + url)
    b = httpx.get(two + url)
    assert a.status_code == b.status_code == 200
    assert a.headers["etag"] == b.headers["etag"]
    assert a.content == b.content
    for base, etag in ((two, a.headers["etag"]), (one, b.headers["etag"])):
        again = httpx.get(base + url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag


def test_a_changed_copy_is_a_new_etag_even_with_its_mtime_put_back(replicas):
    one, two, second = replicas
    url = "/media/dog.jpg?w=121"
    before = httpx.get(two + url).headers["etag"]
    path = second / "dog.jpg"
    old = path.stat()
    path.write_bytes(imagegen.jpeg(400, 300, quality=60))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))  # the old mtime back
    after = httpx.get(two + url)
    assert after.headers["etag"] != before
    assert after.headers["etag"] != httpx.get(one + url).headers["etag"]
    assert httpx.get(two + url, headers={"If-None-Match": before}).status_code == 200


def test_the_digest_cache_is_bounded_and_keyed_by_stat(tmp_path):
    cache = DigestCache(max_entries=3)
    digests = []
    for i in range(5):
        path = tmp_path / f"{i}.bin"
        path.write_bytes(bytes([i]) * 1000)
        stat = path.stat()
        digests.append(cache.of_bytes(stat, path.read_bytes(), stat))
    assert len(cache) == 3
    assert len(set(digests)) == 5
    assert cache.get(stat_key((tmp_path / "0.bin").stat())) is None  # the oldest went first
    assert cache.get(stat_key((tmp_path / "4.bin").stat())) == digests[4]


def test_bytes_that_changed_while_read_are_not_kept(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"one")
    before = path.stat()
    path.write_bytes(b"two!")
    cache = DigestCache()
    cache.of_bytes(before, b"one", path.stat())
    assert len(cache) == 0
