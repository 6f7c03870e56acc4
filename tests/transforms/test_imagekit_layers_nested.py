"""ImageKit layers complete: the text keys (`ia`, `lh`, `al`, `tg`, `pa` sides, `rt`, `fl`,
`r`), `lap`, the transformations inside an image layer and their `:` chains, `lm-` modes,
layers inside layers (placed on the outer layer), and the bounds on nesting."""

from __future__ import annotations

import io
import os
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.imagegen import open_bytes
from tests.servers import run_asgi
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()
BLUE, RED, GREEN, WHITE, BLACK = (0, 0, 255), (255, 0, 0), (0, 255, 0), (255, 255, 255), (0, 0, 0)
BASE = imagegen.encode(imagegen.solid(200, 100, BLUE), "PNG")
MARK = imagegen.encode(imagegen.solid(20, 10, RED), "PNG")


def _half_mark() -> bytes:
    """20 x 10: the left half red, the right half green."""
    img = Image.new("RGB", (20, 10), RED)
    img.paste(GREEN, (10, 0, 20, 10))
    return imagegen.encode(img, "PNG")


MARKS = {"m.png": MarkData(MARK, "m1"), "half.png": MarkData(_half_mark(), "h1")}


def rendered(tr: str, fmt: str = "png") -> Image.Image:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return open_bytes(render(BASE, chain, fmt, LIMITS, MARKS).data)


def box_of(img: Image.Image, colour: tuple[int, int, int], tolerance: int = 0):
    near = (np.abs(np.asarray(img.convert("RGB"), dtype=np.int16) - colour) <= tolerance).all(2)
    return Image.fromarray(near.astype(np.uint8) * 255).getbbox()


def count(img: Image.Image, colour: tuple[int, int, int], tolerance: int = 60) -> int:
    near = np.abs(np.asarray(img.convert("RGB"), dtype=np.int16) - colour) <= tolerance
    return int(near.all(2).sum())


# Text keys


def test_inner_alignment_inside_the_width():
    left = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,w-150,ia-left,lx-0,ly-0,l-end"), WHITE, 60)
    right = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,w-150,ia-right,lx-0,ly-0,l-end"),
                   WHITE, 60)
    centre = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,w-150,lx-0,ly-0,l-end"), WHITE, 60)
    assert left[0] <= 3
    assert 140 <= right[2] <= 150
    assert abs((centre[0] + centre[2]) / 2 - 75) <= 3  # ImageKit's default: center


def test_width_makes_the_background_box_that_wide():
    box = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,w-150,bg-FF0000,lx-0,ly-0,l-end"), RED)
    assert box[2] - box[0] == 150


def test_line_height_spaces_the_lines():
    text = "one two three four"
    tight = box_of(rendered(f"l-text,i-{text},fs-14,co-FFFFFF,w-60,lx-0,ly-0,l-end"), WHITE, 60)
    loose = box_of(rendered(f"l-text,i-{text},fs-14,co-FFFFFF,w-60,lh-30,lx-0,ly-0,l-end"),
                   WHITE, 60)
    lines = 3  # at least three lines at this width
    assert loose[3] - loose[1] >= (tight[3] - tight[1]) + (lines - 1) * (30 - 20)


def test_alpha_fades_the_text_and_its_box():
    img = rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,al-5,lx-0,ly-0,l-end").convert("RGB")
    r, g, b = img.getpixel((1, 1))  # the box, half over blue
    assert 120 <= r <= 135 and g == 0 and 120 <= b <= 135


