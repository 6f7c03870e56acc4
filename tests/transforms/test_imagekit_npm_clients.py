"""URLs built by ImageKit's own npm SDKs, served by Signet under uvicorn.

`@imagekit/nodejs` (the server SDK: it signs with the private key, with or without an
expiry) and `imagekit-javascript` (the browser SDK: unsigned URLs) run with the machine's
Node, installed once into .cache/node-imagekit (git-ignored), as
tests/transforms/test_imgix_clients.py installs `@imgix/js-core`. Each URL is fetched
byte for byte as the SDK wrote it and its documented result checked: a size, a pixel,
for chains, expressions, text layers, a layer inside a layer and query parameters.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from app.service import create_app
from app.settings import load_settings
from tests import imagegen, originals
from tests.imagegen import open_bytes
from tests.pixels import count_of
from tests.servers import raw_get, run_asgi

KEY = "npm-clients-private-key"
PACKAGES = ("@imagekit/nodejs@7.11.0", "imagekit-javascript@4.0.1")
NODE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "node-imagekit"
MODULES = NODE_DIR / "node_modules"
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)

# Reads the URL requests (JSON) on argv, prints the URLs each SDK builds for them.
BUILD_JS = """
const [modules, endpoint, key, requests] = process.argv.slice(1);
const {ImageKit} = require(modules + '/@imagekit/nodejs');
const BrowserKit = require(modules + '/imagekit-javascript');
const server = new ImageKit({privateKey: key});
const out = {};
for (const [name, sdk, source, options] of JSON.parse(requests)) {
  const urlEndpoint = endpoint + '/' + source;
  if (sdk === 'nodejs') {
    out[name] = server.helper.buildSrc({urlEndpoint, ...options});
  } else {
    out[name] = new BrowserKit({urlEndpoint}).url(options);
  }
}
console.log(JSON.stringify(out));
"""

TEXT = {"type": "text", "text": "Hi there", "position": {"x": 10, "y": 10},
        "transformation": [{"fontSize": 40, "fontColor": "FF0000"}]}
SIGNED = {"signed": True, "expiresIn": 3600}
# name -> (sdk, source, options); `iks` takes signed URLs only, `iko` unsigned ones.
REQUESTS = {
    "chain": ("nodejs", "iks", {"src": "/blue.png", **SIGNED, "queryParameters": {"v": 2},
              "transformation": [{"width": 400, "height": 300}, {"rotation": 90},
                                 {"width": 200}]}),
    "expression": ("nodejs", "iks", {"src": "/blue.png", "signed": True,
                   "transformation": [{"width": "iw_div_2"}]}),
    "text": ("nodejs", "iks", {"src": "/blue.png", **SIGNED, "transformationPosition": "path",
             "transformation": [{"width": 400, "overlay": TEXT}]}),
    "looks": ("nodejs", "iks", {"src": "/blue.png", "signed": True, "transformation": [
        {"colorReplace": "00FF00_10_0000FF"}, {"opacity": 50, "format": "png"}]}),
    "page": ("nodejs", "iks", {"src": "/two.pdf/ik-thumbnail.jpg", "signed": True,
             "transformation": [{"page": 2, "width": 150}]}),
    "unsigned": ("nodejs", "iko", {"src": "/blue.png", "queryParameters": {"v": 2},
                 "transformation": [{"width": "iw_div_4", "height": "ih_div_4"}]}),
    "nested": ("nodejs", "iko", {"src": "/blue.png", "transformation": [{"overlay": {
        "type": "image", "input": "logo.png",
        "transformation": [{"width": 100, "height": 100, "overlay": TEXT}]}}]}),
    "browser_chain": ("javascript", "iko", {"path": "/blue.png", "queryParameters": {"v": 2},
                      "transformation": [{"width": "iw_div_2"}, {"rotation": 90}]}),
    "browser_text": ("javascript", "iko", {"path": "/blue.png", "transformationPosition": "path",
                     "transformation": [{"overlay": TEXT}]}),
    "browser_box": ("javascript", "iko", {"path": "/blue.png", "transformation": [{"overlay": {
        "type": "solidColor", "color": "FF0000", "transformation": [{"width": 50, "height": 50}],
    }}]}),
}


def sdk_modules() -> Path:
    """The npm packages, installed once; later runs need no network."""
    wanted = [MODULES / "@imagekit" / "nodejs", MODULES / "imagekit-javascript"]
    if not all(path.is_dir() for path in wanted):
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), *PACKAGES, "--no-audit", "--no-fund",
             "--no-save", "--loglevel=error"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if done.returncode != 0 or not all(path.is_dir() for path in wanted):
            pytest.skip(f"cannot install {', '.join(PACKAGES)} (offline?): {done.stderr[-300:]}")
    return MODULES


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    root: Path = tmp_path_factory.mktemp("iknpm")
    (root / "blue.png").write_bytes(imagegen.encode(imagegen.solid(400, 300, BLUE), "PNG"))
    (root / "logo.png").write_bytes(imagegen.encode(imagegen.solid(40, 40, GREEN), "PNG"))
    (root / "two.pdf").write_bytes(originals.pdf_pages(RED, BLUE))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNET_TEST_IKNPM_KEY", KEY)
        config = load_settings(
            None,
            sources=[
                {"name": "iks", "type": "folder", "root": str(root), "scheme": "imagekit",
                 "secure": True, "keys": ["env:SIGNET_TEST_IKNPM_KEY"]},
                {"name": "iko", "type": "folder", "root": str(root), "scheme": "imagekit"},
            ],
        )
        with run_asgi(create_app(config)) as base:
            yield base


@pytest.fixture(scope="module")
def urls(server: str) -> dict[str, str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    modules = sdk_modules()
    requests = [[name, *request] for name, request in REQUESTS.items()]
    out = subprocess.run(
        [node, "-e", BUILD_JS, str(modules), server, KEY, json.dumps(requests)],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    return json.loads(out.stdout)


def fetch(server: str, url: str) -> Image.Image:
    """The URL as the SDK wrote it, byte for byte; it must answer 200 with an image."""
    parts = urlsplit(url)
    status, body = raw_get(server, parts.path + (f"?{parts.query}" if parts.query else ""))
    assert status == 200, (url, body[:300])
    return open_bytes(body)


def red_pixels(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    return count_of(img.convert("RGB"), RED, box, tolerance=80)


def test_a_signed_chain_with_query_parameters(server, urls):
    url = urls["chain"]
    assert "v=2" in url and "tr=w-400,h-300:rt-90:w-200" in url and "ik-t=" in url
    assert fetch(server, url).size == (200, 267)  # 400 x 300, turned, then 200 wide


def test_a_signed_expression(server, urls):
    assert "w-iw_div_2" in urls["expression"] and "ik-s=" in urls["expression"]
    assert fetch(server, urls["expression"]).size == (200, 150)


def test_a_signed_text_layer_in_the_path(server, urls):
    url = urls["text"]
    assert "/tr:w-400,l-text,i-Hi%20there," in url
    img = fetch(server, url)
    assert img.size == (400, 300)
    assert red_pixels(img, (10, 10, 200, 70)) > 50  # the red text at lx-10, ly-10
    assert red_pixels(img, (0, 150, 400, 300)) == 0
    assert img.convert("RGB").getpixel((390, 290)) == BLUE


def test_signed_effects_from_the_sdk_keys(server, urls):
    url = urls["looks"]
    assert "tr=cr-00FF00_10_0000FF:o-50,f-png" in url
    assert fetch(server, url).convert("RGBA").getpixel((5, 5)) == (*GREEN, 127)


def test_a_signed_pdf_page_as_imagekit_writes_it(server, urls):
    assert urls["page"].split("?")[0].endswith("/iks/two.pdf/ik-thumbnail.jpg")
    assert "tr=pg-2,w-150" in urls["page"]
    img = fetch(server, urls["page"])
    assert img.format == "JPEG" and img.size == (150, 75)  # the 300 x 150 page, 150 wide
    r, g, b = img.convert("RGB").getpixel((20, 20))
    assert b > 240 and r < 15 and g < 15  # page 2 is the blue one


def test_a_signed_url_changed_after_signing_is_refused(server, urls):
    url = urls["expression"].replace("w-iw_div_2", "w-iw_div_3")
    parts = urlsplit(url)
    status, _ = raw_get(server, f"{parts.path}?{parts.query}")
    assert status == 403


def test_the_secure_source_refuses_an_unsigned_sdk_url(server, urls):
    parts = urlsplit(urls["unsigned"].replace("/iko/", "/iks/"))
    status, _ = raw_get(server, f"{parts.path}?{parts.query}")
    assert status == 403


def test_an_unsigned_url_with_expressions_and_a_cache_buster(server, urls):
    assert "ik-s" not in urls["unsigned"] and "v=2" in urls["unsigned"]
    assert fetch(server, urls["unsigned"]).size == (100, 75)


def test_a_nested_layer_from_the_nodejs_sdk(server, urls):
    url = urls["nested"]
    assert "tr=l-image,i-logo.png,w-100,h-100,l-text," in url and url.endswith("l-end,l-end")
    img = fetch(server, url).convert("RGB")
    assert img.size == (400, 300)
    assert img.getpixel((160, 110)) == GREEN  # the 100 x 100 logo, centred
    assert red_pixels(img, (150, 100, 250, 200)) > 20  # its text, inside it


def test_the_browser_sdk_chain_with_query_parameters(server, urls):
    assert urls["browser_chain"].endswith("?v=2&tr=w-iw_div_2:rt-90")
    assert fetch(server, urls["browser_chain"]).size == (150, 200)


def test_the_browser_sdk_text_layer_in_the_path(server, urls):
    url = urls["browser_text"]
    assert "/iko/tr:l-text,i-Hi%20there," in url
    img = fetch(server, url)
    assert img.size == (400, 300) and red_pixels(img, (10, 10, 200, 70)) > 50


def test_the_browser_sdk_solid_box(server, urls):
    img = fetch(server, urls["browser_box"]).convert("RGB")
    assert img.size == (400, 300)
    assert img.getpixel((200, 150)) == RED and img.getpixel((170, 150)) == BLUE  # 50 x 50
