"""Blending: the sixteen modes, colour and image blends, sizing, placement, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests import imagegen
from tests.transforms.test_adjust import LIMITS, pairs, pixel
from transforms.blend_modes import MODES, blend_pixels
from transforms.dialects.imgix import parse_params
from transforms.errors import ParamError
from transforms.marks import MarkData
from transforms.pipeline import render
from transforms.spec import Limits
from transforms.spec.blend import BLEND_MODES

BASE = (200, 100, 50)


def blended(query: str, base: Image.Image | None = None, marks=None, fmt: str = "png"):
    img = base or Image.new("RGB", (100, 80), BASE)
    spec = parse_params(pairs(query), LIMITS)
    out = render(imagegen.encode(img, "PNG"), spec, fmt, LIMITS, marks=marks or {})
    return imagegen.open_bytes(out.data)


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 2) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


# base (200, 100, 50) under a (100, 150, 200) layer, by the W3C formulas (worked by hand).
EXPECTED = {
    "normal": (100, 150, 200),
    "multiply": (78, 59, 39),
    "screen": (222, 191, 211),
    "overlay": (188, 118, 78),  # hard light with the roles swapped
    "darken": (100, 100, 50),
    "lighten": (200, 150, 200),
    "dodge": (255, 242, 232),
    "burn": (115, 0, 0),
    "hardlight": (157, 127, 167),
    "softlight": (191, 111, 86),
    "difference": (100, 50, 150),
    "exclusion": (143, 132, 172),
}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_separable_modes(mode: str) -> None:
    out = blended(f"blend=6496c8&blend-mode={mode}")
    assert near(pixel(out, (5, 5)), EXPECTED[mode], 3), (mode, pixel(out, (5, 5)))


def test_non_separable_modes_keep_what_they_name() -> None:
    luma = np.array([0.3, 0.59, 0.11])

    def lum(c):
        return float(np.dot(np.array(c[:3]) / 255, luma))

    def sat(c):
        return (max(c[:3]) - min(c[:3])) / 255

    layer = (100, 150, 200)
    for mode, keeps_lum_of in (("hue", BASE), ("saturation", BASE), ("color", BASE),
                               ("luminosity", layer)):
        out = pixel(blended(f"blend=6496c8&blend-mode={mode}"), (5, 5))
        assert abs(lum(out) - lum(keeps_lum_of)) < 0.02, mode
    saturated = pixel(blended("blend=6496c8&blend-mode=saturation"), (5, 5))
    assert abs(sat(saturated) - sat(layer)) < 0.03
    hue = pixel(blended("blend=6496c8&blend-mode=hue"), (5, 5))
    assert hue[2] > hue[1] > hue[0]  # the layer's hue (blue) on the base's lightness


def test_every_mode_is_defined() -> None:
    assert set(MODES) == set(BLEND_MODES) and len(BLEND_MODES) == 16
    base = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    layer = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    for mode in BLEND_MODES:
        opaque = np.full((8, 8, 1), 255, np.uint8)
        out = blend_pixels(base, layer, opaque, 1.0, mode)
        assert out.shape == base.shape and out.dtype == np.uint8
        assert (blend_pixels(base, layer, opaque, 0.0, mode) == base).all()
        assert (blend_pixels(base, layer, opaque * 0, 1.0, mode) == base).all()


def test_default_mode_is_overlay_and_alpha_mixes() -> None:
    assert near(pixel(blended("blend=6496c8"), (5, 5)), EXPECTED["overlay"], 3)
    half = pixel(blended("blend=6496c8&blend-mode=normal&blend-alpha=50"), (5, 5))
    assert near(half, (150, 125, 125), 3)
    colour_alpha = pixel(blended("blend=806496c8&blend-mode=normal"), (5, 5))
    assert near(colour_alpha, (150, 125, 125), 3)  # the colour's own alpha, imgix writes first
    assert near(pixel(blended("blend-color=6496c8&blend-mode=normal"), (5, 5)), (100, 150, 200))


def test_picture_alpha_is_kept() -> None:
    img = Image.new("RGBA", (40, 40), (200, 100, 50, 0))
    img.paste((200, 100, 50, 255), (0, 0, 20, 40))
    out = blended("blend=000&blend-mode=normal", img)
    assert pixel(out, (30, 5))[3] == 0 and near(pixel(out, (5, 5)), (0, 0, 0, 255))


def layer_marks(img: Image.Image, path: str = "/layer.png") -> dict[str, MarkData]:
    return {path: MarkData(imagegen.encode(img, "PNG"), f"test:{path}:{img.size}")}


RED_LAYER = Image.new("RGB", (20, 10), (255, 0, 0))


def red_box(out: Image.Image) -> tuple[int, int, int, int] | None:
    red = out.convert("RGB").point(lambda v: 255 if v > 200 else 0).split()
    only_red = Image.merge("RGB", red).convert("L").point(lambda v: 255 if v == 76 else 0)
    return only_red.getbbox()


def test_image_blend_is_centred_at_its_own_size() -> None:
    out = blended("blend=/layer.png&blend-mode=normal", marks=layer_marks(RED_LAYER))
    base = Image.new("RGB", (100, 80), BASE)
    assert out.size == base.size
    assert near(pixel(out, (50, 40)), (255, 0, 0)) and near(pixel(out, (5, 5)), BASE)
    assert red_box(out) == (40, 35, 60, 45)


@pytest.mark.parametrize(
    ("query", "box"),
    [
        ("&blend-align=top,left", (0, 0, 20, 10)),
        ("&blend-align=bottom,right&blend-pad=5", (75, 65, 95, 75)),
        ("&blend-x=10&blend-y=20", (10, 20, 30, 30)),
        ("&blend-w=40&blend-align=top,left", (0, 0, 40, 20)),  # clip keeps the shape
        ("&blend-w=40&blend-h=40&blend-fit=scale&blend-align=top,left", (0, 0, 40, 40)),
        ("&blend-w=40&blend-h=40&blend-fit=crop&blend-align=top,left", (0, 0, 40, 40)),
        ("&blend-w=0.5&blend-align=top,left", (0, 0, 50, 25)),
        ("&blend-w=40&blend-fit=max&blend-align=top,left", (0, 0, 20, 10)),  # never enlarged
        ("&blend-size=inherit", (0, 15, 100, 65)),  # fit inside the picture
    ],
)
def test_image_blend_size_and_place(query: str, box) -> None:
    out = blended("blend=/layer.png&blend-mode=normal" + query, marks=layer_marks(RED_LAYER))
    assert red_box(out) == box


def test_blend_fit_clamp_extends_edges() -> None:
    layer = Image.new("RGB", (20, 10), (255, 0, 0))
    layer.paste((0, 0, 255), (0, 0, 20, 1))  # a blue top row
    q = "blend=/layer.png&blend-mode=normal&blend-w=40&blend-h=40&blend-fit=clamp"
    out = blended(q + "&blend-align=top,left", marks=layer_marks(layer))
    assert near(pixel(out, (20, 2)), (0, 0, 255))  # the top row, repeated upwards
    assert near(pixel(out, (20, 25)), (255, 0, 0))


def test_blend_crop_picks_the_part() -> None:
    layer = Image.new("RGB", (40, 10), (255, 0, 0))
    layer.paste((0, 0, 255), (30, 0, 40, 10))  # blue right end
    q = "blend=/layer.png&blend-mode=normal&blend-w=10&blend-h=10&blend-fit=crop"
    left = blended(q + "&blend-align=top,left&blend-crop=left", marks=layer_marks(layer))
    right = blended(q + "&blend-align=top,left&blend-crop=right", marks=layer_marks(layer))
    assert near(pixel(left, (5, 5)), (255, 0, 0)) and near(pixel(right, (5, 5)), (0, 0, 255))


def test_image_blend_not_fetched_or_not_an_image() -> None:
    with pytest.raises(ParamError) as info:
        blended("blend=/layer.png")
    assert info.value.param == "blend"
    bad = {"/layer.png": MarkData(b"nope", "v")}
    with pytest.raises(ParamError) as info:
        blended("blend=/layer.png", marks=bad)
    assert info.value.param == "blend"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("blend-mode=multiply", "blend-mode"), ("blend=f00&blend-mode=mix", "blend-mode"),
        ("blend=f00&blend-alpha=101", "blend-alpha"), ("blend=f00&blend-color=00f", "blend-color"),
        ("blend=f00&blend-w=10", "blend-w"), ("blend-color=f00&blend-x=3", "blend-x"),
        ("blend=/a.png&blend-w=0", "blend-w"), ("blend=/a.png&blend-h=9000", "blend-h"),
        ("blend=/a.png&blend-fit=fill", "blend-fit"), ("blend=/a.png&blend-crop=top", "blend-crop"),
        ("blend=/a.png&blend-fit=crop&blend-crop=top,bottom", "blend-crop"),
        ("blend=/a.png&blend-align=up", "blend-align"),
        ("blend=/a.png&blend-size=cover", "blend-size"),
        ("blend=/a.png&blend-pad=-1", "blend-pad"), ("blend=", "blend"),
    ],
)
def test_bad_values_name_the_parameter(query: str, name: str) -> None:
    with pytest.raises(ParamError) as info:
        parse_params(pairs(query), LIMITS)
    assert info.value.param == name


def test_blend_size_inherit_crops_when_the_url_crops() -> None:
    q = "w=50&h=50&fit=crop&blend=/layer.png&blend-mode=normal&blend-size=inherit"
    out = blended(q, marks=layer_marks(RED_LAYER))
    assert out.size == (50, 50)
    assert red_box(out) == (0, 0, 50, 50)  # the 2:1 layer covers the square, cut to it


def test_a_blend_image_over_the_output_limit_is_scaled_down_not_refused() -> None:
    small = Limits(max_output_pixels=100 * 80)
    spec = parse_params(pairs("blend=/layer.png&blend-mode=normal&blend-w=8192"), small)
    out = render(imagegen.encode(Image.new("RGB", (100, 80), BASE), "PNG"), spec, "png", small,
                 marks=layer_marks(RED_LAYER))
    img = imagegen.open_bytes(out.data)
    assert img.size == (100, 80)  # the picture is unchanged in size
    assert near(pixel(img, (50, 40)), (255, 0, 0))  # and covered by the (clamped) blend
