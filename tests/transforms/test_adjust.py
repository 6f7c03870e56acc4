"""Adjustments and stylize (bri ... px, auto=enhance): each parameter's effect on pixels."""

from __future__ import annotations

import pytest
from PIL import Image, ImageStat

from tests import imagegen
from transforms.dialects.imgix import parse_params
from transforms.errors import ParamError
from transforms.pipeline import render
from transforms.spec import Limits
from transforms.steps.adjust import tone_table

LIMITS = Limits()
GREY = (128, 128, 128)


def pairs(query: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) for p in query.split("&")]  # type: ignore[misc]


def render_query(img: Image.Image, query: str, fmt: str = "png") -> Image.Image:
    out = render(imagegen.encode(img, "PNG"), parse_params(pairs(query), LIMITS), fmt, LIMITS)
    return imagegen.open_bytes(out.data)


def pixel(img: Image.Image, xy: tuple[int, int] = (5, 5)) -> tuple[int, ...]:
    value = img.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def solid(colour: tuple[int, ...], size: tuple[int, int] = (40, 30)) -> Image.Image:
    return Image.new("RGB", size, colour[:3])


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


@pytest.mark.parametrize(
    ("query", "before", "after"),
    [
        ("bri=20", GREY, (179, 179, 179)),  # +51 levels
        ("bri=-100", GREY, (0, 0, 0)),
        ("con=-100", (30, 200, 90), (128, 128, 128)),  # flat grey
        ("con=100", (100, 150, 128), (72, 172, 128)),  # twice as far from grey
        ("exp=100", (60, 60, 60), (120, 120, 120)),  # one stop up
        ("exp=-100", (200, 200, 200), (100, 100, 100)),
        ("gam=100", (64, 64, 64), (128, 128, 128)),  # (1/4) ^ 0.5 = 1/2
        ("gam=-100", (128, 128, 128), (64, 64, 64)),
        ("shad=100", (0, 0, 0), (64, 64, 64)),
        ("shad=100", (200, 200, 200), (200, 200, 200)),  # the light half is left alone
        ("high=-100", (255, 255, 255), (191, 191, 191)),
        ("high=-100", (60, 60, 60), (60, 60, 60)),  # the dark half is left alone
        ("invert=true", (10, 100, 250), (245, 155, 5)),
        ("invert=false", (10, 100, 250), (10, 100, 250)),
        ("hue=120", (200, 0, 0), (0, 200, 0)),  # red turned a third becomes green
        ("hue=240", (200, 0, 0), (0, 0, 200)),  # hue is kept in 256 steps: within 6
        ("sat=-100", (200, 100, 50), (124, 124, 124)),  # grey of the same luminance
        ("sat=100", (150, 100, 100), (185, 85, 85)),  # twice as far from its grey
        ("monochrome=ff0000", (128, 128, 128), (255, 0, 0)),  # mid-grey takes the tint
        ("monochrome=ff0000", (255, 255, 255), (255, 255, 255)),
        ("monochrome=80ff0000", (128, 128, 128), (192, 64, 64)),  # alpha: half strength
        ("sepia=100", (100, 100, 100), (135, 120, 93)),
        ("sepia=0", (100, 100, 100), (100, 100, 100)),
        ("duotone=000080,ffa07a", (0, 0, 0), (0, 0, 128)),  # shadows take the first colour
        ("duotone=000080,ffa07a", (255, 255, 255), (255, 160, 122)),
        ("duotone=000080,ffa07a&duotone-alpha=50", (0, 0, 0), (0, 0, 64)),
    ],
)
def test_colour_parameters(query: str, before: tuple[int, ...], after: tuple[int, ...]) -> None:
    out = render_query(solid(before), query).convert("RGB")
    assert near(pixel(out), after, 6 if query.startswith("hue") else 3), (query, pixel(out))


def test_a_whole_turn_of_hue_changes_nothing() -> None:
    assert near(pixel(render_query(solid((200, 30, 60)), "hue=360")), (200, 30, 60), 3)


def test_tone_table_is_identity_by_default() -> None:
    assert tone_table(parse_params([], LIMITS).adjust) is None


def test_vibrance_favours_dull_colours() -> None:
    dull, vivid = (140, 120, 120), (250, 20, 20)
    img = Image.new("RGB", (40, 20), dull)
    img.paste(vivid, (20, 0, 40, 20))
    out = render_query(img, "vib=100")
    dull_out, vivid_out = pixel(out, (5, 5)), pixel(out, (35, 5))
    assert dull_out[0] - dull_out[1] > 30  # 20 levels of colour, now over 30
    assert near(vivid_out, vivid, 6)
    less = pixel(render_query(img, "vib=-100"), (5, 5))
    assert less[0] - less[1] < 10


def test_alpha_survives_adjustments() -> None:
    img = Image.new("RGBA", (40, 30), (200, 50, 50, 0))
    img.paste((200, 50, 50, 255), (0, 0, 20, 30))
    out = render_query(img, "bri=20&sat=-100&invert=true&sepia=50")
    assert out.mode == "RGBA"
    assert pixel(out, (30, 5))[3] == 0 and pixel(out, (5, 5))[3] == 255


