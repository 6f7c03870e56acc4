"""ImageKit's crop variants that never enlarge: c-maintain_ratio_no_enlarge (imgix's
fit=min) and cm-pad_resize_no_enlarge (imgix's fit=fillmax); cm-pad_extract_no_shrink is
not built and answers 400."""

from __future__ import annotations

import pytest
from PIL import Image

from tests import imagegen
from tests.imagegen import open_bytes
from transforms.dialects.imagekit import parse_imagekit
from transforms.errors import ParamError
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()
BLUE, WHITE, RED = (0, 0, 255), (255, 255, 255), (255, 0, 0)
SMALL = imagegen.encode(imagegen.solid(100, 50, BLUE), "PNG")


def rendered(data: bytes, tr: str) -> Image.Image:
    chain = parse_imagekit(None, [("tr", tr)], LIMITS)
    return open_bytes(render(data, chain, "png", LIMITS).data).convert("RGB")


def test_maintain_ratio_no_enlarge_keeps_the_shape_at_the_original_scale():
    # Asked for 400 x 400 of a 100 x 50: the largest square of it, not enlarged.
    assert rendered(SMALL, "w-400,h-400,c-maintain_ratio_no_enlarge").size == (50, 50)
    assert rendered(SMALL, "w-400,h-400,c-maintain_ratio").size == (400, 400)
    # Smaller than the original, it crops and scales as c-maintain_ratio does.
    assert rendered(SMALL, "w-40,h-10,c-maintain_ratio_no_enlarge").size == (40, 10)


def test_maintain_ratio_no_enlarge_takes_fo():
    halves = imagegen.encode(imagegen.halves(100, 50, RED, BLUE, vertical=False), "PNG")
    left = rendered(halves, "w-400,h-400,c-maintain_ratio_no_enlarge,fo-left")
    right = rendered(halves, "w-400,h-400,c-maintain_ratio_no_enlarge,fo-right")
    assert left.getpixel((25, 25)) == RED and right.getpixel((25, 25)) == BLUE


def test_pad_resize_no_enlarge_pads_the_picture_as_it_is():
    out = rendered(SMALL, "w-400,h-400,cm-pad_resize_no_enlarge")
    assert out.size == (400, 400)
    assert out.getpixel((200, 200)) == BLUE and out.getpixel((100, 200)) == WHITE  # 100 wide
    assert out.getpixel((200, 170)) == WHITE  # 50 high, centred
    enlarged = rendered(SMALL, "w-400,h-400,cm-pad_resize")
    assert enlarged.getpixel((100, 200)) == BLUE  # pad_resize fills the width


def test_pad_resize_no_enlarge_takes_fo_and_bg():
    top = rendered(SMALL, "w-400,h-400,cm-pad_resize_no_enlarge,fo-top,bg-FF0000")
    assert top.getpixel((200, 10)) == BLUE and top.getpixel((200, 300)) == RED
    shrunk = rendered(SMALL, "w-50,h-50,cm-pad_resize_no_enlarge")
    assert shrunk.size == (50, 50) and shrunk.getpixel((25, 25)) == BLUE
    assert shrunk.getpixel((25, 2)) == WHITE  # 50 x 25 inside 50 x 50


def test_pad_extract_no_shrink_is_not_built():
    with pytest.raises(ParamError) as err:
        parse_imagekit(None, [("tr", "w-400,h-400,cm-pad_extract_no_shrink")], LIMITS)
    assert err.value.param == "cm"
