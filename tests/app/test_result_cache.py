"""The result cache through the real server: memory, disk and S3 tiers, keys, damage, failures."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import httpx
import pytest

from app.cache.blob import entry_name
from app.cache.disk import DiskTier
from app.service import create_app
from app.settings import ConfigError, load_settings
from tests import imagegen
from tests.probes import metric
from tests.s3server import admin_client, use_test_credentials
from tests.servers import free_socket, serve_folder

CACHE_BUCKET = "render-cache"


def serve(root: Path, **cache) -> contextlib.AbstractContextManager[str]:
    return serve_folder(root, cache=cache)


def get(base: str, target: str) -> httpx.Response:
    resp = httpx.get(base + target, timeout=20)
    assert resp.status_code == 200, resp.text
    return resp


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    (root / "photo.jpg").write_bytes(imagegen.jpeg(400, 300))
    return root


def test_second_request_is_a_memory_hit_whatever_the_parameter_order(media):
    with serve(media) as base:
        first = get(base, "/m/photo.jpg?w=300&h=200")
        second = get(base, "/m/photo.jpg?h=200&w=300")
        assert first.headers["x-signet-cache"] == "miss"
        assert second.headers["x-signet-cache"] == "hit-memory"
        assert second.content == first.content
        assert second.headers["etag"] == first.headers["etag"]
        assert metric(base, "signet_cache_results_total", result="miss") == 1
        assert metric(base, "signet_cache_results_total", result="hit-memory") == 1
        assert metric(base, "signet_transforms_total") == 1
        # a different output format is a different entry
        assert get(base, "/m/photo.jpg?w=300&h=200&fm=png").headers["x-signet-cache"] == "miss"


def _swap_to_blue(media: Path) -> None:
    blue = imagegen.encode(imagegen.solid(200, 100, (0, 0, 255)), "JPEG")
    (media / "swap.new").write_bytes(blue)
    os.replace(media / "swap.new", media / "swap.jpg")  # as a deploy or an upload would


def test_replaced_original_renders_anew(media):
    """With `stat_cache_seconds = 0` the folder is looked at on every request."""
    (media / "swap.jpg").write_bytes(imagegen.encode(imagegen.solid(200, 100, (255, 0, 0)), "JPEG"))
    with serve_folder(media, options={"stat_cache_seconds": 0}) as base:
        before = get(base, "/m/swap.jpg?w=20")
        assert get(base, "/m/swap.jpg?w=20").headers["x-signet-cache"] == "hit-memory"
        _swap_to_blue(media)
        after = get(base, "/m/swap.jpg?w=20")
    assert after.headers["x-signet-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    assert imagegen.open_bytes(after.content).getpixel((10, 5))[2] > 200  # blue now


def test_a_file_replaced_by_hand_is_seen_within_stat_cache_seconds(media):
    """A file's look is reused for `stat_cache_seconds` (sources.folder.recent_peek): the
    old render until then, the new one after."""
    (media / "swap.jpg").write_bytes(imagegen.encode(imagegen.solid(200, 100, (255, 0, 0)), "JPEG"))
    with serve_folder(media, options={"stat_cache_seconds": 0.5}) as base:
        started = time.monotonic()  # before the look that is kept
        before = get(base, "/m/swap.jpg?w=20")
        _swap_to_blue(media)
        soon = get(base, "/m/swap.jpg?w=20")
        if time.monotonic() - started < 0.45:  # (a slow machine may be past it already)
            assert soon.headers["etag"] == before.headers["etag"]
            assert soon.headers["x-signet-cache"] == "hit-memory"
        time.sleep(0.6)
        after = get(base, "/m/swap.jpg?w=20")
    assert after.headers["x-signet-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    assert imagegen.open_bytes(after.content).getpixel((10, 5))[2] > 200  # blue now


def test_disk_tier_is_shared_by_workers_of_a_host(media, tmp_path):
    disk = tmp_path / "cache"
    with serve(media, memory_bytes=0, disk_dir=str(disk)) as base:
        first = get(base, "/m/photo.jpg?w=120")
        assert first.headers["x-signet-cache"] == "miss"
        assert get(base, "/m/photo.jpg?w=120").headers["x-signet-cache"] == "hit-disk"
        assert metric(base, "signet_cache_results_total", result="hit-disk") == 1
    # another process of the same host: a new app on the same folder
    with serve(media, disk_dir=str(disk)) as base:
        other = get(base, "/m/photo.jpg?w=120")
        assert other.headers["x-signet-cache"] == "hit-disk"
        assert other.content == first.content
        # copied up into memory
        assert get(base, "/m/photo.jpg?w=120").headers["x-signet-cache"] == "hit-memory"


def test_torn_disk_entry_is_never_served(media, tmp_path):
    disk = tmp_path / "cache"
    with serve(media, memory_bytes=0, disk_dir=str(disk)) as base:
        good = get(base, "/m/photo.jpg?w=90")
        (entry,) = [p for p in disk.glob("*/*") if not p.name.startswith(".")]
        entry.write_bytes(entry.read_bytes()[:-100])  # as a crash mid-write would leave it
        again = get(base, "/m/photo.jpg?w=90")
        assert again.headers["x-signet-cache"] == "miss"
        assert again.content == good.content
        # rewritten whole
        assert get(base, "/m/photo.jpg?w=90").headers["x-signet-cache"] == "hit-disk"


def test_unwritable_disk_tier_still_answers(media, tmp_path):
    disk = tmp_path / "cache"
    disk.mkdir()
    for i in range(256):  # every shard folder name taken by a file: no write can succeed
        (disk / f"{i:02x}").write_bytes(b"")
    with serve(media, memory_bytes=0, disk_dir=str(disk)) as base:
        assert get(base, "/m/photo.jpg?w=50").headers["x-signet-cache"] == "miss"
        assert get(base, "/m/photo.jpg?w=50").headers["x-signet-cache"] == "miss"


def test_disk_folder_that_cannot_be_made_is_a_config_error(media, tmp_path):
    (tmp_path / "file").write_bytes(b"")
    settings = load_settings(
        None,
        cache={"disk_dir": str(tmp_path / "file" / "cache")},
        sources=[{"name": "m", "type": "folder", "root": str(media)}],
    )
    with pytest.raises(ConfigError, match="cache.disk_dir"):
        create_app(settings)


def test_disk_budget_evicts_least_recently_used(tmp_path):
    tier = DiskTier(tmp_path, max_bytes=16_000)
    body = b"x" * 1000
    for i in range(10):
        tier.put(f"k{i}", body)
    # Make k0 the oldest written but the most recently used, k1 the least recently used.
    now = time.time()
    for i in range(10):
        path = tmp_path / entry_name(f"k{i}")[:2] / entry_name(f"k{i}")
        os.utime(path, (now - 1000 + i, now - 1000 + i))
    assert tier.get("k0") == body  # a hit bumps it
    for i in range(10, 20):
        tier.put(f"k{i}", body)
    tier.sweep()
    kept = {i for i in range(20) if tier.get(f"k{i}") is not None}
    assert 0 in kept and 1 not in kept
    assert set(range(10, 20)) <= kept
    total = sum(p.stat().st_size for p in tmp_path.glob("*/*") if not p.name.startswith("."))
    assert total <= 16_000


def test_disk_entry_over_its_share_is_not_written(tmp_path):
    tier = DiskTier(tmp_path, max_bytes=8000)
    tier.put("big", b"x" * 2000)
    assert tier.get("big") is None


def test_cache_turned_off_still_answers(media):
    with serve(media, enabled=False) as base:
        assert get(base, "/m/photo.jpg?w=40").headers["x-signet-cache"] == "miss"
        assert get(base, "/m/photo.jpg?w=40").headers["x-signet-cache"] == "miss"
        assert metric(base, "signet_transforms_total") == 2


# --- the S3 tier, against moto on 127.0.0.1 ---


@pytest.fixture(scope="module")
def moto(tmp_path_factory, moto):
    """conftest's moto, with the cache bucket, and the test credentials in the environment."""
    with pytest.MonkeyPatch.context() as mp:
        use_test_credentials(mp, tmp_path_factory.mktemp("aws"))
        admin_client(moto).create_bucket(Bucket=CACHE_BUCKET)
        yield moto


