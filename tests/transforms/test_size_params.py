"""imgix's size, crop and rotation group: ar, min/max bounds, clamp, fillmax, rect keywords,
dpr below 1, orient=0, fp-z, fp-debug, rot in decimals and rot-type; the output clamp; bg.

Each case parses a real imgix query (so imgix's rules about what is ignored apply) and
renders it; the effect is checked as a size or a pixel.
"""

from __future__ import annotations

import pytest
from PIL import Image

from tests import imagegen
from transforms.dialects.imgix import parse_params
from transforms.errors import ParamError
from transforms.pipeline import render
from transforms.query import split_query
from transforms.spec import Limits
from transforms.steps.focal_debug import CROSS

LIMITS = Limits()
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
QUADRANTS = imagegen.encode(imagegen.quadrants(800, 600), "PNG")  # red green / blue white
PHOTO = imagegen.jpeg(800, 600)


def run(data: bytes, query: str, fmt: str = "png", limits: Limits = LIMITS) -> Image.Image:
    spec = parse_params(split_query(query.encode()), limits)
    out = render(data, spec, fmt, limits)
    img = imagegen.open_bytes(out.data)
    assert img.size == (out.width, out.height)
    return img


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# --- ar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, size",
    [
        ("fit=crop&ar=16:9&w=320", (320, 180)),  # the other side follows the ratio
        ("fit=crop&ar=16:9&h=90", (160, 90)),
        ("fit=crop&ar=1:1", (600, 600)),  # alone: the original reframed at its own scale
        ("fit=crop&ar=0.85:1", (510, 600)),
        ("fit=crop&ar=16:9&w=320&h=100", (320, 100)),  # w and h win
        ("ar=16:9&w=320", (320, 240)),  # without fit=crop (or fill) imgix ignores it
        ("fit=fill&ar=2:1&w=400", (400, 200)),
    ],
)
def test_ar(query: str, size: tuple[int, int]) -> None:
    assert run(PHOTO, query, "jpg").size == size


def test_ar_with_fill_pads_the_frame() -> None:
    img = run(QUADRANTS, "fit=fill&ar=2:1&w=400").convert("RGBA")
    assert img.size == (400, 200)
    assert img.getpixel((5, 100))[3] == 0  # padding beside the 267 x 200 picture
    assert img.getpixel((200, 100))[3] == 255


def test_ar_crop_keeps_the_centre() -> None:
    img = run(QUADRANTS, "fit=crop&ar=4:1").convert("RGB")  # 800 x 200 around the middle
    assert img.size == (800, 200)
    assert img.getpixel((10, 10)) == RED and img.getpixel((10, 190)) == BLUE


# --- min-w, max-w, min-h, max-h ------------------------------------------------------------


@pytest.mark.parametrize(
    "query, size",
    [
        ("fit=crop&w=300&max-h=1200", (300, 225)),  # under the bound: not cropped
        ("fit=crop&w=300&max-h=100", (300, 100)),  # cropped to the bound
        ("fit=crop&h=100&min-w=400", (400, 100)),
        ("fit=crop&w=100&min-h=200", (100, 200)),
        ("fit=crop&h=300&max-w=200", (200, 300)),
        ("fit=crop&w=300&max-h=100&dpr=2", (600, 200)),  # bounds are CSS pixels too
        ("w=300&max-h=100", (300, 225)),  # imgix: only with fit=crop
        ("max-width=200&fit=crop&h=300", (200, 300)),  # the alias
    ],
)
def test_min_max_bounds(query: str, size: tuple[int, int]) -> None:
    assert run(PHOTO, query, "jpg").size == size


# --- fit=clamp, fit=fillmax ----------------------------------------------------------------


def test_fit_clamp_extends_the_edge_pixels() -> None:
    data = imagegen.encode(imagegen.halves(200, 100, RED, BLUE, vertical=False), "PNG")
    img = run(data, "w=400&h=400&fit=clamp").convert("RGBA")
    assert img.size == (400, 400)
    assert img.getpixel((2, 2)) == (*RED, 255)  # the corner takes the corner pixel
    assert img.getpixel((397, 397)) == (*BLUE, 255)
    assert img.getpixel((2, 200)) == (*RED, 255)
    assert img.getpixel((397, 2)) == (*BLUE, 255)