def test_typography_italic_and_strikethrough():
    plain = rendered("l-text,i-IIII,fs-30,co-FFFFFF,lx-0,ly-0,l-end")
    italic = rendered("l-text,i-IIII,fs-30,co-FFFFFF,tg-i,lx-0,ly-0,l-end")
    # Upright strokes: every white column spans the full height; slanted, the top leans right.
    rows = np.asarray(plain.convert("L")) > 200
    slanted = np.asarray(italic.convert("L")) > 200
    top, bottom = np.argwhere(rows.any(1))[[0, -1], 0]
    assert np.argwhere(rows[top + 2])[0, 0] == np.argwhere(rows[bottom - 2])[0, 0]
    s_top, s_bottom = np.argwhere(slanted.any(1))[[0, -1], 0]
    assert np.argwhere(slanted[s_top + 2])[0, 0] > np.argwhere(slanted[s_bottom - 2])[0, 0] + 2
    struck = rendered("l-text,i-IIII,fs-30,co-FFFFFF,tg-strikethrough,lx-0,ly-0,l-end")
    # A row through the letters is white from the first stroke to the last.
    across = np.asarray(struck.convert("L")) > 200
    left, right = np.argwhere(across.any(0))[[0, -1], 0]
    assert any(across[y, left:right].all() for y in range(across.shape[0]))
    bold_italic = rendered("l-text,i-IIII,fs-30,co-FFFFFF,tg-b_i,lx-0,ly-0,l-end")
    assert count(bold_italic, WHITE) > count(italic, WHITE)


def test_padding_of_four_sides():
    img = rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,pa-2_30_12_4,lx-0,ly-0,l-end")
    box = box_of(img, RED)
    text = box_of(img, WHITE, 60)
    assert box[0] == 0 and box[1] == 0
    assert text[0] - box[0] >= 4 and text[1] - box[1] >= 2
    assert box[2] - text[2] >= 30 and box[3] - text[3] >= 12
    two = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,pa-0_10,lx-0,ly-0,l-end"), RED)
    none = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,bg-FF0000,lx-0,ly-0,l-end"), RED)
    assert two[2] - two[0] == none[2] - none[0] + 20 and two[3] - two[1] == none[3] - none[1]


def test_text_rotation_flip_and_radius():
    upright = box_of(rendered("l-text,i-Hello,fs-20,co-FFFFFF,bg-FF0000,l-end"), RED)
    turned = box_of(rendered("l-text,i-Hello,fs-20,co-FFFFFF,bg-FF0000,rt-90,l-end"), RED)
    assert (turned[2] - turned[0], turned[3] - turned[1]) == (upright[3] - upright[1],
                                                              upright[2] - upright[0])
    plain = rendered("l-text,i-Lo,fs-30,co-FFFFFF,bg-000000,lx-0,ly-0,l-end").convert("RGB")
    flipped = rendered("l-text,i-Lo,fs-30,co-FFFFFF,bg-000000,fl-h,lx-0,ly-0,l-end").convert("RGB")
    w, h = box_of(plain, BLACK)[2:]
    a = np.asarray(plain)[:h, :w]
    assert np.array_equal(np.asarray(flipped)[:h, :w], a[:, ::-1])
    rounded = rendered("l-text,i-Hello,fs-20,co-FFFFFF,bg-FF0000,r-8,lx-0,ly-0,l-end")
    assert rounded.convert("RGB").getpixel((0, 0)) == BLUE  # the corner is cut
    assert rounded.convert("RGB").getpixel((10, 0)) == RED


def test_anchor_point():
    img = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lap-bottom_right,lx-5,ly-5,l-end")
    assert box_of(img, GREEN) == (175, 85, 195, 95)
    mid = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lap-center,lx-10,ly-0,l-end")
    assert box_of(mid, GREEN) == (100, 45, 120, 55)  # centre to centre, 10 to the right
    top = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lap-top,ly-3,l-end")
    assert box_of(top, GREEN) == (90, 3, 110, 13)


def test_centre_coordinates():
    img = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lxc-100,lyc-50,l-end")
    assert box_of(img, GREEN) == (90, 45, 110, 55)
    img = rendered("l-image,i-ik_canvas,bg-00FF00,w-20,h-10,lxc-bw_div_4,l-end")
    assert box_of(img, GREEN) == (40, 0, 60, 10)  # no ly nor lyc: the top edge at 0
    text = box_of(rendered("l-text,i-Hi,fs-20,co-FFFFFF,lxc-50,lyc-50,l-end"), WHITE, 60)
    assert abs((text[0] + text[2]) / 2 - 50) <= 3


