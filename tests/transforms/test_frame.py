"""Border, padding, fill, mask, trim and the transparency grid: sizes and pixels."""

from __future__ import annotations

import pytest
from PIL import Image

from tests import imagegen
from tests.transforms.test_adjust import LIMITS, pairs, pixel, render_query
from transforms.dialects.imgix import parse_params
from transforms.errors import ParamError
from transforms.gradients import colour_ramp
from transforms.pipeline import render
from transforms.spec import Limits

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 255)
GREY = (128, 128, 128)


def grey(w: int = 400, h: int = 300) -> Image.Image:
    return Image.new("RGB", (w, h), GREY)


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 4) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


# --- border and padding -----------------------------------------------------------


def test_border_without_size_is_added_around() -> None:
    out = render_query(grey(), "border=10,ff0000")
    assert out.size == (420, 320)
    assert near(pixel(out, (5, 160)), RED) and near(pixel(out, (15, 160)), GREY)


def test_border_sides_override_the_size() -> None:
    out = render_query(grey(), "border=10,ff0000&border-top=30&border-left=0")
    assert out.size == (410, 340)
    assert near(pixel(out, (200, 25)), RED) and near(pixel(out, (2, 200)), GREY)


def test_border_and_padding_fit_inside_the_requested_size() -> None:
    out = render_query(grey(), "w=200&h=200&fit=crop&border=10,ff0000&pad=10&bg=00ff00")
    assert out.size == (200, 200)
    assert near(pixel(out, (5, 100)), RED)
    assert near(pixel(out, (15, 100)), GREEN)  # padding inside the border, in bg
    assert near(pixel(out, (25, 100)), GREY)
    clip = render_query(grey(), "w=200&h=200&pad=20")
    assert clip.size == (200, 160)  # a 160 x 120 picture plus 20 each side


def test_padding_sides_and_default_colour() -> None:
    out = render_query(grey(), "pad=10&pad-left=30", fmt="png")
    assert out.size == (440, 320)
    assert out.mode == "RGBA" and pixel(out, (20, 100))[3] == 0  # transparent by default
    jpeg = render_query(grey(), "pad=10", fmt="jpg")
    assert near(pixel(jpeg, (3, 100)), WHITE, 8)


def test_padding_scales_with_dpr() -> None:
    out = render_query(grey(), "w=100&dpr=2&pad=10&bg=ff0000")
    assert out.width == 200
    assert near(pixel(out, (18, 75)), RED) and near(pixel(out, (22, 75)), GREY)


def test_border_radius_and_inner_radius() -> None:
    out = render_query(grey(200, 200), "border=10,ff0000&border-radius=60", fmt="png")
    assert pixel(out, (2, 2))[3] == 0  # outside the rounded outer corner
    assert near(pixel(out, (110, 5)), RED)
    inner = render_query(grey(200, 200), "border=10,ff0000&border-radius-inner=40")
    assert near(pixel(inner, (12, 12)), RED)  # the picture's corner is rounded off
    assert near(pixel(inner, (110, 110)), GREY)


def test_border_stroke() -> None:
    out = render_query(grey(), "border=10,ff0000&border-stroke-size=3&border-stroke-color=0000ff")
    assert near(pixel(out, (1, 160)), BLUE) and near(pixel(out, (6, 160)), RED)
    plain = render_query(grey(), "border=10,ff0000&border-stroke-size=3")
    assert near(pixel(plain, (1, 160)), RED)  # the default stroke colour is transparent


