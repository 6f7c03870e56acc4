"""bench workload (i) is well formed: an ImageKit URL with an l-image logo and an l-text
layer, signed for the bench's ImageKit source, answered by Signet as the Pillow limit
draws it. (The bench itself is not run here: it needs a quiet machine.)"""

from __future__ import annotations

import io
import os

import httpx
from PIL import Image, ImageChops, ImageStat

from app.service import create_app
from app.settings import load_settings
from app.signing import sign_url
from bench import images, servers
from bench.workloads import IMAGEKIT_SOURCE, LIMIT_FUNCTIONS, WORKLOADS
from tests import imagegen
from tests.servers import run_asgi


def test_layers_workload_signet_and_limit_agree(tmp_path) -> None:
    (wl,) = [w for w in WORKLOADS if w.key == "i"]
    root = tmp_path / "sources"
    root.mkdir()
    (root / wl.source).write_bytes(imagegen.jpeg(2400, 1600))
    buf = io.BytesIO()
    images.logo().save(buf, "PNG")
    (root / "logo.png").write_bytes(buf.getvalue())
    config = servers.signet_config(tmp_path / "signet.toml", root, warm=False)
    os.environ["SIGNET_BENCH_KEY"] = servers.SIGNET_KEY
    path = sign_url(wl.signet_path(), servers.SIGNET_KEY, scheme="imagekit",
                    endpoint_path=f"/{IMAGEKIT_SOURCE}/")  # as bench/stacks.py signs it
    with run_asgi(create_app(load_settings(config))) as base:
        resp = httpx.get(base + path, timeout=60)
    assert resp.status_code == 200, resp.text
    signet = Image.open(io.BytesIO(resp.content))
    assert (signet.format, signet.size) == wl.expect
    assert wl.limit is not None
    limit = Image.open(io.BytesIO(
        LIMIT_FUNCTIONS[wl.limit]((root / wl.source).read_bytes(), (root / "logo.png").read_bytes())
    ))
    assert (limit.format, limit.size) == wl.expect
    # The same work: the logo and the text where the limit draws them, JPEG noise aside.
    diff = ImageChops.difference(signet.convert("RGB"), limit.convert("RGB"))
    assert max(ImageStat.Stat(diff).mean) < 4
    text = diff.crop((0, 0, 120, 50))
    assert max(ImageStat.Stat(text).mean) < 12