def test_fit_clamp_with_one_side_is_clip() -> None:
    assert run(PHOTO, "w=400&fit=clamp", "jpg").size == (400, 300)


def test_fit_fillmax_pads_without_enlarging() -> None:
    img = run(QUADRANTS, "w=1600&h=1600&fit=fillmax").convert("RGBA")
    assert img.size == (1600, 1600)
    assert img.getpixel((100, 100))[3] == 0  # the 800 x 600 picture is not enlarged
    assert img.getpixel((400 + 10, 500 + 10)) == (*RED, 255)
    assert img.getpixel((400 + 790, 500 + 590)) == (*WHITE, 255)
    shrunk = run(QUADRANTS, "w=400&h=400&fit=fillmax").convert("RGBA")
    assert shrunk.size == (400, 400)
    assert shrunk.getpixel((200, 20))[3] == 0 and shrunk.getpixel((200, 200))[3] == 255


def test_fit_fill_still_enlarges() -> None:
    img = run(QUADRANTS, "w=1600&h=1600&fit=fill").convert("RGBA")
    assert img.getpixel((10, 400))[3] == 255  # 1600 x 1200, padded top and bottom only


# --- rect --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rect, size, top_left, bottom_right",
    [
        ("center,middle,0.5,0.5", (400, 300), RED, WHITE),
        ("0,0,full,0.5", (800, 300), RED, GREEN),
        ("right,bottom,100,100", (100, 100), WHITE, WHITE),
        ("left,top,0.25,0.25", (200, 150), RED, RED),
        ("0.5,0.5,full,full", (400, 300), WHITE, WHITE),  # cut to the image
    ],
)
def test_rect_fractions_and_keywords(rect, size, top_left, bottom_right) -> None:
    img = run(QUADRANTS, f"rect={rect}").convert("RGB")
    assert img.size == size
    assert img.getpixel((1, 1)) == top_left
    assert img.getpixel((size[0] - 2, size[1] - 2)) == bottom_right


def test_rect_outside_is_refused() -> None:
    with pytest.raises(ParamError) as info:
        run(QUADRANTS, "rect=900,0,10,10")
    assert info.value.param == "rect"


# --- dpr, orient -------------------------------------------------------------------------


def test_dpr_below_one() -> None:
    assert run(PHOTO, "w=400&dpr=0.5", "jpg").size == (200, 150)
    assert run(PHOTO, "w=400&h=400&fit=crop&dpr=0.75", "jpg").size == (300, 300)


def test_orient_0_leaves_the_stored_pixels_alone() -> None:
    data = imagegen.jpeg_with_orientation(400, 200, 6)
    assert run(data, "", "jpg").size == (200, 400)  # the EXIF orientation, applied
    assert run(data, "orient=0", "jpg").size == (400, 200)
    assert run(data, "or=0", "jpg").size == (400, 200)


# --- fp-z, fp-debug ----------------------------------------------------------------------


def test_fp_z_zooms_on_the_focal_point() -> None:
    base = "fit=crop&crop=focalpoint&fp-x=0.25&fp-y=0.25&w=200&h=150"
    whole = run(QUADRANTS, base).convert("RGB")
    assert whole.getpixel((195, 145)) == WHITE  # zoom 1: the whole picture
    zoomed = run(QUADRANTS, base + "&fp-z=2").convert("RGB")
    assert zoomed.size == (200, 150)
    for point in ((2, 2), (195, 2), (2, 145), (195, 145)):  # the red quarter, doubled
        assert zoomed.getpixel(point) == RED


def test_fp_z_near_an_edge_stays_inside() -> None:
    img = run(QUADRANTS, "fit=crop&crop=focalpoint&fp-x=1&fp-y=1&fp-z=4&w=100&h=75")
    assert img.convert("RGB").getpixel((50, 37)) == WHITE


def test_fp_z_without_focalpoint_is_ignored() -> None:
    img = run(QUADRANTS, "fit=crop&w=200&h=150&fp-z=4").convert("RGB")
    assert img.getpixel((195, 145)) == WHITE