def test_frame_making_the_output_too_large_is_scaled_down_to_fit() -> None:
    # As imgix clamps: picture + border over the limit shrinks the picture, not the border.
    small = Limits(max_output_pixels=400 * 300)
    spec = parse_params(pairs("border=10,000"), small)
    out = render(imagegen.encode(grey(), "PNG"), spec, "png", small)
    assert out.width * out.height <= 400 * 300 and out.width > 390
    img = imagegen.open_bytes(out.data).convert("RGB")
    assert img.getpixel((5, out.height // 2)) == (0, 0, 0)  # the border is still 10 px
    assert img.getpixel((12, out.height // 2)) != (0, 0, 0)


def test_frame_alone_over_the_limits_is_refused() -> None:
    tiny = Limits(max_output_pixels=50 * 50)
    spec = parse_params(pairs("border=30,000"), tiny)
    with pytest.raises(ParamError) as info:
        render(imagegen.encode(grey(), "PNG"), spec, "png", tiny)
    assert info.value.param == "border" and "over the output limits" in str(info.value)


def test_frame_leaving_no_room_is_refused() -> None:
    with pytest.raises(ParamError) as info:
        render_query(grey(), "w=20&h=20&pad=10")
    assert info.value.param == "pad"


# --- fill ----------------------------------------------------------------------------


def test_fill_solid() -> None:
    out = render_query(grey(400, 200), "w=200&h=200&fit=fill&fill=solid&fill-color=ff0000")
    assert out.size == (200, 200)
    assert near(pixel(out, (100, 10)), RED) and near(pixel(out, (100, 100)), GREY)


def test_fill_blur_shows_the_picture_behind() -> None:
    img = Image.new("RGB", (400, 200), RED)
    img.paste(BLUE, (0, 0, 200, 200))
    out = render_query(img, "w=200&h=300&fit=fill&fill=blur")
    assert out.size == (200, 300)
    top_left, top_right = pixel(out, (20, 10)), pixel(out, (180, 10))
    assert top_left[2] > top_left[0] and top_right[0] > top_right[2]  # blue left, red right


def test_fill_gradient_linear_and_direction() -> None:
    q = "w=200&h=200&fit=fill&fill=gradient&fill-gradient-linear=ff0000,0000ff"
    out = render_query(grey(400, 100), q)
    assert near(pixel(out, (100, 0)), RED, 6) and near(pixel(out, (100, 199)), BLUE, 6)
    side = render_query(grey(100, 400), q + "&fill-gradient-linear-direction=left")
    assert near(pixel(side, (199, 100)), RED, 6) and near(pixel(side, (0, 100)), BLUE, 6)


def test_fill_gradient_without_colours_takes_the_pictures_vibrant_dark_and_light() -> None:
    # imgix: without fill-gradient-linear, color1 is the image's vibrant dark, color2 its
    # vibrant light.
    img = Image.new("RGB", (400, 100), (0, 0, 120))
    img.paste((255, 150, 150), (200, 0, 400, 100))
    out = render_query(img, "w=200&h=200&fit=fill&fill=gradient")
    assert near(pixel(out, (100, 0)), (0, 0, 120), 24)
    assert near(pixel(out, (100, 199)), (255, 150, 150), 24)
    radial = render_query(img, "w=200&h=200&fit=fill&fill=gradient&fill-gradient-type=radial")
    assert near(pixel(radial, (0, 0)), (255, 150, 150), 24)  # the edge: color2
    plain = render_query(grey(400, 100), "w=200&h=200&fit=fill&fill=gradient")
    assert near(pixel(plain, (100, 0)), (0, 0, 0)) and near(pixel(plain, (100, 199)), WHITE)


def test_grid_size_zero_is_the_finest_grid() -> None:
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    out = render_query(img, "transparency=grid&grid-size=0&fm=png")
    assert pixel(out, (0, 0)) != pixel(out, (1, 0)) and pixel(out, (0, 0)) == pixel(out, (1, 1))


def test_fill_gradient_radial() -> None:
    q = (
        "w=200&h=200&fit=fill&fill=gradient&fill-gradient-type=radial"
        "&fill-gradient-radial=ffffff,000000&fill-gradient-radial-radius=0.1,0.5"
        "&fill-gradient-radial-y=0.1"
    )
    out = render_query(grey(200, 20), q)  # a band across the middle
    assert near(pixel(out, (100, 20)), WHITE, 6)  # the centre, a tenth down
    assert near(pixel(out, (100, 199)), (0, 0, 0), 6)


def test_colour_spaces_shape_the_ramp() -> None:
    srgb = colour_ramp((255, 0, 0, 255), (0, 0, 255, 255), "srgb", 3)
    linear = colour_ramp((255, 0, 0, 255), (0, 0, 255, 255), "linear", 3)
    hsl = colour_ramp((255, 0, 0, 255), (0, 0, 255, 255), "hsl", 3)
    assert tuple(srgb[1][:3]) == (128, 0, 128)
    assert linear[1][0] > 180  # half the light is brighter than half the value
    assert tuple(hsl[1][:3]) == (255, 0, 255)  # red to blue the short way: magenta
    for space in ("oklab", "lch"):
        ramp = colour_ramp((0, 0, 0, 255), (255, 255, 255, 255), space, 5)
        assert tuple(ramp[0][:3]) == (0, 0, 0) and tuple(ramp[-1][:3]) == (255, 255, 255)


# --- mask ------------------------------------------------------------------------------


def test_mask_ellipse_is_transparent_outside() -> None:
    out = render_query(grey(200, 200), "mask=ellipse")
    assert out.mode == "RGBA"
    assert pixel(out, (2, 2))[3] == 0 and pixel(out, (100, 100))[3] == 255
    assert pixel(out, (100, 1))[3] > 128  # the top of the circle
    jpeg = render_query(grey(200, 200), "mask=ellipse", fmt="jpg")
    assert near(pixel(jpeg, (2, 2)), WHITE, 8)


def test_mask_corners_radius_and_bg() -> None:
    out = render_query(grey(200, 200), "mask=corners&corner-radius=50&mask-bg=ff0000")
    assert near(pixel(out, (5, 5)), RED) and near(pixel(out, (30, 30)), GREY)
    default = render_query(grey(200, 100), "mask=corners")  # 20% of 100: radius 20
    assert pixel(default, (3, 3))[3] == 0 and pixel(default, (12, 12))[3] == 255
    per_corner = render_query(grey(200, 200), "mask=corners&corner-radius=0,50,0,0")
    assert pixel(per_corner, (1, 1))[3] == 255 and pixel(per_corner, (198, 1))[3] == 0


# --- trim ------------------------------------------------------------------------------


def framed(border: tuple[int, int, int], inner: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", (400, 300), border)
    img.paste(imagegen.photo(200, 100).point(lambda v: v // 2 + 60), (100, 50))
    img.paste(inner, (100, 50, 110, 60))
    return img


def test_trim_color_cuts_the_border() -> None:
    out = render_query(framed(WHITE, RED), "trim=color")
    assert out.size == (200, 100)
    assert near(pixel(out, (2, 2)), RED)
    assert render_query(framed(WHITE, RED), "trim=color&trim-color=000000").size == (400, 300)


def test_trim_tolerance_and_pad() -> None:
    img = framed((250, 250, 250), RED)
    img.paste((240, 240, 240), (0, 0, 400, 20))  # a slightly different band at the top
    assert render_query(img, "trim=color").size == (400, 280)
    assert render_query(img, "trim=color&trim-tol=12").size == (200, 100)
    assert render_query(img, "trim=color&trim-tol=12&trim-pad=10").size == (220, 120)


def test_trim_auto_then_size() -> None:
    out = render_query(framed((20, 20, 20), RED), "trim=auto&w=100")
    assert out.size == (100, 50)


def test_trim_alpha() -> None:
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (50, 100, 150, 150))
    img.paste((0, 0, 255, 10), (200, 200, 250, 250))  # faint
    assert render_query(img, "trim=alpha").size == (200, 150)
    assert render_query(img, "trim=alpha&trim-alpha=20").size == (100, 50)
    assert render_query(img, "trim=colorunlessalpha&trim-alpha=20").size == (100, 50)
    assert render_query(framed(WHITE, RED), "trim=colorunlessalpha").size == (200, 100)


# --- transparency grid -------------------------------------------------------------------


def test_transparency_grid() -> None:
    img = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    out = render_query(img, "transparency=grid&grid-size=10&grid-colors=ff0000,0000ff")
    assert out.mode == "RGB"
    assert near(pixel(out, (5, 5)), RED) and near(pixel(out, (15, 5)), BLUE)
    assert near(pixel(out, (15, 15)), RED)
    default = render_query(img, "transparency=grid")
    assert near(pixel(default, (1, 1)), (208, 215, 221)) and near(pixel(default, (5, 1)), WHITE)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("border=10", "border"), ("border=x,fff", "border"), ("border=10,zz", "border"),
        ("border-top=5", "border-top"), ("border=1,fff&border-left=-1", "border-left"),
        ("border=1,fff&border-radius=1,2", "border-radius"),
        ("border-radius-inner=3", "border-radius-inner"),
        ("border=1,fff&border-stroke-color=f00", "border-stroke-color"),
        ("pad=-1", "pad"), ("pad-top=x", "pad-top"), ("pad=5000", "pad"),
        ("w=10&h=10&fit=fill&fill=gen", "fill"), ("w=10&h=10&fit=fill&fill=paint", "fill"),
        ("fill=solid", "fill"),  # without fit=fill
        ("fill-color=fff", "fill-color"),
        ("w=10&h=10&fit=fill&fill=solid&fill-gradient-cs=oklab", "fill-gradient-cs"),
        ("w=1&h=1&fit=fill&fill=gradient&fill-gradient-linear=f00", "fill-gradient-linear"),
        ("w=1&h=1&fit=fill&fill=gradient&fill-gradient-linear=f00,00f"
         "&fill-gradient-linear-direction=up", "fill-gradient-linear-direction"),
        ("w=1&h=1&fit=fill&fill=gradient&fill-gradient-linear=f00,00f"
         "&fill-gradient-radial-x=9000", "fill-gradient-radial-x"),
        ("w=1&h=1&fit=fill&fill=gradient&fill-gradient-linear=f00,00f"
         "&fill-gradient-cs=cmyk", "fill-gradient-cs"),
        ("mask=", "mask"), ("mask-bg=fff", "mask-bg"),
        ("mask=ellipse&corner-radius=5", "corner-radius"),
        ("mask=corners&corner-radius=-5", "corner-radius"),
        ("trim=edges", "trim"), ("trim-tol=5", "trim-tol"),
        ("trim=color&trim-tol=300", "trim-tol"),
        ("trim=auto&trim-pad=201", "trim-pad"), ("trim=alpha&trim-alpha=256", "trim-alpha"),
        ("transparency=checker", "transparency"), ("grid-size=8", "grid-size"),
        ("transparency=grid&grid-size=-1", "grid-size"),
        ("transparency=grid&grid-colors=fff", "grid-colors"),
    ],
)
def test_bad_values_name_the_parameter(query: str, name: str) -> None:
    with pytest.raises(ParamError) as info:
        parse_params(pairs(query), LIMITS)
    assert info.value.param == name
