"""Originals that declare more structure than any limit allows walking: pages, frames,
chunks, segments, blocks. Each is refused from a bounded count, in milliseconds, while the
rest of the service goes on answering (issue 17, item 1)."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.settings import load_settings
from tests import hostile_files as hf
from tests import imagegen
from tests.probes import health_probe
from transforms.errors import ImageError
from transforms.pipeline import render
from transforms.spec import Limits, Size, TransformSpec
from transforms.structure import count_frames

HOSTILE = {
    # the examples: 100,000 pages (76 s in Pillow), 3 million frames, a million chunks
    "pages.tiff": (lambda: hf.tiff_pages(100_000), "more than 1000 frames"),
    "frames.gif": (lambda: hf.gif_frames(300_000), "more than 1000 frames"),
    "text.png": (lambda: hf.png_text_chunks(300_000), "PNG chunks"),
    # the same class in other formats and structures
    "idat.png": (lambda: hf.png_empty_idats(300_000), "PNG image data chunks"),
    "declared.png": (lambda: hf.apng_declaring(3_000_000), "more than 1000 frames"),
    "frames.webp": (lambda: hf.webp_frames(20_000), "more than 1000 frames"),
    "strips.tiff": (lambda: hf.tiff_strips(200_000), "TIFF strips"),
    "comments.jpg": (lambda: hf.jpeg_comments(300_000), "JPEG segments"),
    "junk.jpg": (lambda: hf.jpeg_junk(2_000_000), "junk"),
    "subblocks.gif": (lambda: hf.gif_tiny_subblocks(2_000_000), "GIF data blocks"),
}
FINE = {
    "pages5.tiff": hf.tiff_pages(5),
    "frames10.gif": hf.gif_frames(10),
    "text20.png": hf.png_text_chunks(20),
    "anim.webp": hf.webp_frames(3),
    "anim.png": hf.apng_declaring(2),
    "comments10.jpg": hf.jpeg_comments(10),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("structure")
    for name, (build, _) in HOSTILE.items():
        (root / name).write_bytes(build())
    for name, data in FINE.items():
        (root / name).write_bytes(data)
    (root / "photo.jpg").write_bytes(imagegen.jpeg(640, 480))
    with signet_with(
        limits={"transform_workers": 2},
        sources=[{"name": "h", "type": "folder", "root": str(root)}],
    ) as served:
        yield served.base


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_declared_structure_is_refused_from_a_bounded_count(server, name):
    began = time.monotonic()
    resp = httpx.get(f"{server}/h/{name}?w=10", timeout=30)
    took = time.monotonic() - began
    assert resp.status_code == 422, resp.text
    assert HOSTILE[name][1] in resp.text
    assert took < 2, took  # Pillow alone: seconds to minutes


def test_the_service_keeps_answering_while_hostile_files_arrive(server):
    """Two hostile requests at once held both render slots for minutes; now neither does."""
    results: list[int] = []

    def hostile(name: str) -> None:
        for _ in range(3):
            results.append(httpx.get(f"{server}/h/{name}?w=10", timeout=30).status_code)

    with health_probe(server) as probe:
        threads = [threading.Thread(target=hostile, args=(n,))
                   for n in ("pages.tiff", "frames.gif", "text.png", "comments.jpg")]
        for t in threads:
            t.start()
        photo = httpx.get(f"{server}/h/photo.jpg?w=100", timeout=30)
        for t in threads:
            t.join()
        time.sleep(0.1)
    assert results == [422] * 12
    assert photo.status_code == 200
    assert Image.open(io.BytesIO(photo.content)).size == (100, 75)
    assert probe.answers >= 3 and not probe.failures
    assert probe.responsive(), (probe.worst, sorted(probe.latencies)[-5:])


@pytest.mark.parametrize("name", sorted(FINE))
def test_structure_within_the_bounds_renders(server, name):
    resp = httpx.get(f"{server}/h/{name}?w=8&fm=png", timeout=30)
    assert resp.status_code == 200, resp.text
    assert Image.open(io.BytesIO(resp.content)).width == 8


@pytest.mark.parametrize("name", sorted(FINE))
def test_counts_agree_with_pillow(name):
    data = FINE[name]
    counted = count_frames(data, 1000)
    stated = getattr(Image.open(io.BytesIO(data)), "n_frames", 1)
    assert counted in (None, stated)


@pytest.mark.parametrize(
    "data", [hf.gif_frames(5), hf.tiff_pages(5), hf.webp_frames(5), hf.apng_declaring(5)],
    ids=["gif", "tiff", "webp", "apng"],
)
def test_max_frames_is_the_bound(data):
    spec = TransformSpec(size=Size(w=4))
    assert render(data, spec, "png", Limits(max_frames=5)).width == 4
    with pytest.raises(ImageError, match="more than 4 frames"):
        render(data, spec, "png", Limits(max_frames=4))


def test_max_frames_is_configurable():
    settings = load_settings(None, limits={"max_frames": 7})
    assert settings.limits.max_frames == 7
