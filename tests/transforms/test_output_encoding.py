"""Output formats and encoder options: png8, png32, jp2, jxr, cs, chromasub, colorquant,
dpi, iptc, jpg-progressive, lossless; and every output parameter's bad values."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageCms, IptcImagePlugin, JpegImagePlugin, features

from tests import imagegen
from tests.output_helpers import LIMITS, image_of, iptc_record, render_query
from transforms.dialects.imgix import parse_params
from transforms.dialects.imgix_output import OUTPUT_PARAMETERS
from transforms.errors import ImageError, ParamError
from transforms.icc import profile_bytes
from transforms.iptc import app13_segment
from transforms.query import split_query

PHOTO = imagegen.jpeg(200, 150)
ALPHA = imagegen.png_alpha(200, 150)
RED_PNG = imagegen.encode(imagegen.solid(40, 30, (255, 0, 0)), "PNG")


def profile_name(img: Image.Image) -> str | None:
    icc = img.info.get("icc_profile")
    if not icc:
        return None
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()


def test_png8_is_a_palette_png_and_keeps_transparency() -> None:
    img = image_of(ALPHA, "fm=png8&w=100")
    assert img.format == "PNG" and img.mode == "P" and img.size == (100, 75)
    assert "transparency" in img.info
    assert len(img.convert("RGBA").getcolors(100 * 75)) <= 256
    assert image_of(PHOTO, "fm=png8&colorquant=8").mode == "P"
    assert len(image_of(PHOTO, "fm=png8&colorquant=8").getcolors()) <= 8


def test_png32_is_rgba_even_from_an_opaque_jpeg() -> None:
    rendered, fmt = render_query(PHOTO, "fm=png32&w=50")
    assert fmt == "png32" and rendered.content_type == "image/png"
    img = imagegen.open_bytes(rendered.data)
    assert img.format == "PNG" and img.mode == "RGBA"


@pytest.mark.skipif(not features.check("jpg_2000"), reason="Pillow without OpenJPEG")
def test_jp2_is_jpeg_2000_and_follows_q() -> None:
    rendered, _ = render_query(ALPHA, "fm=jp2&w=100")
    img = imagegen.open_bytes(rendered.data)
    assert rendered.content_type == "image/jp2"
    assert img.format == "JPEG2000" and img.size == (100, 75) and img.mode == "RGBA"
    low = render_query(PHOTO, "fm=jp2&q=10")[0].data
    high = render_query(PHOTO, "fm=jp2&q=90")[0].data
    assert len(low) < len(high)
    lossless = imagegen.open_bytes(render_query(RED_PNG, "fm=jp2&lossless=1")[0].data)
    assert lossless.convert("RGB").getcolors() == [(40 * 30, (255, 0, 0))]


def test_jxr_is_answered_as_jpeg() -> None:
    rendered, fmt = render_query(PHOTO, "fm=jxr&w=50")
    assert fmt == "jpg" and imagegen.open_bytes(rendered.data).format == "JPEG"


def test_colour_space_default_keeps_the_original_profile() -> None:
    tagged = imagegen.encode(imagegen.solid(20, 20, (255, 0, 0)), "PNG",
                             icc_profile=profile_bytes("adobergb1998"))
    img = image_of(tagged, "w=10")
    assert img.info["icc_profile"] == profile_bytes("adobergb1998")
    assert img.getpixel((5, 5))[:3] == (255, 0, 0)
    assert image_of(tagged, "w=10&cs=origin").info["icc_profile"] == profile_bytes("adobergb1998")


def test_cs_srgb_converts_from_the_embedded_profile() -> None:
    tagged = imagegen.encode(imagegen.solid(20, 20, (200, 50, 50)), "PNG",
                             icc_profile=profile_bytes("adobergb1998"))
    img = image_of(tagged, "cs=srgb&fm=png")
    assert profile_name(img) == "sRGB built-in"
    r, g, b = img.getpixel((5, 5))[:3]
    assert r > 220 and g < 50  # Adobe RGB's red is redder than sRGB's at the same value


def test_cs_adobergb1998_converts_srgb_pixels() -> None:
    img = image_of(RED_PNG, "cs=adobergb1998")
    assert profile_name(img) == "Compatible with Adobe RGB (1998)"
    r, g, b = img.getpixel((5, 5))[:3]
    assert 205 <= r <= 230 and g < 10 and b < 10  # sRGB red inside Adobe's wider gamut


def test_cs_tinysrgb_and_strip() -> None:
    tiny = image_of(RED_PNG, "cs=tinysrgb")
    assert len(tiny.info["icc_profile"]) < len(profile_bytes("srgb"))
    assert profile_name(tiny) == "sRGB (tiny, gamma 2.2)"
    assert tiny.getpixel((1, 1))[:3] == (255, 0, 0)
    tagged = imagegen.encode(imagegen.solid(20, 20, (200, 50, 50)), "JPEG", quality=95,
                             icc_profile=profile_bytes("adobergb1998"))
    stripped = image_of(tagged, "cs=strip")
    assert "icc_profile" not in stripped.info
    assert stripped.getpixel((5, 5))[0] > 220  # converted to sRGB before the label went


def test_cs_on_a_grey_original() -> None:
    grey = imagegen.encode(imagegen.solid(20, 20, (90, 90, 90)).convert("L"), "PNG")
    img = image_of(grey, "cs=srgb&fm=png")
    assert img.mode == "RGB" and profile_name(img) == "sRGB built-in"


def test_chromasub() -> None:
    sampling = JpegImagePlugin.get_sampling
    assert sampling(image_of(PHOTO, "fm=jpg")) == 2  # 4:2:0, imgix's default
    assert sampling(image_of(PHOTO, "fm=jpg&chromasub=444")) == 0
    assert sampling(image_of(PHOTO, "fm=jpg&chromasub=422")) == 1
    assert sampling(image_of(PHOTO, "fm=jpg&chromasub=420")) == 2
    sizes = {c: len(render_query(PHOTO, f"fm=avif&chromasub={c}")[0].data) for c in (444, 420)}
    assert sizes[444] != sizes[420]


def test_colorquant_limits_the_colours() -> None:
    assert len(imagegen.open_bytes(render_query(PHOTO, "fm=png")[0].data).getcolors(1 << 20)) > 64
    img = image_of(PHOTO, "fm=png&colorquant=4")
    assert img.mode == "P" and len(img.convert("RGB").getcolors()) <= 4
    assert len(image_of(ALPHA, "fm=webp&lossless=1&colorquant=3").getcolors()) <= 3


def test_dpi_is_written() -> None:
    assert image_of(PHOTO, "dpi=300").info["dpi"] == (300, 300)
    assert tuple(round(v) for v in image_of(PHOTO, "dpi=144&fm=png").info["dpi"]) == (144, 144)
    webp = image_of(PHOTO, "dpi=300&fm=webp").getexif()
    assert (webp[0x011A], webp[0x011B], webp[0x0128]) == (300, 300, 2)
    assert set(webp) == {0x011A, 0x011B, 0x0128}  # nothing else of EXIF
    assert "dpi" not in image_of(PHOTO, "fm=jpg").info


def test_iptc_is_carried_only_when_allowed() -> None:
    record = iptc_record((5, "Harbour"), (116, "© Example"))
    original = imagegen.encode(imagegen.photo(80, 60), "JPEG", extra=app13_segment(record))
    assert IptcImagePlugin.getiptcinfo(image_of(original, "w=40")) is None
    kept = IptcImagePlugin.getiptcinfo(image_of(original, "w=40&iptc=allow"))
    assert kept[(2, 5)] == b"Harbour" and kept[(2, 116)] == "© Example".encode()
    assert IptcImagePlugin.getiptcinfo(image_of(original, "w=40&iptc=block")) is None


def test_jpg_progressive() -> None:
    assert not image_of(PHOTO, "fm=jpg").info.get("progressive")
    assert image_of(PHOTO, "fm=jpg&jpg-progressive=true").info.get("progressive")
    assert image_of(PHOTO, "fm=pjpg").info.get("progressive")
    assert not image_of(PHOTO, "fm=pjpg&jpg-progressive=false").info.get("progressive")


def test_lossless_webp_keeps_every_pixel() -> None:
    exact = image_of(PHOTO, "fm=png&w=100").convert("RGB")
    webp = image_of(PHOTO, "fm=webp&w=100&lossless=true").convert("RGB")
    assert ImageChops.difference(exact, webp).getbbox() is None
    lossy = image_of(PHOTO, "fm=webp&w=100").convert("RGB")
    assert ImageChops.difference(exact, lossy).getbbox() is not None


def test_lossless_avif_is_near_exact() -> None:
    exact = image_of(PHOTO, "fm=png&w=100").convert("RGB")

    def worst(query: str) -> int:
        diff = ImageChops.difference(exact, image_of(PHOTO, query))
        return max(hi for _, hi in diff.getextrema())

    assert worst("fm=avif&w=100&lossless=1") < worst("fm=avif&w=100")
    assert worst("fm=avif&w=100&lossless=1") <= 8


BAD_VALUES = [
    ("palette", "xml"),
    ("colors", "17"),
    ("prefix", "1frog"),
    ("prefix", "a b"),
    ("cs", "cmyk"),
    ("chromasub", "411"),
    ("colorquant", "1"),
    ("colorquant", "257"),
    ("dpi", "-1"),
    ("dpi", "70000"),
    ("iptc", "yes"),
    ("jpg-progressive", "maybe"),
    ("lossless", "2"),
    ("dl", "x" * 256),
    ("ch", "viewport-width"),
]


def refused(query: str) -> ParamError:
    with pytest.raises(ParamError) as info:
        parse_params(split_query(query.encode()), LIMITS)
    return info.value


@pytest.mark.parametrize("key, value", BAD_VALUES)
def test_bad_value_names_the_parameter(key: str, value: str) -> None:
    query = f"palette=css&{key}={value}" if key in ("colors", "prefix") else f"{key}={value}"
    assert refused(query).param == key


def test_every_output_parameter_has_a_bad_value_case() -> None:
    assert {key for key, _ in BAD_VALUES} == set(OUTPUT_PARAMETERS)


def test_palette_options_need_palette() -> None:
    assert str(refused("colors=3")) == "colors: needs palette=css or palette=json"
    assert str(refused("prefix=frog")) == "prefix: needs palette=css"


def test_video_formats_say_so() -> None:
    assert str(refused("fm=webm")) == (
        "fm: webm needs video rendering, "
        "which Signet does not do (still images only)"
    )


def test_equivalent_values_share_a_cache_key() -> None:
    def canonical(query: str) -> str:
        return parse_params(split_query(query.encode()), LIMITS).canonical()

    assert canonical("cs=origin") == canonical("") == canonical("chromasub=420") == canonical(
        "dpi=0"
    )
    assert canonical("ch=Width,DPR") == canonical("ch=dpr,width")


def test_formats_without_profiles_get_srgb_pixels() -> None:
    tagged = imagegen.encode(imagegen.solid(20, 20, (200, 50, 50)), "PNG",
                             icc_profile=profile_bytes("adobergb1998"))
    gif = image_of(tagged, "fm=gif").convert("RGB")
    assert gif.getpixel((5, 5))[0] > 220  # converted, since no profile can go with it
    assert refused_at_render(tagged, "fm=gif&cs=adobergb1998").param == "cs"
    broken = imagegen.encode(imagegen.solid(20, 20, (200, 50, 50)), "PNG",
                             icc_profile=profile_bytes("srgb")[:200])
    assert image_of(broken, "fm=gif").convert("RGB").getpixel((5, 5)) == (200, 50, 50)
    with pytest.raises(ImageError, match="ICC profile cannot be used"):
        render_query(broken, "cs=srgb")  # asked for, so it cannot be skipped


def refused_at_render(data: bytes, query: str) -> ParamError:
    with pytest.raises(ParamError) as info:
        render_query(data, query)
    return info.value


def test_lossless_with_auto_format_prefers_webp() -> None:
    chrome = "image/avif,image/webp,*/*"
    assert render_query(PHOTO, "auto=format&w=50", chrome)[1] == "avif"
    rendered, fmt = render_query(PHOTO, "auto=format&w=50&lossless=1", chrome)
    assert fmt == "webp"
    exact = image_of(PHOTO, "fm=png&w=50").convert("RGB")
    got = imagegen.open_bytes(rendered.data).convert("RGB")
    assert ImageChops.difference(exact, got).getbbox() is None