def test_layer_sizes_from_expressions():
    canvas = rendered("l-image,i-ik_canvas,bg-00FF00,w-bw_div_2,h-bh_div_4,lx-0,ly-0,l-end")
    assert box_of(canvas, GREEN) == (0, 0, 100, 25)
    assert box_of(rendered("l-image,i-m.png,w-bw_mul_0.25,lx-0,ly-0,l-end"), RED) == (
        0, 0, 50, 25)
    assert box_of(rendered("l-image,i-m.png,h-ih_mul_3,lx-0,ly-0,l-end"), RED) == (0, 0, 60, 30)
    small = box_of(rendered("l-text,i-Hi,fs-10,co-FFFFFF,lx-0,ly-0,l-end"), WHITE, 60)
    big = box_of(rendered("l-text,i-Hi,fs-bh_div_2,co-FFFFFF,lx-0,ly-0,l-end"), WHITE, 60)
    assert big[3] - big[1] > 3 * (small[3] - small[1])
    boxed = rendered("l-text,i-Hi,fs-12,co-FFFFFF,w-bw_div_2,bg-FF0000,lx-0,ly-0,l-end")
    assert box_of(boxed, RED)[2] == 100


@pytest.mark.parametrize(
    ("tr", "param"),
    [("l-image,i-ik_canvas,bg-00FF00,w-bw_sub_bw,h-10,l-end", "w"),
     ("l-image,i-m.png,h-bh_mul_2000,l-end", "h"),
     ("l-text,i-Hi,fs-bh_div_0,l-end", "fs")],
)
def test_bad_size_expressions_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        rendered(tr)
    assert err.value.param == param


# Transformations inside image layers


def test_rotation_inside_an_image_layer():
    assert box_of(rendered("l-image,i-m.png,rt-90,lx-0,ly-0,l-end"), RED) == (0, 0, 10, 20)


def test_a_chain_inside_a_layer_runs_in_order():
    # w-40 then a quarter turn: 20 wide, 40 tall; the position keys may come after the chain.
    assert box_of(rendered("l-image,i-m.png,w-40:rt-90,lx-0,ly-0,l-end"), RED) == (0, 0, 20, 40)
    # a crop in a later step, ImageKit's c-maintain_ratio: exactly 30 x 30
    assert box_of(rendered("l-image,i-m.png,lx-0,ly-0,w-60:w-30,h-30,l-end"), RED) == (
        0, 0, 30, 30)


def test_flip_border_and_radius_inside_a_layer():
    flipped = rendered("l-image,i-half.png,fl-h,lx-0,ly-0,l-end").convert("RGB")
    assert flipped.getpixel((2, 5)) == GREEN and flipped.getpixel((17, 5)) == RED
    framed = rendered("l-image,i-m.png,b-3_00FF00,lx-0,ly-0,l-end")
    assert box_of(framed, GREEN) == (0, 0, 26, 16) and box_of(framed, RED) == (3, 3, 23, 13)
    round_mark = rendered("l-image,i-m.png,w-60,r-max,lx-0,ly-0,l-end").convert("RGB")
    assert round_mark.getpixel((1, 1)) == BLUE and round_mark.getpixel((30, 15)) == RED


def test_effects_inside_a_layer():
    grey = rendered("l-image,i-m.png,e-grayscale,lx-0,ly-0,l-end").convert("RGB")
    r, g, b = grey.getpixel((5, 5))
    assert r == g == b and 50 < r < 130  # red's luminance
    blurred = rendered("l-image,i-half.png,w-60,bl-20,lx-20,ly-20,l-end").convert("RGB")
    sharp = rendered("l-image,i-half.png,w-60,lx-20,ly-20,l-end").convert("RGB")
    assert sharp.getpixel((46, 30)) == RED
    r, g, _ = blurred.getpixel((46, 30))
    assert r < 235 and g > 20  # red and green mixed across their edge
    assert rendered("l-image,i-m.png,e-sharpen,e-contrast,lx-0,ly-0,l-end").getpixel((5, 5))[
        :3] == RED


def test_background_inside_an_image_layer_fills_its_transparency():
    clear = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    clear.paste((255, 0, 0, 255), (0, 0, 10, 10))
    marks = {"c.png": MarkData(imagegen.encode(clear, "PNG"), "c1")}
    chain = parse_imagekit(None, [("tr", "l-image,i-c.png,bg-00FF00,lx-0,ly-0,l-end")], LIMITS)
    img = open_bytes(render(BASE, chain, "png", LIMITS, marks).data).convert("RGB")
    assert img.getpixel((15, 5)) == GREEN and img.getpixel((5, 5)) == RED


