"""SVG originals (issue 12, item 3): drawn by resvg after sanitising; nothing in an SVG
makes a network request (a canary listener on 127.0.0.1 counts connections) or reads a
local file; hostile SVGs answer 422; `rasterize-bypass` and `svg-sanitize`."""

from __future__ import annotations

import io
import select
import socket

import httpx
import pytest
from PIL import Image

from tests import imagegen

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
RED_HALF = SVG + b'<rect width="100" height="100" fill="red"/></svg>'
GREEN_PNG = imagegen.encode(imagegen.solid(40, 40, (0, 255, 0)), "PNG")


@pytest.fixture(scope="module")
def canary():
    """A listener no SVG may reach: its port, and a function that says whether anyone
    connected (waiting a little for a late attempt)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]

    def touched() -> bool:
        ready, _, _ = select.select([sock], [], [], 0.3)
        return bool(ready)

    yield port, touched
    sock.close()


def drawn(body: str) -> bytes:
    return SVG + body.encode() + b"</svg>"


def hostile_files(port: int, secret: str) -> dict[str, bytes]:
    url = f"http://127.0.0.1:{port}"
    xlink = b' xmlns:xlink="http://www.w3.org/1999/xlink"'
    size = 'width="200" height="100"'
    nested = (
        "data:image/svg+xml;utf8,&lt;svg xmlns=&quot;http://www.w3.org/2000/svg&quot;&gt;"
        f"&lt;image href=&quot;{url}/h.png&quot;/&gt;&lt;/svg&gt;"
    )
    return {
        "image-http.svg": drawn(f'<image href="{url}/a.png" {size}/>'),
        "image-xlink.svg": SVG[:-1] + xlink + drawn(f'<image xlink:href="{url}/b.png" {size}/>')[
            len(SVG) - 1 :
        ],
        "image-file.svg": drawn(f'<image href="file://{secret}" {size}/>'),
        "image-path.svg": drawn(f'<image href="{secret}" {size}/>'),
        "image-relative.svg": drawn(f'<image href="green.png" {size}/>'),
        "feimage.svg": drawn(
            f'<filter id="f"><feImage href="{url}/c.png"/></filter>'
            '<rect width="200" height="100" filter="url(#f)"/>'
        ),
        "use.svg": drawn(f'<use href="{url}/d.svg#x"/>'),
        "style.svg": drawn(
            f"<style>@import url({url}/e.css); rect {{ fill: url({url}/f.svg#g) }}</style>"
            '<rect width="10" height="10"/>'
        ),
        "dtd.svg": b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "'
        + f"{url}/svg11.dtd".encode()
        + b'">'
        + RED_HALF,
        "stylesheet-pi.svg": f'<?xml version="1.0"?><?xml-stylesheet href="{url}/g.css"?>'.encode()
        + RED_HALF,
        "nested-svg-data.svg": drawn(f'<image href="{nested}" {size}/>'),
    }


ENTITY_FILE = b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
ENTITY_LAUGHS = b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
ROOT = b'<svg xmlns="http://www.w3.org/2000/svg" '
REFUSED = {
    "entity-file.svg": (ENTITY_FILE + SVG + b"<text>&x;</text></svg>", "entity"),
    "entity-laughs.svg": (ENTITY_LAUGHS + SVG + b"<text>&b;</text></svg>", "entity"),
    "utf7.svg": (b'<?xml version="1.0" encoding="UTF-7"?>' + RED_HALF, "UTF-8"),
    "bomb.svg": (ROOT + b'width="100000" height="100000"/>', "100000 x 100000"),
    "bomb-units.svg": (ROOT + b'width="300in" height="300in"/>', "28800 x 28800"),
    "truncated.svg": (RED_HALF[:60], "not well-formed"),
    "other.svg": (b"<svg" + GREEN_PNG, "not a decodable image"),
    "not-svg.svg": (b'<?xml version="1.0"?><html xmlns="urn:x"/>', "not an SVG"),
    "many.svg": (SVG + b"<g/>" * 60_000 + b"</svg>", "elements"),
    "deep.svg": (SVG + b"<g>" * 300 + b"</g>" * 300 + b"</svg>", "nested"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, canary, signet_with) -> str:
    root = tmp_path_factory.mktemp("svg")
    secret = tmp_path_factory.mktemp("outside") / "green.png"
    secret.write_bytes(GREEN_PNG)
    (root / "green.png").write_bytes(GREEN_PNG)
    files = {"red.svg": RED_HALF, **hostile_files(canary[0], str(secret))}
    files.update({name: data for name, (data, _) in REFUSED.items()})
    for name, data in files.items():
        (root / name).write_bytes(data)
    with signet_with(sources=[{"name": "s", "type": "folder", "root": str(root)}]) as served:
        yield served.base


def get(server: str, query: str) -> httpx.Response:
    return httpx.get(f"{server}/s/{query}", timeout=30)


def image_of(resp: httpx.Response) -> Image.Image:
    assert resp.status_code == 200, resp.text
    return Image.open(io.BytesIO(resp.content))


def test_svg_is_drawn_as_png_at_its_size(server):
    resp = get(server, "red.svg")
    img = image_of(resp)
    assert resp.headers["content-type"] == "image/png"  # transparency kept
    assert img.size == (200, 100)
    rgba = img.convert("RGBA")
    assert rgba.getpixel((50, 50)) == (255, 0, 0, 255)
    assert rgba.getpixel((150, 50))[3] == 0


def test_svg_is_drawn_then_transformed(server):
    img = image_of(get(server, "red.svg?w=400&fm=jpg&bg=0000ff")).convert("RGB")
    assert img.size == (400, 200)
    red, blue = img.getpixel((100, 100)), img.getpixel((300, 100))
    assert red[0] > 240 and red[2] < 15 and blue[2] > 240 and blue[0] < 15


@pytest.mark.parametrize(
    "name",
    [
        "image-http.svg",
        "image-xlink.svg",
        "image-file.svg",
        "image-path.svg",
        "image-relative.svg",
        "feimage.svg",
        "use.svg",
        "style.svg",
        "dtd.svg",
        "stylesheet-pi.svg",
        "nested-svg-data.svg",
    ],
)
def test_svg_never_reaches_the_network_or_a_local_file(server, canary, name):
    resp = get(server, f"{name}?fm=png")
    assert resp.status_code == 200, resp.text
    assert not canary[1](), "the SVG made a connection"
    rgba = image_of(resp).convert("RGBA")
    assert all(rgba.getpixel((x, 50)) != (0, 255, 0, 255) for x in (20, 100, 180))  # no green file


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_svg_is_422(server, canary, name):
    resp = get(server, f"{name}?w=100")
    assert resp.status_code == 422
    assert REFUSED[name][1] in resp.text
    assert not canary[1]()


def test_rasterize_bypass_serves_the_sanitised_svg(server, canary):
    resp = get(server, "image-http.svg?rasterize-bypass=true&w=50")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "image/svg+xml"
    assert resp.content.startswith(b"<svg") and b"<image" in resp.content
    assert b"127.0.0.1" not in resp.content  # the external href is gone
    script = get(server, "red.svg?rasterize-bypass=1")
    assert b'fill="red"' in script.content


def test_svg_sanitize_false_serves_the_stored_bytes(server):
    resp = get(server, "image-http.svg?rasterize-bypass=1&svg-sanitize=false")
    assert resp.headers["content-type"] == "image/svg+xml"
    assert b"127.0.0.1" in resp.content


def test_rasterize_bypass_is_ignored_for_a_raster_original(server):
    resp = get(server, "green.png?rasterize-bypass=1&w=20")
    assert resp.headers["content-type"] == "image/png"
    assert image_of(resp).size == (20, 20)


@pytest.mark.parametrize("query", ["rasterize-bypass=yes", "svg-sanitize=2"])
def test_bad_boolean_is_400(server, query):
    resp = get(server, f"red.svg?{query}")
    assert resp.status_code == 400
    assert query.partition("=")[0] in resp.text