def test_auto_enhance_stretches_levels() -> None:
    grey = imagegen.photo(200, 150).convert("L").convert("RGB")
    low = grey.point(lambda v: 80 + v // 4)  # levels squeezed into 80-143
    for word in ("enhance", "true"):
        out = render_query(low, f"auto={word}").convert("L")
        lo, hi = out.getextrema()
        assert lo < 20 and hi > 235, word


def test_auto_words_merge_with_format() -> None:
    spec = parse_params([("auto", "format,enhance")], LIMITS)
    assert spec.output.auto == {"format", "enhance"}


def edge_strength(img: Image.Image) -> float:
    """How much neighbouring columns differ, across a vertical edge in the middle."""
    row = [pixel(img, (x, 10))[0] for x in range(img.width)]
    return max(abs(a - b) for a, b in zip(row, row[1:], strict=False))


def halves() -> Image.Image:
    img = Image.new("RGB", (80, 20), (80, 80, 80))
    img.paste((170, 170, 170), (40, 0, 80, 20))
    return img


def overshoot(img: Image.Image) -> int:
    row = [pixel(img, (x, 10))[0] for x in range(img.width)]
    return max(row) - 170 + 80 - min(row)


def test_unsharp_mask_overshoots_edges_and_negative_softens() -> None:
    sharp = render_query(halves(), "usm=100&usmrad=2")
    assert overshoot(sharp) > 40
    soft = render_query(halves(), "usm=-100&usmrad=3")
    assert edge_strength(soft) < 60  # the 90-level step is spread out
    assert overshoot(render_query(halves(), "sharp=50.5")) > 20


def test_noise_reduction_smooths_noise_and_keeps_edges() -> None:
    noisy = Image.effect_noise((80, 40), 6).convert("RGB")  # grey noise, small differences
    out = render_query(noisy, "nr=100&nrs=0")
    before = ImageStat.Stat(noisy).stddev[0]
    after = ImageStat.Stat(out).stddev[0]
    assert after < before * 0.7
    edge = render_query(halves(), "nr=100&nrs=0")
    assert edge_strength(edge) >= 85  # a 90-level step is not noise
    assert overshoot(render_query(halves(), "nr=10&nrs=100")) > 20  # edges are sharpened
    assert overshoot(render_query(halves(), "nr=10")) > 5  # nrs defaults to 20


def test_halftone_makes_dots() -> None:
    out = render_query(solid(GREY, (200, 200)), "htn=50").convert("L")
    colours = {v for v, n in enumerate(out.histogram()) if n}
    assert colours <= {0, 255}  # ink or paper, nothing between
    dark = out.histogram()[0] / (200 * 200)
    assert 0.3 < dark < 0.7  # mid-grey needs about half the area inked


def test_pixellate_makes_blocks_of_one_colour() -> None:
    out = render_query(imagegen.photo(100, 100), "px=10")
    block = out.crop((10, 10, 20, 20)).convert("RGB")
    assert len(block.getcolors(100) or []) == 1
    assert block.getpixel((0, 0)) != out.crop((20, 10, 30, 20)).getpixel((0, 0))


def test_pixellate_blocks_scale_with_dpr() -> None:
    out = render_query(imagegen.photo(100, 100), "w=100&dpr=2&px=10")
    assert out.width == 200
    assert len(out.crop((20, 20, 40, 40)).getcolors(100) or []) == 1


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("bri=101", "bri"), ("bri=x", "bri"), ("con=-101", "con"), ("exp=1.5", "exp"),
        ("gam=200", "gam"), ("high=10", "high"), ("shad=-1", "shad"), ("shad=101", "shad"),
        ("hue=361", "hue"), ("hue=-1", "hue"), ("sat=150", "sat"), ("vib=-101", "vib"),
        ("invert=yes", "invert"), ("usm=101", "usm"), ("usmrad=-1", "usmrad"),
        ("usmrad=1000", "usmrad"), ("nr=101", "nr"), ("nrs=-101", "nrs"), ("sharp=100.5", "sharp"),
        ("monochrome=zz", "monochrome"), ("sepia=101", "sepia"), ("duotone=000", "duotone"),
        ("duotone=000,fff,f00", "duotone"), ("duotone-alpha=101", "duotone-alpha"),
        ("htn=101", "htn"), ("px=-3", "px"), ("px=101", "px"),
        ("usmrad=3", "usmrad"),  # without usm
        ("duotone-alpha=50", "duotone-alpha"),  # without duotone
    ],
)
def test_bad_values_name_the_parameter(query: str, name: str) -> None:
    with pytest.raises(ParamError) as info:
        parse_params(pairs(query), LIMITS)
    assert info.value.param == name


def test_adjustments_are_in_the_canonical_string() -> None:
    a = parse_params(pairs("bri=20&con=10"), LIMITS).canonical()
    b = parse_params(pairs("con=10&bri=20"), LIMITS).canonical()
    assert a == b and "bri=20" in a
