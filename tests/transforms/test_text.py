"""Text overlays through the real server: the text is drawn where asked, in the colour asked."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageChops

from tests import imagegen
from tests.pixels import GREY, box_of, count_of
from transforms.font_names import FAMILIES, font_name


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> httpx.Client:
    root = tmp_path_factory.mktemp("text")
    (root / "grey.png").write_bytes(imagegen.encode(Image.new("RGB", (400, 300), GREY), "PNG"))
    with signet_with(sources=[{"name": "t", "type": "folder", "root": str(root)}]) as served:
        yield served.client


def image(server: httpx.Client, query: str) -> Image.Image:
    resp = server.get(f"/t/grey.png?w=400&fm=png&{query}")
    assert resp.status_code == 200, resp.text
    return imagegen.open_bytes(resp.content).convert("RGB")


def changed(img: Image.Image):
    """The box of every pixel that is not the grey background, or None."""
    return ImageChops.difference(img, Image.new("RGB", img.size, GREY)).getbbox()


def test_text_renders_in_its_box_and_nowhere_else(server):
    img = image(server, "txt=Hello&txt-size=40&txt-color=ff0000&txt-align=top,left")
    box = changed(img)
    assert box is not None
    left, top, right, bottom = box
    assert left >= 10 and top >= 10  # the default txt-pad is 10
    assert right < 200 and bottom < 70  # one line of 40 px text at the top left
    assert count_of(img, (255, 0, 0), box, tolerance=10) > 300  # solid red strokes


@pytest.mark.parametrize(
    "align, where",
    [
        ("bottom,right", lambda b: b[2] <= 390 and b[2] > 300 and b[3] <= 290 and b[1] > 200),
        ("top,right", lambda b: b[2] <= 390 and b[2] > 300 and b[1] >= 10 and b[3] < 100),
        ("middle,center", lambda b: b[0] > 100 and b[2] < 300 and b[1] > 100 and b[3] < 200),
        ("bottom,left", lambda b: b[0] >= 10 and b[0] < 30 and b[3] <= 290 and b[1] > 200),
    ],
)
def test_text_alignment(server, align, where):
    box = changed(image(server, f"txt=Hi&txt-size=30&txt-align={align}"))
    assert box is not None and where(box), box


def test_text_of_size_zero_draws_nothing(server):
    # imgix's txt-size range starts at 0: text of no size leaves the picture as it was.
    assert changed(image(server, "txt=Hello&txt-size=0")) is None
    assert changed(image(server, "txt=Hello&txt-size=1")) is not None


def test_default_is_small_black_text_bottom_right(server):
    img = image(server, "txt=Signet")
    box = changed(img)
    assert box is not None and box[0] > 300 and box[1] > 260
    assert box_of(img, (0, 0, 0), tolerance=20) is not None


def test_argb_colour_puts_alpha_first(server):
    solid = image(server, "txt=MMMM&txt-size=60&txt-color=ff0000&txt-align=top,left")
    half = image(server, "txt=MMMM&txt-size=60&txt-color=80ff0000&txt-align=top,left")
    assert count_of(solid, (255, 0, 0), tolerance=5) > 500
    assert count_of(half, (255, 0, 0), tolerance=5) == 0  # never fully red
    # 50% red over grey is about (191, 64, 64)
    assert count_of(half, (191, 64, 64), tolerance=6) > 500
    short = image(server, "txt=MMMM&txt-size=60&txt-color=8f00&txt-align=top,left")
    assert count_of(short, (191, 64, 64), tolerance=8) > 500  # ARGB shorthand


def test_txt64_is_the_same_as_txt(server):
    encoded = base64.urlsafe_b64encode("Café ✓".encode()).decode().rstrip("=")
    plain = server.get("/t/grey.png?w=400&fm=png&txt=Caf%C3%A9%20%E2%9C%93")
    coded = server.get(f"/t/grey.png?w=400&fm=png&txt64={encoded}")
    assert coded.status_code == 200
    assert coded.content == plain.content


def test_long_text_is_clipped_inside_the_padding(server):
    img = image(server, "txt=" + "W" * 2000 + "&txt-size=40&txt-align=top,left&txt-pad=20")
    box = changed(img)
    assert box is not None
    assert box[0] >= 20 and box[2] <= 380  # cut at the padding on the right too
    assert box[2] > 370  # and it does reach it


def test_huge_text_size_is_kept_within_the_image(server):
    img = image(server, "txt=Big&txt-size=500")
    assert changed(img) is not None


def test_dpr_2_doubles_the_text(server):
    one = server.get("/t/grey.png?w=200&fm=png&txt=Hi&txt-size=20&txt-align=top,left")
    two = server.get("/t/grey.png?w=200&dpr=2&fm=png&txt=Hi&txt-size=20&txt-align=top,left")
    b1 = changed(imagegen.open_bytes(one.content).convert("RGB"))
    b2 = changed(imagegen.open_bytes(two.content).convert("RGB"))
    assert b1 is not None and b2 is not None
    h1, h2 = b1[3] - b1[1], b2[3] - b2[1]
    assert abs(h2 - 2 * h1) <= 2, (b1, b2)
    assert abs(b2[0] - 2 * b1[0]) <= 2  # the padding doubles too


def test_shadow_draws_darker_pixels_beside_the_text(server):
    query = "txt=Shadow&txt-size=40&txt-color=fff&txt-align=top,left"
    plain = image(server, query)
    shadowed = image(server, query + "&txt-shad=5")
    dark = (40, 40, 40)
    assert count_of(plain, dark, tolerance=60) == 0
    assert count_of(shadowed, dark, tolerance=60) > 50
    # imgix's txt-shad is a number: 5.5 lies between 5 and 6 (a wider, softer shadow)
    half = image(server, query + "&txt-shad=5.5")
    assert half.tobytes() != shadowed.tobytes()
    assert count_of(half, dark, tolerance=60) > 0


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_font_renders(server, family):
    assert changed(image(server, f"txt=Font&txt-size=30&txt-font={family}")) is not None


def test_fonts_differ_and_bold_is_bolder(server):
    query = "txt=Typeface&txt-size=40&txt-color=f00&txt-align=top,left"
    sans = image(server, query)
    serif = image(server, query + "&txt-font=serif")
    bold = image(server, query + "&txt-font=Helvetica%20Neue,Bold")  # an imgix name
    assert sans.tobytes() != serif.tobytes()
    assert count_of(bold, (255, 0, 0), tolerance=30) > count_of(sans, (255, 0, 0), tolerance=30)
    faux = image(server, query + "&txt-font=serif,bold")  # no bold face: thickened
    assert count_of(faux, (255, 0, 0), tolerance=30) > count_of(serif, (255, 0, 0), tolerance=30)


def test_imgix_font_list_names_map_to_the_nearest_family():
    fonts = json.loads(
        (Path(__file__).parent.parent / "vendor" / "imgix-url-params-11.35.0.json").read_text()
    )["fontValues"]
    for name in fonts:  # every one of imgix's ~1000 names is accepted
        assert font_name(name).partition(",")[0] in FAMILIES, name
    assert font_name("Georgia-BoldItalic") == "serif,bold"
    assert font_name("Arial-BoldMT") == "sans-serif,bold"
    assert font_name("Menlo-Regular") == "monospace"
    assert font_name("AmericanTypewriter-Semibold") == "monospace"
    assert font_name("PTSans-Regular") == "sans-serif"
    assert font_name("Baskerville") == "serif"


def test_font_names():
    assert font_name("Helvetica Neue,Bold") == "sans-serif,bold"
    assert font_name("monospace") == "monospace"
    assert font_name("Times,regular") == "serif"


@pytest.mark.parametrize(
    "query, name",
    [
        ("txt=", "txt"),
        ("txt64=%25%25", "txt64"),
        ("txt64=AA", "txt64"),  # decodes to a NUL
        ("txt=a&txt64=YQ", "txt64"),
        ("txt-size=20", "txt-size"),  # an option without its text
        ("txt=a&txt-size=-1", "txt-size"),
        ("txt=a&txt-size=501", "txt-size"),
        ("txt=a&txt-color=reddish", "txt-color"),
        ("txt=a&txt-color=12345", "txt-color"),
        ("txt=a&txt-align=up", "txt-align"),
        ("txt=a&txt-pad=x", "txt-pad"),
        ("txt=a&txt-font=/etc/passwd", "txt-font"),
        ("txt=a&txt-font=../fonts/DejaVuSans.ttf", "txt-font"),
        ("txt=a&txt-font=Comic%20Sans", "txt-font"),
        ("txt=a&txt-font=sans-serif,italic", "txt-font"),
        ("txt=a&txt-shad=11", "txt-shad"),
    ],
)
def test_bad_text_parameters_are_400_naming_them(server, query, name):
    resp = server.get(f"/t/grey.png?w=100&{query}")
    assert resp.status_code == 400, resp.text
    assert resp.text.startswith(f"{name}: "), resp.text