def test_layer_modes():
    multiplied = rendered("l-image,i-m.png,lm-multiply,lx-0,ly-0,l-end").convert("RGB")
    assert multiplied.getpixel((5, 5)) == BLACK  # red x blue
    assert multiplied.getpixel((50, 50)) == BLUE
    cut_out = rendered("l-image,i-m.png,lm-cutout,lx-0,ly-0,l-end")
    assert cut_out.getpixel((5, 5))[3] == 0 and cut_out.getpixel((50, 50)) == (*BLUE, 255)
    cutter = rendered("l-image,i-m.png,lm-cutter,lx-0,ly-0,l-end")
    assert cutter.getpixel((5, 5)) == (*BLUE, 255) and cutter.getpixel((50, 50))[3] == 0
    jpeg = rendered("l-image,i-m.png,lm-cutout,lx-0,ly-0,l-end", "jpg").convert("RGB")
    assert all(v > 240 for v in jpeg.getpixel((5, 5)))  # the hole flattened on white


# Nested layers


def test_a_layer_inside_a_layer_is_placed_on_the_outer_one():
    tr = ("l-image,i-m.png,w-100,lx-50,ly-20,"
          "l-image,i-ik_canvas,bg-00FF00,w-10,h-10,lap-bottom_right,lx-0,ly-0,l-end,l-end")
    img = rendered(tr)
    assert box_of(img, RED) == (50, 20, 150, 70)
    assert box_of(img, GREEN) == (140, 60, 150, 70)  # the outer layer's bottom right corner


def test_text_nested_in_an_image_layer_and_three_levels():
    tr = "l-image,i-m.png,w-100,l-text,i-Hi,fs-20,co-FFFFFF,l-end,lx-0,ly-0,l-end"
    text = box_of(rendered(tr), WHITE, 60)
    assert abs((text[0] + text[2]) / 2 - 50) <= 3  # centred on the 100 x 50 layer
    three = ("l-image,i-ik_canvas,bg-FF0000,w-100,h-80,lx-0,ly-0,"
             "l-image,i-ik_canvas,bg-00FF00,w-50,h-40,lx-10,ly-10,"
             "l-image,i-ik_canvas,bg-FFFFFF,w-10,h-10,lx-5,ly-5,l-end,l-end,l-end")
    assert box_of(rendered(three), WHITE) == (15, 15, 25, 25)


@pytest.mark.parametrize(
    ("tr", "param"),
    [
        ("l-image,i-a.png," * 4 + "l-end," * 4, "l"),
        (",".join(["l-image,i-ik_canvas,bg-FF0000,w-5,h-5"] * 11 + ["l-end"] * 11), "l"),
        ("l-end", "l"),
        ("l-image,i-m.png,lm-displace,l-end", "lm"),
        ("l-image,i-m.png,lm-screen,l-end", "lm"),
        ("l-image,i-m.png,lap-middle,lx-0,l-end", "lap"),
        ("l-image,i-m.png,lap-top,l-end", "lap"),
        ("l-image,i-m.png,lap-top,lx-N5,l-end", "lx"),
        ("l-image,i-m.png,lx-5,lxc-5,l-end", "lxc"),
        ("l-image,i-m.png,lyc-N5,l-end", "lyc"),
        ("l-image,i-m.png,lap-top,lxc-5,l-end", "lxc"),
        ("l-text,i-a,ia-left,l-end", "ia"),
        ("l-text,i-a,w-50,ia-justify,l-end", "ia"),
        ("l-text,i-a,lh-0,l-end", "lh"),
        ("l-text,i-a,al-0,l-end", "al"),
        ("l-text,i-a,al-10,l-end", "al"),
        ("l-text,i-a,fs-10:fs-20,l-end", "fs"),
        ("l-image,i-m.png,c-force,l-end", "c"),
        ("l-image,i-m.png,f-png,l-end", "f"),
        ("l-image,i-m.png,w-10:q-50,l-end", "q"),
        ("l-image,i-m.png,w-10:lx-5:lx-6,l-end", "lx"),
        ("l-image,i-m.png,rt-90,rt-180,l-end", "rt"),
        ("l-image,i-m.png,w-10" + ":rt-90" * 11 + ",l-end", "l"),
    ],
)
def test_bad_layers_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        parse_imagekit(None, [("tr", tr)], LIMITS)
    assert err.value.param == param


