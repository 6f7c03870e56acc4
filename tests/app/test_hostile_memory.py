"""Memory that stays (issue 17, item 8): the parse caches are bounded in bytes, a render
decodes at most `max_decoded_pixels`, and memory goes back to the system after large
renders. RSS is this process's (the server of the HTTP tests runs in it)."""

from __future__ import annotations

import gc
import io
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from app.request import _parse_cached, _parse_chain
from app.runtime import Runtime
from app.settings import LimitsConfig, load_settings
from tests import imagegen
from tests.probes import rss_mib
from transforms.query import CACHED_QUERY_BYTES, _split_cached, split_query
from transforms.spec import Limits


def long_query(i: int) -> bytes:
    """About 60 KB: 30 parameters of 2000 characters, the most each may have."""
    return b"&".join(b"p%d=%s%d" % (n, b"v" * 1990, i) for n in range(30))


def test_long_queries_do_not_stay_in_the_split_cache():
    gc.collect()
    before, cached = rss_mib(), _split_cached.cache_info().currsize
    for i in range(2000):
        assert len(split_query(long_query(i))) == 30
    gc.collect()
    # Before: every one of them kept (4096 entries of 60 KB and their pairs: gigabytes).
    assert rss_mib() - before < 40
    assert _split_cached.cache_info().currsize == cached
    split_query(b"w=300&h=200&fit=crop")
    hits = _split_cached.cache_info().hits
    split_query(b"w=300&h=200&fit=crop")
    assert _split_cached.cache_info().hits == hits + 1  # short ones still are cached


def test_long_queries_do_not_stay_in_the_parse_cache(tmp_path):
    runtime = Runtime.build(
        load_settings(None, sources=[{"name": "m", "type": "folder", "root": str(tmp_path)}])
    )
    src = runtime.sources["m"]
    cached = _parse_cached.cache_info().currsize
    text = "x" * (CACHED_QUERY_BYTES + 1)
    for i in range(200):
        chain = _parse_chain(src.parser, None, [("txt", f"{text}{i}"), ("w", "10")], runtime.limits)
        assert chain.final.overlays[0].text.endswith(str(i))
    assert _parse_cached.cache_info().currsize == cached
    _parse_chain(src.parser, None, [("w", "11")], runtime.limits)
    hits = _parse_cached.cache_info().hits
    _parse_chain(src.parser, None, [("w", "11")], runtime.limits)
    assert _parse_cached.cache_info().hits == hits + 1  # short ones still are cached


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("memory")
    # 4000 x 4000 RGBA: 16 MP, 64 MB decoded, a few hundred KB as a PNG
    img = Image.radial_gradient("L").resize((4000, 4000)).convert("RGBA")
    (root / "big.png").write_bytes(imagegen.encode(img, "PNG"))
    wide = imagegen.photo(3000, 1000)
    (root / "wide.png").write_bytes(imagegen.encode(wide, "PNG"))
    (root / "wide.jpg").write_bytes(imagegen.encode(wide, "JPEG"))
    return root


def test_memory_goes_back_after_large_renders(big, signet_with):
    with signet_with(
        limits={"transform_workers": 2},
        cache={"enabled": False},
        sources=[{"name": "m", "type": "folder", "root": str(big)}],
        timeout=60,
    ) as served:
        # Warm: imports, fonts, pools, and both worker threads with their malloc arenas
        # (a thread's first render creates its arena: that is growth, not a leak).
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(served.client.get, ["/m/big.png?w=98", "/m/big.png?w=99"]))
        gc.collect()
        before = rss_mib()
        for i in range(2):  # two at once, twice: each worker thread has its own arena
            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(served.client.get, [f"/m/big.png?w={100 + 2 * i + j}&fm=png"
                                                 for j in range(2)]))
            assert [r.status_code for r in answers] == [200, 200]
        time.sleep(0.2)
        after = rss_mib()
    # Each render held 130 MB or more at its peak; without the trim about that much stayed.
    assert after - before < 40, (before, after)


def test_decoded_pixels_are_bounded_after_shrink_on_load(big, signet_with):
    with signet_with(
        limits={"max_decoded_pixels": 2_000_000},
        sources=[{"name": "m", "type": "folder", "root": str(big)}],
    ) as served:
        png = httpx.get(f"{served.base}/m/wide.png?w=300")
        thumb = httpx.get(f"{served.base}/m/wide.jpg?w=300")  # decoded at 1/8: 375 x 125
        full = httpx.get(f"{served.base}/m/wide.jpg")
    assert png.status_code == 422, png.text
    assert "3000 x 1000" in png.text and "2000000 pixels" in png.text
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(thumb.content)).size == (300, 100)
    assert full.status_code == 422


def test_the_defaults():
    config = LimitsConfig()
    assert config.max_decoded_pixels == Limits().max_decoded_pixels == 25_000_000
    assert config.max_frames == Limits().max_frames == 1000
    assert config.max_input_pixels == 100_000_000  # ImageKit's, unchanged


def test_a_100_mp_png_is_refused_before_it_is_decoded(tmp_path, signet_with):
    """It peaked at 1.3 GB within the old defaults; two at once were well past 1 GiB."""
    Image.new("RGB", (10_000, 10_000), (200, 30, 30)).save(tmp_path / "huge.png")
    with signet_with(sources=[{"name": "m", "type": "folder",
                               "root": str(tmp_path)}]) as served:
        gc.collect()
        before = rss_mib()
        began = time.monotonic()
        resp = httpx.get(f"{served.base}/m/huge.png?w=300", timeout=30)
        took = time.monotonic() - began
        grown = rss_mib() - before
    assert resp.status_code == 422, resp.text
    assert "over the limit of 25000000 pixels" in resp.text
    assert took < 2 and grown < 50
