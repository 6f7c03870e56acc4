"""Srcsets built by imgix's own client libraries, served by Signet.

The Python `imgix` library (a dev dependency) and the npm `@imgix/js-core` (run with the
machine's Node, installed once into .cache/node, git-ignored) build fluid srcsets up to
8192 px wide with `ar`, and fixed-width ones with variable quality. Every entry must
answer 200, at the width it states where the limits allow, else clamped as imgix
documents (scaled down to fit, keeping the shape).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import imgix
import pytest

from tests import imagegen

TOKEN = "clients-imgix-token"
DOMAIN = "ix.clients.test"
MAX_PIXELS = 4_000_000  # small, so the widest entries are clamped (and cheap)
MAX_SIDE = 8192
JS_CORE = "@imgix/js-core@3.8.0"
NODE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "node"
JS_MODULE = NODE_DIR / "node_modules" / "@imgix" / "js-core"
SRCSETS_JS = """
const ImgixClient = require(process.argv[1]);
const client = new ImgixClient({domain: process.argv[2], secureURLToken: process.argv[3],
                                includeLibraryParam: false});
console.log(JSON.stringify({
  fluid: client.buildSrcSet("photo.jpg", {ar: "16:9", fit: "crop"},
                            {minWidth: 100, maxWidth: 8192}),
  fixed: client.buildSrcSet("photo.jpg", {w: 300, ar: "16:9", fit: "crop"}),
}));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("clients")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(800, 600))
    with signet_with(
        env={"SIGNET_TEST_CLIENTS_TOKEN": TOKEN},
        limits={"max_output_pixels": MAX_PIXELS},
        sources=[{"name": "ix", "type": "folder", "root": str(root), "secure": True,
                  "domains": [DOMAIN], "scheme": "imgix",
                  "keys": ["env:SIGNET_TEST_CLIENTS_TOKEN"]}],
    ) as served:
        yield served.base


def js_core() -> Path:
    """The npm package, installed once; later runs need no network."""
    if not JS_MODULE.is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), JS_CORE, "--no-audit", "--no-fund",
             "--no-save", "--loglevel=error"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if done.returncode != 0 or not JS_MODULE.is_dir():
            pytest.skip(f"cannot install {JS_CORE} (offline?): {done.stderr[-300:]}")
    return JS_MODULE


def entries(srcset: str) -> list[str]:
    return [item.strip().rsplit(" ", 1)[0] for item in srcset.split(",\n") if item.strip()]


def expected_size(url: str) -> tuple[int, int]:
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    w = int(query["w"]) * float(query.get("dpr", "1"))
    a, b = (float(x) for x in query["ar"].split(":"))
    return (round(w), round(w * b / a))


def check_entry(client: httpx.Client, url: str) -> httpx.Response:
    parts = urlsplit(url)
    assert parts.netloc == DOMAIN
    resp = client.get(f"{parts.path}?{parts.query}", headers={"Host": DOMAIN})
    assert resp.status_code == 200, (url, resp.text)
    size = imagegen.open_bytes(resp.content).size
    want = expected_size(url)
    if max(want) <= MAX_SIDE and want[0] * want[1] <= MAX_PIXELS:
        assert size == want, url
    else:  # clamped: the same shape, as large as the limits allow
        assert max(size) <= MAX_SIDE and size[0] * size[1] <= MAX_PIXELS, url
        assert abs(size[0] / size[1] - want[0] / want[1]) < 0.01, url
        allowed = min(MAX_SIDE / max(want), math.sqrt(MAX_PIXELS / (want[0] * want[1])))
        assert size[0] >= math.floor(want[0] * allowed * 0.99), url
    return resp


def check_srcsets(server: str, fluid: str, fixed: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        fluid_urls = entries(fluid)
        assert len(fluid_urls) > 20 and "w=8192" in fluid_urls[-1]
        for url in fluid_urls:
            check_entry(client, url)
        fixed_urls = entries(fixed)
        assert [parse_qs(urlsplit(u).query)["dpr"][0] for u in fixed_urls] == list("12345")
        answers = [check_entry(client, url) for url in fixed_urls]
    # variable quality: q falls as dpr rises (75 ... 20), and the encoder used it
    qualities = [int(parse_qs(urlsplit(u).query)["q"][0]) for u in fixed_urls]
    assert qualities == sorted(qualities, reverse=True) and qualities[0] > qualities[-1]
    tables = [sum(imagegen.open_bytes(r.content).quantization[0]) for r in answers]
    assert tables[0] < tables[-1]  # coarser quantisation at the lower quality


def test_python_imgix_srcsets(server) -> None:
    builder = imgix.UrlBuilder(DOMAIN, sign_key=TOKEN, include_library_param=False)
    fluid = builder.create_srcset(
        "photo.jpg", {"ar": "16:9", "fit": "crop"}, start=100, stop=8192
    )
    fixed = builder.create_srcset("photo.jpg", {"w": 300, "ar": "16:9", "fit": "crop"})
    check_srcsets(server, fluid, fixed)


def test_js_core_srcsets(server) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    module = js_core()
    out = subprocess.run(
        [node, "-e", SRCSETS_JS, str(module), DOMAIN, TOKEN],
        capture_output=True, text=True, timeout=60, check=True,
    )
    built = json.loads(out.stdout)
    check_srcsets(server, built["fluid"], built["fixed"])
