"""ImageKit's arithmetic expressions: the evaluator alone, then their effect on renders
(w, h, b, in chains), over HTTP, and every error path answering 400 naming the key."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.expressions import MAX_CHARS, MAX_OPERATORS, parse_expression
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()
VALUES = {"iw": 300, "ih": 200, "iar": 1.5, "cw": 100, "ch": 50, "car": 2.0,
          "bw": 100, "bh": 50, "bar": 2.0}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("iw", 300), ("iw_div_2", 150), ("ih_mul_0.8_add_iw_mul_0.4", 280),
        ("iw_sub_ih_div_2", 200), ("ch_mod_7", 1), ("cw_add_ch_sub_10", 140),
        ("2_pow_3", 8), ("iar_mul_car", 3), ("bw_div_bh", 2),
        ("iw_div_3_mul_3", 300), ("10_sub_2_sub_3", 5), ("bar_add_0.5", 2.5),
        # ImageKit's calculation sequence: mul and div, then add and sub, then mod, then
        # pow, each left to right (the usual precedence would give 256, 303, 4, 6 and 50).
        ("2_pow_2_pow_3", 64), ("iw_add_10_mod_7", 2), ("ch_mod_7_add_3", 0),
        ("10_sub_2_pow_2", 64), ("2_add_3_mul_4_pow_2", 196),
    ],
)
def test_the_evaluator(text, value):
    assert parse_expression(text, "w").evaluate(VALUES, "w") == pytest.approx(value)


def test_an_expression_names_itself_in_the_canonical_string():
    assert str(parse_expression("iw_mul_0.5_add_10", "w")) == "iw_mul_0.5_add_10"


@pytest.mark.parametrize(
    "text",
    [
        "iw_", "_iw", "iw_div", "iw_times_2", "xw_div_2", "iw_div_-2", "iw__2", "iw_div_2e3",
        "__import__", "iw" + "_add_1" * (MAX_OPERATORS + 1), "1" * (MAX_CHARS + 1),
    ],
)
def test_malformed_or_too_long_expressions_are_refused(text):
    with pytest.raises(ParamError) as err:
        parse_expression(text, "w")
    assert err.value.param == "w"


@pytest.mark.parametrize(
    ("text", "message"),
    [("iw_div_0", "zero"), ("iw_mod_0", "zero"), ("iw_mod_0.0", "zero"),
     ("2_pow_9", "exponent"), ("999999_pow_8", "range"), ("iw_mul_999999_mul_999999", "range")],
)
def test_evaluation_errors(text, message):
    with pytest.raises(ParamError, match=message):
        parse_expression(text, "w").evaluate(VALUES, "w")


def size(tr: str, width: int = 300, height: int = 200) -> tuple[int, int]:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return open_bytes(render(imagegen.jpeg(width, height), chain, "png", LIMITS).data).size


@pytest.mark.parametrize(
    ("tr", "expected"),
    [
        ("w-iw_div_2", (150, 100)),
        ("h-ih_div_4", (75, 50)),
        ("w-iw_div_2,h-ih_div_2", (150, 100)),
        ("w-iw_div_3,h-iw_div_3", (100, 100)),  # a crop: c-maintain_ratio
        ("w-100:w-cw_mul_2", (200, 133)),  # cw: the picture this step starts from
        ("w-100:w-iw_sub_50", (250, 167)),  # iw: the original's
        ("w-iw_div_100000", (1, 1)),  # at least one pixel, never a fraction
    ],
)
def test_sizes_from_expressions(tr, expected):
    w, h = size(tr)
    assert abs(w - expected[0]) <= 1 and abs(h - expected[1]) <= 1


def test_iw_is_the_upright_width():
    data = imagegen.jpeg_with_orientation(400, 200, orientation=6)  # shown 200 x 400
    chain = parse_imagekit(None, [("tr", "w-iw_div_2")], LIMITS)
    assert open_bytes(render(data, chain, "png", LIMITS).data).size == (100, 200)


def test_border_width_from_an_expression():
    assert size("b-cw_mod_7_FF0000") == (312, 212)  # 300 mod 7 = 6 on each side


@pytest.mark.parametrize(
    ("tr", "param"),
    [("w-iw_pow_2", "w"), ("h-iw_sub_ih_sub_ih", "h"), ("w-iw_div_0", "w"),
     ("b-iw_mul_10_FF0000", "b")],
)
def test_values_out_of_range_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        size(tr)
    assert err.value.param == param


@pytest.mark.parametrize(
    ("tr", "expected"),
    [
        ("w-100,ar-bar", (100, 67)),  # the picture's own ratio, 3:2
        ("w-100,ar-car_mul_0.5", (100, 133)),  # half as wide for its height: 3:4
        ("w-iw_div_2,ar-4-3", (150, 112)),  # an expression side, a plain ratio
        ("h-ih_div_2,ar-2-1", (200, 100)),
        ("w-100,h-100,ar-bar", (100, 100)),  # with both sides ar is ignored, as ImageKit does
    ],
)
def test_ar_from_or_with_an_expression(tr, expected):
    w, h = size(tr)
    assert abs(w - expected[0]) <= 1 and abs(h - expected[1]) <= 1


@pytest.mark.parametrize("tr", ["w-100,ar-iw_sub_iw", "w-100,ar-foo", "ar-bar", "w-0.5,ar-bar"])
def test_bad_ar_answers_400_naming_it(tr):
    with pytest.raises(ParamError) as err:
        size(tr)
    assert err.value.param == "ar"


def region(tr: str) -> Image.Image:
    """`tr` on red, green / blue, white quadrants of 200 x 200 (tests.imagegen)."""
    data = imagegen.encode(imagegen.quadrants(200, 200), "PNG")
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return open_bytes(render(data, chain, "png", LIMITS).data).convert("RGB")


@pytest.mark.parametrize(
    ("tr", "size_", "corner"),
    [
        # x, y from expressions: the bottom-right quadrant's corner, white
        ("w-50,h-50,cm-extract,x-iw_div_2,y-ih_div_2", (50, 50), (255, 255, 255)),
        # xc, yc: centred on (50, 150), in the blue quadrant
        ("w-50,h-50,cm-extract,xc-iw_mul_0.25,yc-ih_mul_0.75", (50, 50), (0, 0, 255)),
        # w, h as expressions beside plain and expression corners
        ("w-iw_div_4,h-ih_div_4,cm-extract,x-150,y-10", (50, 50), (0, 255, 0)),
        ("w-iw_div_4,h-50,cm-extract,xc-cw_sub_25,yc-25", (50, 50), (0, 255, 0)),
        # a centre near the edge: the corner stops at 0
        ("w-100,h-100,cm-extract,xc-10,yc-ih_div_20", (100, 100), (255, 0, 0)),
    ],
)
def test_extract_regions_from_expressions(tr, size_, corner):
    out = region(tr)
    assert out.size == size_
    assert out.getpixel((2, 2)) == corner


def test_an_extract_corner_from_an_expression_lands_where_the_number_does():
    assert region("w-60,h-40,cm-extract,x-iw_div_4,y-ih_div_5").tobytes() == region(
        "w-60,h-40,cm-extract,x-50,y-40").tobytes()


@pytest.mark.parametrize(
    ("tr", "param"),
    [("w-50,h-50,cm-extract,x-iw_div_0", "x"), ("w-50,h-50,cm-extract,xc-iw_foo_2", "xc"),
     ("w-50,h-50,cm-extract,yc-ih_div_0", "yc")],
)
def test_bad_region_expressions_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        region(tr)
    assert err.value.param == param


def text_on(tr: str) -> bytes:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return render(imagegen.jpeg(300, 200), chain, "png", LIMITS).data


def test_text_padding_and_line_height_from_expressions():
    # bh is the base's height, 200: bh_div_10 is 20, bh_div_4 is 50.
    boxed = "l-text,i-Hello,bg-FF0000,{},l-end"
    assert text_on(boxed.format("pa-bh_div_10")) == text_on(boxed.format("pa-20"))
    assert text_on(boxed.format("pa-bh_div_10")) != text_on(boxed.format("pa-5"))
    assert text_on(boxed.format("pa-bh_sub_bh")) == text_on(boxed.format("pa-0"))
    lines = "l-text,i-AAAA%20BBBB,w-40,{},l-end"  # two lines in a block 40 wide
    assert text_on(lines.format("lh-bh_div_4")) == text_on(lines.format("lh-50"))
    assert text_on(lines.format("lh-bh_div_4")) != text_on(lines.format("lh-20"))


@pytest.mark.parametrize(
    ("tr", "param"),
    [("l-text,i-Hi,bg-FF0000,pa-bh_sub_bw,l-end", "pa"),  # 200 - 300: below 0
     ("l-text,i-Hi,bg-FF0000,pa-bh_foo_2,l-end", "pa"),
     ("l-text,i-Hi,lh-bh_sub_bh,l-end", "lh"),  # 0: a line height is at least 1
     # past the literal's bound: a padding of 10000 pixels drew a box of gigabytes
     ("l-text,i-Hi,bg-FF0000,pa-bh_mul_50,l-end", "pa"),
     ("l-text,i-Hi,lh-bh_mul_50,l-end", "lh")],
)
def test_bad_text_expressions_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        text_on(tr)
    assert err.value.param == param


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root = tmp_path_factory.mktemp("ikexpr")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(400, 300))
    with signet_with(sources=[{"name": "ik", "type": "folder",
                               "root": str(root), "scheme": "imagekit"}]) as served:
        yield served.base


def test_expressions_over_http(signet):
    resp = httpx.get(f"{signet}/ik/tr:w-iw_div_2,h-ih_mul_0.5/photo.jpg", timeout=30)
    assert resp.status_code == 200
    assert Image.open(io.BytesIO(resp.content)).size == (200, 150)
    other = httpx.get(f"{signet}/ik/photo.jpg?tr=w-iw_div_4", timeout=30)
    assert Image.open(io.BytesIO(other.content)).size == (100, 75)
    assert other.headers["etag"] != resp.headers["etag"]
    ratio = httpx.get(f"{signet}/ik/photo.jpg?tr=w-200,ar-car_mul_2", timeout=30)
    assert Image.open(io.BytesIO(ratio.content)).size == (200, 75)  # 4:3 times 2 = 8:3
    region = httpx.get(f"{signet}/ik/photo.jpg?tr=w-100,h-100,cm-extract,x-iw_sub_100", timeout=30)
    assert Image.open(io.BytesIO(region.content)).size == (100, 100)
    # an expression w beside x answered 500 once (an Expression compared with a number)
    half = httpx.get(f"{signet}/ik/photo.jpg?tr=w-iw_div_2,h-100,cm-extract,x-10", timeout=30)
    assert half.status_code == 200
    assert Image.open(io.BytesIO(half.content)).size == (200, 100)


def test_bad_expressions_over_http_answer_400(signet):
    for tr in ("w-iw_div_0", "w-iw_foo_2", "w-iw_pow_2"):
        resp = httpx.get(f"{signet}/ik/photo.jpg?tr={tr}", timeout=30)
        assert resp.status_code == 400, tr
        assert resp.text.startswith("w"), resp.text
