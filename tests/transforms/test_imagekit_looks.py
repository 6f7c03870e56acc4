"""ImageKit's e-shadow, e-gradient, e-distort, cr, o and pg: each key's documented effect
on the pixels (and sizes), their bad values, and a few through Signet over HTTP."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.service import create_app
from app.settings import load_settings
from tests import imagegen, originals
from tests.imagegen import open_bytes
from tests.servers import run_asgi
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.pipeline import render
from transforms.spec import Chain, Limits

LIMITS = Limits()
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def chain(tr: str) -> Chain:
    return parse_imagekit(None, [("tr", tr)], LIMITS)


def png(img: Image.Image) -> bytes:
    return imagegen.encode(img, "PNG")


def rendered(data: bytes, tr: str, fmt: str = "png", limits: Limits = LIMITS) -> Image.Image:
    return open_bytes(render(data, parse_imagekit(None, [("tr", tr)], limits), fmt, limits).data)


def close(a: tuple[int, ...], b: tuple[int, ...], within: int = 3) -> bool:
    return all(abs(x - y) <= within for x, y in zip(a, b, strict=True))


BLUE_PNG = png(imagegen.solid(100, 100, BLUE))


def square_on_transparency() -> bytes:
    """A 40 x 40 red square in the middle of a transparent 100 x 100 canvas."""
    canvas = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    canvas.paste((*RED, 255), (30, 30, 70, 70))
    return png(canvas)


# --- e-shadow ------------------------------------------------------------------------------


def test_shadow_lies_under_the_opaque_pixels_moved_by_its_offset():
    out = rendered(square_on_transparency(), "e-shadow-bl-0_st-50_x-10_y-10").convert("RGBA")
    assert out.size == (100, 100)
    assert out.getpixel((50, 50)) == (*RED, 255)  # the picture stays over its shadow
    r, g, b, a = out.getpixel((75, 75))  # 10 % right and down of the square: shadow
    assert (r, g, b) == (0, 0, 0) and abs(a - 127) <= 1  # st-50: half strength
    assert out.getpixel((25, 25))[3] == 0  # up and left: nothing


def test_shadow_offsets_take_n_for_left_and_up():
    out = rendered(square_on_transparency(), "e-shadow-bl-0_st-100_x-N10_y-N10").convert("RGBA")
    assert out.getpixel((25, 25)) == (0, 0, 0, 255)
    assert out.getpixel((75, 75))[3] == 0


def test_default_shadow_is_soft_and_slightly_down_right():
    out = rendered(square_on_transparency(), "e-shadow").convert("RGBA")
    below, above = out.getpixel((50, 71))[3], out.getpixel((50, 28))[3]
    assert 0 < below < 255 * 0.3 + 1  # st 30 at most, blurred (bl 10)
    assert below > above  # moved 2 % down


# --- e-gradient ----------------------------------------------------------------------------


def test_default_gradient_runs_white_at_the_top_to_clear_at_the_bottom():
    out = rendered(BLUE_PNG, "e-gradient").convert("RGB")
    assert close(out.getpixel((50, 0)), (252, 252, 255), 4)
    assert close(out.getpixel((50, 99)), BLUE, 4)
    middle = out.getpixel((50, 50))
    assert 100 < middle[0] < 155 and middle[2] == 255


def test_gradient_direction_colours_and_stop_point():
    out = rendered(BLUE_PNG, "e-gradient-ld-right_from-FF0000_to-00FF00_sp-0.5").convert("RGB")
    assert close(out.getpixel((0, 50)), RED, 4)
    assert out.getpixel((60, 50)) == GREEN and out.getpixel((99, 50)) == GREEN  # past the stop
    assert close(out.getpixel((25, 50)), (128, 128, 0), 4)  # half way to the stop
    pixels = rendered(BLUE_PNG, "e-gradient-ld-90_from-red_to-green_sp-20").convert("RGB")
    assert pixels.getpixel((30, 50)) == (0, 128, 0)  # sp above 1 is pixels; `green` is 008000
    diagonal = rendered(BLUE_PNG, "e-gradient-ld-top_left_from-FF0000_to-00FF00").convert("RGB")
    assert close(diagonal.getpixel((99, 99)), RED, 6) and close(diagonal.getpixel((0, 0)), GREEN, 6)


def test_gradient_stop_point_as_an_expression_is_pixels_of_the_drawn_picture():
    # bh is the picture the gradient is drawn on: 200 high after h-200, so the stop is 100.
    out = rendered(BLUE_PNG, "h-200,e-gradient-ld-bottom_from-FF0000_to-00FF00_sp-bh_div_2")
    out = out.convert("RGB")
    assert out.size == (200, 200)
    assert close(out.getpixel((50, 0)), RED, 4) and close(out.getpixel((50, 50)), (128, 128, 0), 4)
    assert out.getpixel((50, 101)) == GREEN and out.getpixel((50, 199)) == GREEN


def test_gradient_stop_expression_below_zero_answers_400():
    with pytest.raises(ParamError) as err:
        rendered(BLUE_PNG, "e-gradient-sp-bh_sub_200")
    assert err.value.param == "e-gradient" and "-100" in str(err.value)


def test_gradient_alpha_tints_the_picture():
    out = rendered(BLUE_PNG, "e-gradient-ld-bottom_from-FF000050_to-FF000050").convert("RGB")
    r, g, b = out.getpixel((50, 50))  # red at opacity 0.50 over blue
    assert abs(r - 129) <= 2 and g == 0 and abs(b - 126) <= 2


# --- e-distort -----------------------------------------------------------------------------


def test_perspective_moves_the_corners_and_clears_the_rest():
    out = rendered(BLUE_PNG, "e-distort-p-20_0_80_0_100_100_0_100").convert("RGBA")
    assert out.size == (100, 100)
    assert out.getpixel((5, 5))[3] == 0 and out.getpixel((95, 5))[3] == 0  # the top narrowed
    assert out.getpixel((50, 5)) == (*BLUE, 255) and out.getpixel((2, 97)) == (*BLUE, 255)


def test_perspective_maps_the_picture_onto_the_quadrilateral():
    quadrants = png(imagegen.quadrants(100, 100))
    whole = open_bytes(quadrants).convert("RGB")
    # The picture squeezed into the right half: its left edge moved to x=50.
    out = rendered(quadrants, "e-distort-p-50_0_100_0_100_100_50_100").convert("RGBA")
    assert out.getpixel((25, 50))[3] == 0
    assert out.getpixel((60, 20))[:3] == whole.getpixel((20, 20))
    assert out.getpixel((90, 80))[:3] == whole.getpixel((80, 80))


def test_perspective_for_jpeg_fills_the_uncovered_corners_white():
    out = rendered(BLUE_PNG, "e-distort-p-20_0_80_0_100_100_0_100", fmt="jpg").convert("RGB")
    assert close(out.getpixel((3, 3)), WHITE, 8)


def test_a_crossed_quadrilateral_answers_400():
    with pytest.raises(ParamError) as err:
        rendered(BLUE_PNG, "e-distort-p-0_0_100_100_100_0_0_100")
    assert err.value.param == "e-distort" and "convex" in str(err.value)


def test_arc_bends_the_picture_upwards_on_a_canvas_that_holds_it():
    wide = png(imagegen.solid(200, 50, BLUE))
    out = rendered(wide, "e-distort-a-90").convert("RGBA")
    # bottom edge on a circle of 200 / (pi/2) = 127.3 px, the top one 50 further out:
    # 2 x 177.3 x sin(45) = 251 wide, from 177.3 down to 127.3 x cos(45) = 87.3 high.
    assert abs(out.width - 251) <= 1 and abs(out.height - 88) <= 1
    assert out.getpixel((out.width // 2, 2)) == (*BLUE, 255)  # the middle is the highest
    assert out.getpixel((out.width // 2, out.height - 3))[3] == 0  # under the arc: clear
    assert out.getpixel((2, 2))[3] == 0  # outside the arc's outer circle
    assert out.getpixel((29, 62)) == (*BLUE, 255)  # 40 degrees left, 150 px from the centre


def test_negative_arc_bends_downwards():
    wide = png(imagegen.solid(200, 50, BLUE))
    out = rendered(wide, "e-distort-a-N90").convert("RGBA")
    assert abs(out.width - 251) <= 1
    assert out.getpixel((out.width // 2, out.height - 3)) == (*BLUE, 255)
    assert out.getpixel((out.width // 2, 2))[3] == 0


def test_arc_keeps_the_picture_in_order_along_it():
    halves = png(imagegen.halves(200, 50, RED, BLUE, vertical=False))
    out = rendered(halves, "e-distort-a-60").convert("RGBA")
    # 25 degrees either side of the middle, 216 px from the centre (inner 191, outer 241)
    assert out.getpixel((29, 45)) == (*RED, 255)
    assert out.getpixel((out.width - 30, 45)) == (*BLUE, 255)


def test_an_arc_past_the_output_limit_answers_400():
    small = Limits(max_output_pixels=20_000)
    with pytest.raises(ParamError) as err:
        rendered(png(imagegen.solid(200, 50, BLUE)), "e-distort-a-360", limits=small)
    assert err.value.param == "e-distort" and "over the limit" in str(err.value)


# --- cr ------------------------------------------------------------------------------------


def test_colour_replace_from_a_given_colour():
    halves = png(imagegen.halves(100, 50, RED, BLUE, vertical=False))
    out = rendered(halves, "cr-00FF00_10_FF0000").convert("RGB")
    assert out.getpixel((10, 25)) == GREEN and out.getpixel((90, 25)) == BLUE
    named = rendered(halves, "cr-green_10_red").convert("RGB")
    assert named.getpixel((10, 25)) == (0, 128, 0)


def test_colour_replace_tolerance():
    near_red = png(imagegen.solid(40, 40, (230, 20, 20)))  # 8.5 % from pure red
    assert rendered(near_red, "cr-00FF00_10_FF0000").convert("RGB").getpixel((5, 5)) == GREEN
    kept = rendered(near_red, "cr-00FF00_5_FF0000").convert("RGB").getpixel((5, 5))
    assert kept == (230, 20, 20)


def test_colour_replace_without_a_source_replaces_the_dominant_colour():
    mostly_blue = imagegen.solid(100, 50, BLUE)
    mostly_blue.paste(RED, (0, 0, 20, 50))
    out = rendered(png(mostly_blue), "cr-00FF00").convert("RGB")
    assert out.getpixel((60, 25)) == GREEN and out.getpixel((5, 25)) == RED


def test_colour_replace_keeps_transparency():
    out = rendered(square_on_transparency(), "cr-0000FF_10_FF0000").convert("RGBA")
    assert out.getpixel((50, 50)) == (*BLUE, 255) and out.getpixel((5, 5))[3] == 0


# --- o -------------------------------------------------------------------------------------


def test_opacity_makes_the_picture_see_through():
    assert rendered(BLUE_PNG, "o-50").convert("RGBA").getpixel((5, 5)) == (*BLUE, 127)
    assert rendered(BLUE_PNG, "o-0").convert("RGBA").getpixel((5, 5))[3] == 0
    assert rendered(BLUE_PNG, "o-100").convert("RGBA").getpixel((5, 5)) == (*BLUE, 255)


def test_opacity_with_a_background_is_opaque_with_it_mixed_in():
    out = rendered(BLUE_PNG, "o-50,bg-FF000030")  # bg's own alpha is not used here
    assert out.mode == "RGB"
    r, g, b = out.getpixel((5, 5))
    assert abs(r - 128) <= 1 and g == 0 and abs(b - 127) <= 1


def test_opacity_in_a_jpeg_is_flattened_on_white():
    r, g, b = rendered(BLUE_PNG, "o-50", fmt="jpg").convert("RGB").getpixel((50, 50))
    assert abs(r - 128) <= 4 and abs(g - 128) <= 4 and b >= 250


# --- pg ------------------------------------------------------------------------------------


def test_page_picks_a_pdf_page():
    document = originals.pdf_pages(RED, BLUE)
    assert close(rendered(document, "pg-2").convert("RGB").getpixel((20, 20)), BLUE)
    assert close(rendered(document, "pg-1").convert("RGB").getpixel((20, 20)), RED)
    assert chain("pg-2").final.source.page == 2  # imgix's page: one field


# --- bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tr", "param"),
    [
        ("e-shadow-bl-16", "e-shadow"), ("e-shadow-st-101", "e-shadow"),
        ("e-shadow-x-N101", "e-shadow"), ("e-shadow-z-5", "e-shadow"),
        ("e-shadow-bl-1_bl-2", "e-shadow"), ("e-shadow-bl-x", "e-shadow"),
        ("e-gradient-ld-360", "e-gradient"), ("e-gradient-ld-up", "e-gradient"),
        ("e-gradient-from-nocolour", "e-gradient"), ("e-gradient-to-FF00", "e-gradient"),
        ("e-gradient-sp-0", "e-gradient"), ("e-gradient-sp-bh_div_", "e-gradient"),
        ("e-gradient-sp-99999", "e-gradient"), ("e-gradient-foo", "e-gradient"),
        ("e-distort", "e-distort"), ("e-distort-p-1_2_3", "e-distort"),
        ("e-distort-p-0_0_1_0_1_1_0_x", "e-distort"),
        ("e-distort-p-0_0_99999_0_1_1_0_1", "e-distort"),
        ("e-distort-a-0", "e-distort"), ("e-distort-a-361", "e-distort"),
        ("e-distort-x-5", "e-distort"),
        ("cr", "cr"), ("cr-notacolour", "cr"), ("cr-red_101", "cr"), ("cr-red_x", "cr"),
        ("cr-red_10_blue_green", "cr"),
        ("o-101", "o"), ("o-abc", "o"), ("o-", "o"),
        ("pg-0", "pg"), ("pg-2-4", "pg"), ("pg-name-layer", "pg"), ("pg-x", "pg"),
    ],
)
def test_bad_values_answer_400_naming_the_key(tr, param):
    with pytest.raises(ParamError) as err:
        chain(tr)
    assert err.value.param == param


# --- over HTTP -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signet(tmp_path_factory) -> str:
    root: Path = tmp_path_factory.mktemp("iklooks")
    (root / "blue.png").write_bytes(BLUE_PNG)
    (root / "square.png").write_bytes(square_on_transparency())
    (root / "two.pdf").write_bytes(originals.pdf_pages(RED, BLUE))
    settings = load_settings(
        None, sources=[{"name": "ik", "type": "folder", "root": str(root), "scheme": "imagekit"}]
    )
    with run_asgi(create_app(settings)) as base:
        yield base


def fetch(base: str, path: str, tr: str) -> Image.Image:
    resp = httpx.get(f"{base}/ik/{path}", params={"tr": tr}, timeout=30)
    assert resp.status_code == 200, resp.text
    return Image.open(io.BytesIO(resp.content))


def test_looks_over_http(signet):
    faded = fetch(signet, "blue.png", "w-50,o-50").convert("RGBA")
    assert faded.size == (50, 50) and faded.getpixel((5, 5)) == (*BLUE, 127)
    shaded = fetch(signet, "square.png", "e-shadow-bl-0_st-100_x-10_y-10").convert("RGBA")
    assert shaded.getpixel((75, 75)) == (0, 0, 0, 255)
    arc = fetch(signet, "blue.png", "e-distort-a-90,f-png").convert("RGBA")
    assert arc.size != (100, 100) and arc.getpixel((arc.width // 2, 2))[3] == 255
    page = fetch(signet, "two.pdf", "pg-2,f-png").convert("RGB")
    assert close(page.getpixel((20, 20)), BLUE)
    tr = "cr-00FF00_5_0000FF:e-gradient-ld-right_from-FF0000_to-FF000000"
    green = fetch(signet, "blue.png", tr)
    assert close(green.convert("RGB").getpixel((99, 50)), GREEN)  # cr, then the gradient
    assert close(green.convert("RGB").getpixel((0, 50)), RED)


def test_a_bad_look_answers_400_over_http(signet):
    resp = httpx.get(f"{signet}/ik/blue.png", params={"tr": "e-distort-p-0_0_100_100_100_0_0_100"})
    assert resp.status_code == 400 and resp.text.startswith("e-distort:"), resp.text
    resp = httpx.get(f"{signet}/ik/blue.png", params={"tr": "cr-red_500"})
    assert resp.status_code == 400 and resp.text.startswith("cr:"), resp.text


def test_ik_thumbnail_after_a_pdf_is_its_page_as_a_jpeg(signet):
    for target in ("/ik/two.pdf/ik-thumbnail.jpg?tr=pg-2", "/ik/tr:pg-2/two.pdf/ik-thumbnail.jpg"):
        resp = httpx.get(f"{signet}{target}", timeout=30)
        assert resp.status_code == 200, (target, resp.text)
        assert resp.headers["content-type"] == "image/jpeg"
        assert close(open_bytes(resp.content).convert("RGB").getpixel((20, 20)), BLUE, 8)
    # Only after a PDF: anywhere else it is a file name like any other.
    resp = httpx.get(f"{signet}/ik/blue.png/ik-thumbnail.jpg", timeout=30)
    assert resp.status_code == 404
