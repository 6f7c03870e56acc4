"""ImageKit text layers, solid canvas layers and offsets from the right or bottom edge:
where they are drawn and in what colour, their errors, and a signed SDK-style URL."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from app.signing import sign_url
from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()
BLUE, RED, GREEN, WHITE = (0, 0, 255), (255, 0, 0), (0, 255, 0), (255, 255, 255)
BASE = imagegen.encode(imagegen.solid(200, 100, BLUE), "PNG")


def rendered(tr: str, data: bytes = BASE) -> Image.Image:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return open_bytes(render(data, chain, "png", LIMITS).data).convert("RGB")


def painted(img: Image.Image, colour: tuple[int, int, int], tolerance: int = 60) -> list:
    """The bounding box of the pixels near `colour`."""
    near = (np.abs(np.asarray(img, dtype=np.int16) - colour) <= tolerance).all(axis=2)
    return Image.fromarray(near.astype(np.uint8) * 255).getbbox()


def count(img: Image.Image, colour: tuple[int, int, int]) -> int:
    return int((np.asarray(img) == colour).all(axis=2).sum())


def test_text_layer_is_drawn_centred_in_its_colour():
    box = painted(rendered("l-text,i-Hello,fs-30,co-FF0000,l-end"), RED)
    assert box is not None
    left, top, right, bottom = box
    assert abs((left + right) / 2 - 100) <= 4 and abs((top + bottom) / 2 - 50) <= 6
    assert 15 <= bottom - top <= 34  # about the font size


def test_text_size_and_position():
    small = painted(rendered("l-text,i-Hello,fs-10,co-FFFFFF,lx-5,ly-5,l-end"), WHITE)
    big = painted(rendered("l-text,i-Hello,fs-40,co-FFFFFF,lx-5,ly-5,l-end"), WHITE)
    assert small[0] >= 5 and small[1] >= 5 and small[0] <= 8
    assert (big[2] - big[0]) > 3 * (small[2] - small[0])


def test_text_from_the_right_and_bottom_edges():
    left, top, right, bottom = painted(
        rendered("l-text,i-Hi,fs-20,co-FFFFFF,lx-N10,ly-N10,l-end"), WHITE)
    assert 180 <= right <= 190 and 80 <= bottom <= 90


def test_base64_text_bold_and_wrapping():
    encoded = base64.b64encode(b"Hello, world: 1/2").decode()
    regular = painted(rendered(f"l-text,ie-{encoded},fs-14,co-FFFFFF,lx-0,ly-0,l-end"), WHITE)
    assert regular is not None
    bold = rendered(f"l-text,ie-{encoded},fs-14,co-FFFFFF,tg-b,lx-0,ly-0,l-end")
    plain = rendered(f"l-text,ie-{encoded},fs-14,co-FFFFFF,lx-0,ly-0,l-end")
    assert count(bold, WHITE) > count(plain, WHITE)
    wrapped = painted(rendered(f"l-text,ie-{encoded},fs-14,co-FFFFFF,w-60,lx-0,ly-0,l-end"),
                      WHITE)
    assert wrapped[3] - wrapped[1] > 1.5 * (regular[3] - regular[1])  # more than one line


def test_canvas_layer_is_a_solid_box():
    img = rendered("l-image,i-ik_canvas,bg-00FF00,w-50,h-20,lx-N10,ly-N10,l-end")
    assert painted(img, GREEN, 0) == (140, 70, 190, 90)
    centred = rendered("l-image,i-ik_canvas,bg-FF000050,w-0.5,h-0.5,l-end")
    r, g, b = centred.getpixel((100, 50))
    assert 110 < r < 145 and 110 < b < 145  # half-transparent red over blue
    assert centred.getpixel((10, 10)) == BLUE


def test_image_layer_from_the_right_edge():
    mark = imagegen.encode(imagegen.solid(20, 10, RED), "PNG")
    chain = parse_imagekit(None, [("tr", "l-image,i-m.png,lx-N5,ly-0,l-end")], LIMITS)
    marks = {"m.png": MarkData(mark, "v1")}
    img = open_bytes(render(BASE, chain, "png", LIMITS, marks).data).convert("RGB")
    assert painted(img, RED, 0) == (175, 0, 195, 10)


@pytest.mark.parametrize(
    ("tr", "param"),
    [
        ("l-text,l-end", "l"), ("l-text,i-,l-end", "i"), ("l-text,i-a,ie-YQ==,l-end", "ie"),
        ("l-text,ie-%%%,l-end", "ie"), ("l-text,i-a,fs-0,l-end", "fs"),
        ("l-text,i-a,fs-5000,l-end", "fs"), ("l-text,i-a,co-red,l-end", "co"),
        ("l-text,i-a,ff-x!y,l-end", "ff"), ("l-text,i-a,tg-u,l-end", "tg"),
        ("l-text,i-a,tg-b_b,l-end", "tg"),
        ("l-text,i-a,bg-red,l-end", "bg"), ("l-text,i-a,pa-5,l-end", "pa"),
        ("l-text,i-a,bg-FF0000,pa-5_10_1_2_3,l-end", "pa"), ("l-text,i-a,r-x,l-end", "r"),
        ("l-text,i-a,rt-400,l-end", "rt"), ("l-text,i-a,lx-Nx,l-end", "lx"),
        ("l-text,i-" + "a" * 501 + ",l-end", "i"),
        ("l-image,i-ik_canvas,w-10,h-10,l-end", "bg"),
        ("l-image,i-ik_canvas,bg-FF0000,w-10,l-end", "h"),
        ("l-image,i-ik_canvas,bg-nope,w-10,h-10,l-end", "bg"),
        ("l-image,i-logo.png,bg-red,l-end", "bg"),
        ("l-text,i-a,l-image,i-b.png,l-end,l-end", "l"),
    ],
)
def test_bad_layers_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        parse_imagekit(None, [("tr", tr)], LIMITS)
    assert err.value.param == param


KEY = "private_test_layers_key"


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root = tmp_path_factory.mktemp("iklayers")
    (root / "photo.png").write_bytes(BASE)
    with signet_with(env={"SIGNET_TEST_IK_LAYERS_KEY": KEY}, sources=[
        {"name": "ik", "type": "folder", "root": str(root), "scheme": "imagekit",
         "secure": True, "keys": ["env:SIGNET_TEST_IK_LAYERS_KEY"]},
    ]) as served:
        yield served.base


def test_signed_text_and_canvas_layers_over_http(signet):
    tr = ("l-image,i-ik_canvas,bg-00FF00,w-40,h-40,lx-0,ly-0,l-end,"
          "l-text,i-Signet,fs-20,co-FF0000,lx-N5,ly-N5,l-end")
    url = sign_url(f"/ik/photo.png?tr={tr}", KEY, scheme="imagekit", endpoint_path="/ik/")
    resp = httpx.get(signet + url, timeout=30)
    assert resp.status_code == 200, resp.text
    img = Image.open(io.BytesIO(resp.content)).convert("RGB")
    assert img.getpixel((20, 20)) == GREEN
    box = painted(img, RED)
    assert box is not None and 185 <= box[2] <= 195
    unsigned = httpx.get(f"{signet}/ik/photo.png?tr={tr}", timeout=30)
    assert unsigned.status_code == 403


def test_layer_offsets_from_expressions():
    img = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lx-bw_mul_0.5,ly-bh_sub_ih,l-end")
    assert painted(img, GREEN, 0) == (100, 90, 120, 100)
    text = painted(rendered("l-text,i-Hi,fs-20,co-FFFFFF,lx-bw_sub_iw,ly-0,l-end"), WHITE)
    assert 190 <= text[2] <= 200  # against the right edge: the layer's own width taken off
    from_end = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lx-Nbw_div_10,ly-0,l-end")
    assert painted(from_end, GREEN, 0) == (160, 0, 180, 10)


@pytest.mark.parametrize(
    "tr",
    ["l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lx-bw_div_0,ly-0,l-end",
     "l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lx-bw_pow_8,ly-0,l-end"],
)
def test_bad_layer_expressions_answer_400_naming_lx(tr):
    with pytest.raises(ParamError) as err:
        rendered(tr)
    assert err.value.param == "lx"


def test_malformed_layer_expression_is_refused_when_parsed():
    with pytest.raises(ParamError) as err:
        parse_imagekit(None, [("tr", "l-text,i-a,lx-bw_times_2,l-end")], LIMITS)
    assert err.value.param == "lx"


def test_layers_built_by_the_python_sdk(signet):
    """URLs from ImageKit's own `imagekitio`: a canvas and a text layer, an expression, a
    query parameter (`v=2`), signed."""
    from imagekitio import ImageKit

    helper = ImageKit(private_key=KEY).helper
    url = helper.build_url(
        src="/photo.png", url_endpoint=f"{signet}/ik", signed=True, query_parameters={"v": "2"},
        transformation=[
            {"width": "iw_div_2"},
            {"overlay": {"type": "solidColor", "color": "00FF00",
                         "transformation": [{"width": 20, "height": 20}]}},
            {"overlay": {"type": "text", "text": "Hi, there", "position": {"x": "N2", "y": "0"},
                         "transformation": [{"font_size": 12, "font_color": "FF0000",
                                             "typography": "b"}]}},
        ],
    )
    assert "l-text,ie-" in url and "w-iw_div_2" in url
    resp = httpx.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    img = Image.open(io.BytesIO(resp.content)).convert("RGB")
    assert img.size == (100, 50)
    assert img.getpixel((50, 25)) == GREEN  # the canvas, centred
    box = painted(img, RED)
    assert box is not None and 94 <= box[2] <= 100 and box[1] <= 4


def test_text_background_box_and_padding():
    img = rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,pa-10,lx-5,ly-5,l-end")
    left, top, right, bottom = painted(img, RED, 0)
    assert (left, top) == (5, 5)  # the box starts where lx, ly say
    text = painted(img, WHITE)
    assert text[0] >= 15 and text[1] >= 15  # the text 10 pixels inside it
    assert right - text[2] >= 9 and bottom - text[3] >= 9
    centred = painted(rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,pa-4,l-end"), RED, 0)
    assert abs((centred[0] + centred[2]) / 2 - 100) <= 1