def test_fp_debug_draws_the_focal_point() -> None:
    grey = imagegen.encode(imagegen.solid(400, 300, (128, 128, 128)), "PNG")
    query = "fit=crop&crop=focalpoint&fp-x=0.5&fp-y=0.5&w=300&h=300"
    plain = run(grey, query).convert("RGB")
    marked = run(grey, query + "&fp-debug=true").convert("RGB")
    assert plain.getpixel((150, 150)) == (128, 128, 128)
    assert marked.getpixel((150, 150)) == CROSS[:3]  # the crosshair on the focal point
    assert marked.getpixel((100, 10)) != (128, 128, 128)  # a grid line at a third
    off = run(grey, "w=300&h=300&fp-debug=true").convert("RGB")  # imgix: only with focalpoint
    assert off.getpixel((150, 112)) == (128, 128, 128)


def test_fp_debug_follows_the_focal_point_into_the_crop() -> None:
    grey = imagegen.encode(imagegen.solid(800, 400, (128, 128, 128)), "PNG")
    img = run(grey, "fit=crop&crop=focalpoint&fp-x=0.1&fp-y=0.5&w=200&h=200&fp-debug=1")
    # the crop is pushed to the left edge: the point at 80 px of 800 -> 40 px of 200
    assert img.convert("RGB").getpixel((40, 100)) == CROSS[:3]


# --- rot, rot-type -----------------------------------------------------------------------


def test_rot_straighten_is_the_default_and_keeps_the_frame() -> None:
    data = imagegen.encode(imagegen.solid(200, 200, BLUE), "PNG")
    img = run(data, "rot=45").convert("RGBA")
    assert img.size == (200, 200)
    for point in ((0, 0), (199, 0), (0, 199), (199, 199)):  # zoomed in: no corner shows
        assert near(img.getpixel(point), (*BLUE, 255))


def test_rot_pivot_expands_the_canvas() -> None:
    data = imagegen.encode(imagegen.solid(200, 200, BLUE), "PNG")
    img = run(data, "rot=45&rot-type=pivot").convert("RGBA")
    assert img.width > 280
    assert img.getpixel((1, 1))[3] == 0
    assert run(data, "rot=30&rott=pivot").width > 250  # an alias


def test_rot_takes_decimals_and_turns_clockwise() -> None:
    data = imagegen.encode(imagegen.halves(200, 200, RED, BLUE), "PNG")  # red on top
    img = run(data, "rot=10.5").convert("RGB")
    assert img.size == (200, 200)
    # turned clockwise, the boundary rises on the left: just above the middle is blue there
    assert near(img.getpixel((20, 92)), BLUE, 40)
    assert near(img.getpixel((180, 108)), RED, 40)


def test_rot_quarter_turns_ignore_rot_type() -> None:
    data = imagegen.jpeg(400, 200)
    assert run(data, "rot=90", "jpg").size == (200, 400)
    assert run(data, "rot=90&rot-type=straighten", "jpg").size == (200, 400)


def test_straighten_of_a_transparent_picture() -> None:
    img = run(imagegen.png_alpha(200, 100), "rot=20")
    assert img.size == (200, 100)


# --- bg composited once ---------------------------------------------------------------------


def test_semi_transparent_bg_on_padding_is_composited_once() -> None:
    opaque = imagegen.encode(imagegen.solid(400, 300, GREEN), "PNG")
    img = run(opaque, "w=800&h=800&fit=fill&bg=80ff0000").convert("RGBA")
    r, g, b, a = img.getpixel((400, 20))  # padding above the picture
    assert (r, g, b) == RED and abs(a - 128) <= 1


def test_semi_transparent_bg_on_rotation_corners_is_composited_once() -> None:
    opaque = imagegen.encode(imagegen.solid(200, 200, GREEN), "PNG")
    img = run(opaque, "rot=45&rot-type=pivot&bg=80ff0000").convert("RGBA")
    assert abs(img.getpixel((1, 1))[3] - 128) <= 1


def test_semi_transparent_bg_over_transparent_pixels_and_on_jpeg() -> None:
    img = run(imagegen.png_alpha(400, 300), "w=400&h=400&fit=fill&bg=80ff0000").convert("RGBA")
    assert abs(img.getpixel((200, 10))[3] - 128) <= 1
    flat = run(imagegen.jpeg(400, 300), "w=400&h=400&fit=fill&bg=80ff0000", "jpg")
    assert near(flat.getpixel((200, 10)), RED)


def test_colour_keywords_work_for_bg() -> None:
    img = run(imagegen.png_alpha(40, 30), "w=40&h=60&fit=fill&bg=cornflowerblue", "jpg")
    assert near(img.getpixel((20, 2)), (100, 149, 237))
