"""ImageKit's lm-displace: the layer as a displacement map (transforms.layer_modes), its
x and y (the largest move), in-process on a picture whose pixels name their column and
row, then over HTTP with a map image from the source, and every error path."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()


def _ramps(width: int = 200, height: int = 100) -> Image.Image:
    """Red = the column, green = the row: a pixel says where it came from."""
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    pixels = np.stack([cols, rows, np.zeros_like(cols)], axis=2).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


BASE = imagegen.encode(_ramps(), "PNG")
# A map of 40 x 40: its left half moves right by all of x (red 255), its right half not
# at all (red 128); green 128 throughout (no move up or down).
_MAP = Image.new("RGB", (40, 40), (128, 128, 0))
_MAP.paste((255, 128, 0), (0, 0, 20, 40))
MARKS = {"map.png": MarkData(imagegen.encode(_MAP, "PNG"), "map1")}


def rendered(tr: str) -> np.ndarray:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    out = open_bytes(render(BASE, chain, "png", LIMITS, MARKS).data).convert("RGB")
    return np.asarray(out).astype(int)


def canvas(colour: str, moves: str, size: int = 50) -> str:
    return f"l-image,i-ik_canvas,bg-{colour},w-{size},h-{size},lx-0,ly-0,lm-displace,{moves},l-end"


def test_red_moves_across_and_only_under_the_layer():
    out = rendered(canvas("FF8000", "x-10"))  # red 255: the whole of x, to the right
    assert out[20, 30, 0] == 20  # column 30 shows what was at column 20
    assert out[20, 30, 1] == 20  # on its own row
    assert out[20, 5, 0] == 0  # held at the picture's left edge
    assert out[20, 60, 0] == 60  # outside the 50 x 50 layer nothing moves
    left = rendered(canvas("FF8000", "x-N10"))  # N: the other way
    assert left[20, 30, 0] == 40


def test_green_moves_up_and_down_and_128_moves_nothing():
    out = rendered(canvas("80FF00", "y-8"))
    assert out[30, 10, 1] == 22 and out[30, 10, 0] == 10
    up = rendered(canvas("800000", "y-8"))  # green 0: the whole of y, upwards
    assert up[30, 10, 1] == 38
    assert (rendered(canvas("808000", "x-10,y-10")) == rendered("f-png")).all()


def test_a_transparent_map_moves_nothing_and_half_alpha_half_as_far():
    assert (rendered(canvas("FF800000", "x-10")) == rendered("f-png")).all()
    half = rendered(canvas("FF800050", "x-10"))  # alpha 50 of 99: about half of x
    assert 24 <= half[20, 30, 0] <= 26


def test_an_image_layer_as_the_map():
    out = rendered("l-image,i-map.png,lx-100,ly-20,lm-displace,x-6,l-end")
    assert out[40, 110, 0] == 104  # the map's left half: moved right by 6
    assert out[40, 130, 0] == 130  # its right half: red 128, still
    assert out[10, 110, 0] == 110  # above the layer


def test_dpr_multiplies_the_move():
    # w-100 at dpr 2 is the picture's own 200 pixels: the layer 100 wide, the move 10
    out = rendered("w-100,dpr-2," + canvas("FF8000", "x-5"))
    assert out.shape[:2] == (100, 200)
    assert out[20, 30, 0] == 20 and out[20, 90, 0] == 80 and out[20, 110, 0] == 110


@pytest.mark.parametrize(
    ("tr", "param"),
    [
        ("l-image,i-map.png,lm-displace,l-end", "lm"),  # neither x nor y
        ("l-image,i-map.png,lm-displace,x-abc,l-end", "x"),
        ("l-image,i-map.png,lm-displace,y-1001,l-end", "y"),
        ("l-image,i-map.png,lm-displace,x-N,l-end", "x"),
        ("l-image,i-map.png,x-10,l-end", "x"),  # x without lm-displace sizes nothing here
        ("l-text,i-Hi,lm-displace,l-end", "lm"),
    ],
)
def test_bad_displacements_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        parse_imagekit(None, [("tr", tr)], LIMITS)
    assert err.value.param == param


@pytest.mark.parametrize("kind", ["video", "subtitles"])
def test_video_layers_answer_400_saying_so(kind):
    with pytest.raises(ParamError, match="video, which Signet does not serve"):
        parse_imagekit(None, [("tr", f"l-{kind},i-clip.mp4,l-end")], LIMITS)


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root = tmp_path_factory.mktemp("displace")
    (root / "ramps.png").write_bytes(BASE)
    _MAP.save(root / "map.png")
    with signet_with(sources=[{"name": "ik", "type": "folder",
                               "root": str(root), "scheme": "imagekit"}]) as served:
        yield served.base


def test_displacement_over_http(signet):
    url = f"{signet}/ik/ramps.png?tr=l-image,i-map.png,lx-100,ly-20,lm-displace,x-6,l-end"
    resp = httpx.get(url, timeout=30)
    assert resp.status_code == 200
    out = np.asarray(Image.open(io.BytesIO(resp.content)).convert("RGB")).astype(int)
    assert out[40, 110, 0] == 104 and out[40, 130, 0] == 130
    other = httpx.get(url.replace("x-6", "x-12"), timeout=30)
    assert other.headers["etag"] != resp.headers["etag"]  # the move names the answer
    bad = httpx.get(url.replace("x-6", "x-N"), timeout=30)
    assert bad.status_code == 400 and bad.text.startswith("x")