def test_the_nested_overlays_are_listed_for_fetching():
    chain = parse_imagekit(None, [("tr", "l-image,i-a.png,l-image,i-b.png,l-end,l-end")], LIMITS)
    assert [o.path for o in chain.overlays] == ["a.png", "b.png"]


KEY = "private_test_nested_key"


@pytest.fixture(scope="module")
def signet(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("iknested")
    (root / "photo.png").write_bytes(BASE)
    (root / "logo.png").write_bytes(MARK)
    (root / "half.png").write_bytes(MARKS["half.png"].data)
    os.environ["SIGNET_TEST_IK_NESTED_KEY"] = KEY
    settings = load_settings(None, sources=[
        {"name": "ik", "type": "folder", "root": str(root), "scheme": "imagekit"},
        {"name": "iks", "type": "folder", "root": str(root), "scheme": "imagekit",
         "secure": True, "keys": ["env:SIGNET_TEST_IK_NESTED_KEY"]},
    ])
    with run_asgi(create_app(settings)) as base:
        yield base


def test_nested_image_layers_over_http(signet):
    """The inner layer's image is fetched too, and the ETag follows it."""
    tr = "l-image,i-logo.png,w-100,rt-180,lx-0,ly-0,l-image,i-half.png,lx-0,ly-0,l-end,l-end"
    resp = httpx.get(f"{signet}/ik/photo.png", params={"tr": tr}, timeout=30)
    assert resp.status_code == 200, resp.text
    img = Image.open(io.BytesIO(resp.content)).convert("RGB")
    assert img.getpixel((5, 5)) == RED and img.getpixel((15, 5)) == GREEN  # the inner, upright
    assert img.getpixel((60, 30)) == RED and img.getpixel((150, 50)) == BLUE


def test_a_thousand_nested_layers_answer_400_at_once(signet):
    tr = "l-image,i-logo.png," * 1000 + "l-end," * 1000
    began = time.monotonic()
    resp = httpx.get(f"{signet}/ik/photo.png", params={"tr": tr}, timeout=30)
    assert resp.status_code == 400
    assert "l:" in resp.text or "tr" in resp.text
    assert time.monotonic() - began < 2
    path = httpx.get(f"{signet}/ik/tr:{tr.rstrip(',')}/photo.png", timeout=30)
    assert path.status_code == 400


@pytest.mark.parametrize("signed", [False, True])
def test_nested_layers_built_by_the_python_sdk(signet, signed):
    """`imagekitio` writes a layer's transformations as a ':' chain inside the layer, with
    a nested text layer and the text keys; Signet draws all of it."""
    from imagekitio import ImageKit

    helper = ImageKit(private_key=KEY).helper
    text = {"type": "text", "text": "Hi", "transformation": [{
        "font_size": 12, "font_color": "FFFFFF", "typography": "b_i", "width": 40,
        "inner_alignment": "left", "line_height": 20, "alpha": 9, "radius": 4,
        "background": "FF0000", "padding": "2_4", "flip": "h"}]}
    url = helper.build_url(
        src="/photo.png", url_endpoint=f"{signet}/{'iks' if signed else 'ik'}", signed=signed,
        transformation=[{"overlay": {
            "type": "image", "input": "logo.png", "layer_mode": "multiply",
            "position": {"x": 5, "y": 5, "anchor_point": "bottom_right"},
            "transformation": [{"width": 100}, {"rotation": 90}, {"overlay": text}]}}],
    )
    assert "w-100:rt-90:l-text," in url and "lap-bottom_right" in url and "tg-b_i" in url
    resp = httpx.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    img = Image.open(io.BytesIO(resp.content)).convert("RGB")
    # The logo: 100 x 50, turned to 50 x 100, its bottom right 5 pixels in from the base's;
    # multiplied into blue, its red comes out black, the white text blue again.
    assert box_of(img, BLACK, 10) == (145, 0, 195, 95)
    inside = np.asarray(img)[0:95, 145:195]
    assert (np.abs(inside.astype(int) - BLUE) <= 60).all(2).sum() > 10
    if signed:
        assert httpx.get(url.replace("ik-s=", "ik-s=0"), timeout=30).status_code == 403
