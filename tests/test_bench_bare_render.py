"""bench/bare_render.py, the cold workloads' server ceiling, answers what the limit
function makes of the file the path names (and nothing outside its folder). The bench
itself is not run here: it needs a quiet machine."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from bench import bare_render, images
from bench.workloads import LIMIT_FUNCTIONS, WORKLOADS
from tests import imagegen
from tests.servers import run_asgi


def test_the_bare_render_server_answers_the_limit_functions_bytes(tmp_path, monkeypatch) -> None:
    (wl,) = [w for w in WORKLOADS if w.key == "b"]  # the limit with the logo
    root = tmp_path / "sources"
    (root / "v").mkdir(parents=True)
    (root / "v" / "photo-0001.jpg").write_bytes(imagegen.jpeg(2400, 1600))
    buf = io.BytesIO()
    images.logo().save(buf, "PNG")
    (root / bare_render.MARK).write_bytes(buf.getvalue())
    monkeypatch.setenv("BENCH_RENDER_ROOT", str(root))
    monkeypatch.setenv("BENCH_RENDER_LIMIT", wl.limit or "")
    with run_asgi(bare_render.create_app()) as base:
        resp = httpx.get(base + "/bare/v/photo-0001.jpg", timeout=60)
        outside = httpx.get(base + "/bare/..%2F..%2Fetc%2Fpasswd", timeout=10)
        folder = httpx.get(base + "/bare/v", timeout=10)
        missing = httpx.get(base + "/bare/v/none.jpg", timeout=10)
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
    assert wl.limit is not None
    expected = LIMIT_FUNCTIONS[wl.limit](
        (root / "v" / "photo-0001.jpg").read_bytes(), (root / bare_render.MARK).read_bytes())
    assert resp.content == expected  # the same function on the same bytes
    assert Image.open(io.BytesIO(resp.content)).size == wl.expect[1]
    assert outside.status_code == folder.status_code == missing.status_code == 404