def s3_cache(endpoint: str, **more) -> dict:
    return {"s3_bucket": CACHE_BUCKET, "s3_endpoint_url": endpoint, "s3_region": "us-east-1",
            "s3_prefix": "renders", **more}


def test_s3_tier_is_shared_by_hosts(media, moto):
    with serve(media, memory_bytes=0, **s3_cache(moto)) as base:
        first = get(base, "/m/photo.jpg?w=77")
        assert first.headers["x-signet-cache"] == "miss"
    # Shutting down let the background write finish. Another host, empty memory and disk:
    with serve(media, **s3_cache(moto)) as base:
        other = get(base, "/m/photo.jpg?w=77")
        assert other.headers["x-signet-cache"] == "hit-s3"
        assert other.content == first.content
        assert metric(base, "signet_cache_results_total", result="hit-s3") == 1
        assert get(base, "/m/photo.jpg?w=77").headers["x-signet-cache"] == "hit-memory"
    keys = [o["Key"] for o in admin_client(moto).list_objects_v2(Bucket=CACHE_BUCKET)["Contents"]]
    assert keys and all(k.startswith("renders/") for k in keys)


def test_damaged_s3_entry_is_never_served(media, moto):
    with serve(media, memory_bytes=0, **s3_cache(moto)) as base:
        good = get(base, "/m/photo.jpg?w=66")
    s3 = admin_client(moto)
    for obj in s3.list_objects_v2(Bucket=CACHE_BUCKET)["Contents"]:
        blob = s3.get_object(Bucket=CACHE_BUCKET, Key=obj["Key"])["Body"].read()
        s3.put_object(Bucket=CACHE_BUCKET, Key=obj["Key"], Body=blob[: len(blob) // 2])
    with serve(media, **s3_cache(moto)) as base:
        again = get(base, "/m/photo.jpg?w=66")
    assert again.headers["x-signet-cache"] == "miss"
    assert again.content == good.content


def test_unreachable_s3_tier_is_a_miss_not_an_error(media, moto):
    closed = free_socket()
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    cache = s3_cache(f"http://127.0.0.1:{port}", s3_timeout=0.5)
    with serve(media, memory_bytes=0, **cache) as base:
        assert get(base, "/m/photo.jpg?w=55").headers["x-signet-cache"] == "miss"
        assert get(base, "/m/photo.jpg?w=55").headers["x-signet-cache"] == "miss"


def test_s3_bucket_we_may_not_use_is_a_miss(media, moto):
    cache = s3_cache(moto, s3_bucket="no-such-bucket")
    with serve(media, memory_bytes=0, **cache) as base:
        assert get(base, "/m/photo.jpg?w=44").headers["x-signet-cache"] == "miss"
