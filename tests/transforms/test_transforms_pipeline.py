"""render(): sizes, gravity, orientation, metadata, limits and hostile input."""

from __future__ import annotations

import dataclasses
import os

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from tests import imagegen
from transforms.context import Context
from transforms.errors import ImageError, ParamError
from transforms.geometry import layout
from transforms.pipeline import Rendered, render
from transforms.spec import FIELD_PATHS, Limits, Output, Size, TransformSpec
from transforms.steps.effects import blur_radius
from transforms.steps.load import open_image, scale_on_load
from transforms.steps.plan import plan_layout

LIMITS = Limits()
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def spec_of(**flat: object) -> TransformSpec:
    """A spec from part fields by their own names: spec_of(w=300, fm="png")."""
    return TransformSpec().with_fields({FIELD_PATHS.get(k, k): v for k, v in flat.items()})


def run(data: bytes, fmt: str = "png", limits: Limits = LIMITS, **spec: object) -> Image.Image:
    out = render(data, spec_of(**spec), fmt, limits)
    img = imagegen.open_bytes(out.data)
    assert img.size == (out.width, out.height)
    return img


def png(img: Image.Image) -> bytes:
    return imagegen.encode(img, "PNG")


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# --- fit modes -------------------------------------------------------------------

FITS = [
    # source 800x600 (4:3)
    ({"w": 400}, (400, 300)),
    ({"h": 150}, (200, 150)),
    ({"w": 300, "h": 300}, (300, 225)),  # clip: inside the box
    ({"w": 1600, "h": 1600}, (1600, 1200)),  # clip may enlarge
    ({"w": 300, "h": 300, "fit": "max"}, (300, 225)),
    ({"w": 1600, "h": 1600, "fit": "max"}, (800, 600)),  # max never enlarges
    ({"w": 1600, "fit": "max"}, (800, 600)),
    ({"w": 300, "h": 300, "fit": "crop"}, (300, 300)),
    ({"w": 1000, "h": 100, "fit": "crop"}, (1000, 100)),
    ({"w": 300, "fit": "crop"}, (300, 225)),  # one side: like clip
    ({"w": 300, "h": 300, "fit": "fill"}, (300, 300)),
    ({"w": 300, "h": 100, "fit": "scale"}, (300, 100)),  # stretched
    ({"h": 300, "fit": "scale"}, (400, 300)),
    ({"w": 300, "h": 300, "fit": "min"}, (300, 300)),  # smaller than the original: as crop
    ({"w": 2000, "h": 1000, "fit": "min"}, (800, 400)),  # the shape, at most original size
    ({"w": 1000, "h": 2000, "fit": "min"}, (300, 600)),
    ({"w": 2000, "fit": "min"}, (800, 600)),
    ({"w": 0.5}, (400, 300)),  # fractions of the original
    ({"w": 0.5, "h": 0.25, "fit": "scale"}, (400, 150)),
    ({"w": 200, "dpr": 2}, (400, 300)),
    ({"w": 100, "h": 100, "dpr": 1.5, "fit": "crop"}, (150, 150)),
    ({"w": 0.25, "dpr": 2}, (400, 300)),  # fraction first, then dpr
    ({"dpr": 2}, (800, 600)),  # dpr alone does nothing
    ({}, (800, 600)),
]


@pytest.mark.parametrize("spec, size", FITS)
def test_output_dimensions(spec: dict[str, object], size: tuple[int, int]) -> None:
    assert run(imagegen.jpeg(800, 600), "jpg", **spec).size == size


@pytest.mark.parametrize("spec, size", FITS)
def test_layout_agrees_with_render(spec: dict[str, object], size: tuple[int, int]) -> None:
    assert layout(spec_of(**spec), (800, 600)).canvas == size


def test_fill_pads_with_bg() -> None:
    img = run(png(imagegen.solid(400, 200, BLUE)), "png", w=200, h=200, fit="fill", bg=(*RED, 255))
    assert img.size == (200, 200)
    assert img.convert("RGB").getpixel((100, 5)) == RED  # padding above
    assert img.convert("RGB").getpixel((100, 100)) == BLUE  # the picture, centred
    assert img.convert("RGB").getpixel((100, 195)) == RED


def test_fill_pads_transparent_for_alpha_formats_and_white_for_jpeg() -> None:
    data = png(imagegen.solid(400, 200, BLUE))
    transparent = run(data, "png", w=200, h=200, fit="fill")
    assert transparent.mode == "RGBA"
    assert transparent.getpixel((100, 5))[3] == 0
    assert transparent.getpixel((100, 100)) == (*BLUE, 255)
    white = run(data, "jpg", w=200, h=200, fit="fill")
    assert near(white.getpixel((100, 5)), WHITE)


# --- gravity ---------------------------------------------------------------------

TALL = png(imagegen.halves(400, 800, RED, BLUE))  # red on top, blue below
WIDE = png(imagegen.halves(800, 400, RED, BLUE, vertical=False))  # red left, blue right


@pytest.mark.parametrize(
    "data, crop, fp, colours",
    [
        (TALL, ("top",), {}, {RED}),
        (TALL, ("bottom",), {}, {BLUE}),
        (TALL, (), {}, {RED, BLUE}),  # center keeps the boundary
        (TALL, ("center",), {}, {RED, BLUE}),
        (WIDE, ("left",), {}, {RED}),
        (WIDE, ("right",), {}, {BLUE}),
        (WIDE, ("right", "top"), {}, {BLUE}),  # top has nothing to do on a wide source
        (TALL, ("faces",), {}, {RED, BLUE}),  # no detector: falls back to center
        (TALL, ("edges", "top"), {}, {RED}),  # the first window holding the boundary's edge
        (TALL, ("focalpoint",), {"fp_y": 0.9}, {BLUE}),
        (TALL, ("focalpoint",), {"fp_y": 0.1}, {RED}),
        (WIDE, ("focalpoint",), {"fp_x": 1.0}, {BLUE}),
        (TALL, ("focalpoint", "top"), {"fp_y": 1.0}, {BLUE}),  # focalpoint wins
    ],
)
def test_crop_gravity(
    data: bytes, crop: tuple[str, ...], fp: dict[str, float], colours: set[tuple[int, ...]]
) -> None:
    img = run(data, "png", w=100, h=100, fit="crop", crop=crop, **fp).convert("RGB")
    assert img.size == (100, 100)
    # Resampling may shade the outermost pixels; name each by its nearest colour.
    points = ((50, 2), (50, 97), (2, 50), (97, 50))
    seen = {min((RED, BLUE), key=lambda c: _distance(img.getpixel(p), c)) for p in points}
    assert seen == colours


def test_entropy_picks_the_busy_part() -> None:
    source = imagegen.solid(800, 400, (128, 128, 128))
    noise = Image.frombytes("L", (400, 400), os.urandom(400 * 400)).convert("RGB")
    source.paste(noise, (400, 0))  # the right half is busy, the left flat grey
    img = run(png(source), "png", w=200, h=200, fit="crop", crop=("entropy",))
    busy = run(png(source), "png", w=200, h=200, fit="crop", crop=("right",))
    assert img.tobytes() == busy.tobytes()
    flat = run(png(source), "png", w=200, h=200, fit="crop", crop=("left",))
    assert ImageStat.Stat(flat.convert("L")).stddev[0] < 1


def test_fit_min_keeps_gravity() -> None:
    img = run(TALL, "png", w=800, h=400, fit="min", crop=("bottom",)).convert("RGB")
    assert img.size == (400, 200)  # the 2:1 shape, never enlarged
    assert img.getcolors() == [(400 * 200, BLUE)]


# --- rect --------------------------------------------------------------------------

QUADS = png(imagegen.quadrants(400, 400))


@pytest.mark.parametrize(
    "rect, colour",
    [((0, 0, 200, 200), RED), ((200, 0, 200, 200), GREEN), ((10, 210, 100, 50), BLUE)],
)
def test_rect_cuts_the_original(rect: tuple[int, int, int, int], colour: tuple[int, ...]) -> None:
    img = run(QUADS, "png", rect=rect).convert("RGB")
    assert img.size == rect[2:]
    assert img.getcolors() == [(rect[2] * rect[3], colour)]


def test_rect_then_resize_and_fractions() -> None:
    img = run(QUADS, "png", rect=(200, 200, 200, 200), w=0.5).convert("RGB")
    assert img.size == (100, 100)
    assert img.getcolors() == [(100 * 100, WHITE)]


def test_rect_is_clamped_to_the_image() -> None:
    assert run(QUADS, "png", rect=(300, 300, 500, 500)).size == (100, 100)


def test_rect_outside_the_image() -> None:
    with pytest.raises(ParamError) as info:
        render(QUADS, TransformSpec(size=Size(rect=(400, 0, 10, 10))), "png", LIMITS)
    assert info.value.param == "rect"


def test_rect_on_a_shrunk_jpeg_decode() -> None:
    source = imagegen.quadrants(2400, 1600)
    data = imagegen.encode(source, "JPEG", quality=95)
    img = run(data, "png", rect=(1200, 800, 1200, 800), w=150).convert("RGB")
    assert img.size == (150, 100)
    assert near(img.getpixel((75, 50)), WHITE)
    assert near(img.getpixel((2, 2)), WHITE)


# --- rotate, flip, orientation -------------------------------------------------------


def test_rot_90_swaps_dimensions() -> None:
    assert run(imagegen.jpeg(400, 200), "jpg", rot=90).size == (200, 400)
    assert run(imagegen.jpeg(400, 200), "jpg", rot=180).size == (400, 200)
    assert run(imagegen.jpeg(400, 200), "jpg", w=200, rot=270).size == (100, 200)


def test_rot_is_clockwise() -> None:
    img = run(WIDE, "png", rot=90).convert("RGB")  # red left -> red on top
    assert img.getpixel((200, 10)) == RED
    assert img.getpixel((200, 790)) == BLUE


def test_other_angles_expand_and_fill() -> None:
    data = png(imagegen.solid(200, 200, BLUE))
    transparent = run(data, "png", rot=45)
    assert transparent.size[0] > 280
    assert transparent.getpixel((1, 1))[3] == 0
    assert transparent.getpixel((140, 140)) == (*BLUE, 255)
    assert near(run(data, "jpg", rot=45).getpixel((1, 1)), WHITE)
    assert run(data, "png", rot=45, bg=(*RED, 255)).convert("RGB").getpixel((1, 1)) == RED


@pytest.mark.parametrize("flip, left_top", [("h", BLUE), ("v", RED), ("hv", BLUE)])
def test_flip(flip: str, left_top: tuple[int, ...]) -> None:
    img = run(WIDE, "png", flip=flip).convert("RGB")
    assert img.getpixel((5, 5)) == left_top


def test_exif_orientation_is_applied_and_metadata_dropped() -> None:
    data = imagegen.jpeg_with_orientation(400, 200, orientation=6)
    assert imagegen.open_bytes(data).getexif()  # the fixture does carry EXIF and GPS
    for fmt in ("jpg", "png", "webp", "avif"):
        img = run(data, fmt)
        assert img.size == (200, 400)
        assert not img.getexif()
        assert "exif" not in img.info and "xmp" not in img.info


def test_exif_orientation_with_resize_and_draft() -> None:
    data = imagegen.encode(
        imagegen.photo(4000, 2000), "JPEG", exif=_orientation_exif(6), quality=80
    )
    assert run(data, "jpg", w=100).size == (100, 200)
    assert run(data, "jpg", w=100, h=100, fit="crop").size == (100, 100)


def test_orient_overrides_the_file() -> None:
    data = imagegen.jpeg_with_orientation(400, 200, orientation=6)
    assert run(data, "jpg", orient=1).size == (400, 200)
    assert run(data, "jpg", orient=3).size == (400, 200)
    assert run(imagegen.jpeg(400, 200), "jpg", orient=8).size == (200, 400)


def test_xmp_and_comments_do_not_leak() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><GPSLatitude>48</GPSLatitude></x:xmpmeta>'
    data = imagegen.encode(imagegen.photo(200, 100), "JPEG", xmp=xmp, comment=b"secret")
    for fmt in ("jpg", "png", "webp"):
        out = render(data, TransformSpec(), fmt, LIMITS).data
        assert b"GPSLatitude" not in out and b"secret" not in out


def test_icc_profile_is_kept() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = imagegen.encode(imagegen.photo(200, 100), "JPEG", icc_profile=icc)
    for fmt in ("jpg", "png", "webp"):
        assert run(data, fmt, w=100).info.get("icc_profile") == icc


def _orientation_exif(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


# --- shrink-on-load ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, size, orientation, expected",
    [
        (
            TransformSpec(size=Size(w=300, h=300, fit="crop")),
            (2400, 1600),
            1,
            (450, 300),
        ),  # cover size
        (TransformSpec(size=Size(w=300, h=300)), (2400, 1600), 1, (300, 200)),  # fit inside
        (TransformSpec(size=Size(w=300, h=300, fit="fill")), (2400, 1600), 1, (300, 200)),
        (TransformSpec(size=Size(w=150, h=150, dpr=2, fit="crop")), (2400, 1600), 1, (450, 300)),
        (TransformSpec(size=Size(w=300, rect=(0, 0, 1200, 800))), (2400, 1600), 1, (600, 400)),
        (TransformSpec(size=Size(w=100)), (4000, 2000), 6, (200, 100)),  # stored axes: swapped back
        (TransformSpec(size=Size(w=0.5)), (2400, 1600), 1, (1200, 800)),
        (TransformSpec(size=Size(w=300, h=100, fit="scale")), (2400, 1600), 1, (300, 100)),
        (TransformSpec(size=Size(w=3000)), (2400, 1600), 1, None),  # enlarging needs every pixel
        (TransformSpec(size=Size(w=2400, h=1600, fit="crop")), (2400, 1600), 1, None),
        (TransformSpec(), (2400, 1600), 1, None),
        (TransformSpec(size=Size(w=600, rect=(0, 0, 1200, 800))), (2400, 1600), 1, (1200, 800)),
        (TransformSpec(size=Size(w=1200, rect=(0, 0, 1200, 800))), (2400, 1600), 1, None),
    ],
)
def test_decode_size_for(
    spec: TransformSpec, size: tuple[int, int], orientation: int, expected: object
) -> None:
    ctx = Context(b"", spec, "jpg", Limits(), stored_size=size, orientation=orientation)
    plan_layout(ctx)  # the step that sizes the decode, from the header alone
    assert ctx.decode_size == expected


@pytest.mark.parametrize(
    "spec, decoded",
    [
        (TransformSpec(size=Size(w=300, h=300, fit="crop")), (600, 400)),  # 1/4: 450x300 still fits
        (TransformSpec(size=Size(w=300)), (300, 200)),  # 1/8
        (TransformSpec(size=Size(w=1000)), (1200, 800)),  # 1/2
        (TransformSpec(size=Size(w=2000)), (2400, 1600)),  # full decode
    ],
)
def test_scale_on_load_uses_jpeg_draft(spec: TransformSpec, decoded: tuple[int, int]) -> None:
    ctx = Context(data=imagegen.jpeg(2400, 1600), spec=spec, fmt="jpg", limits=LIMITS)
    for step in (open_image, plan_layout, scale_on_load):
        step(ctx)
    assert ctx.image.size == decoded


def test_draft_keeps_quality_close_to_a_full_decode() -> None:
    data = imagegen.jpeg(2400, 1600, quality=95)
    drafted = run(data, "png", w=300).convert("RGB")
    reference = imagegen.photo(2400, 1600).resize((300, 200), Image.Resampling.LANCZOS)
    diff = ImageStat.Stat(ImageChops.difference(drafted, reference)).mean
    assert max(diff) < 4


# --- modes, alpha, quality, effects ---------------------------------------------------


def test_alpha_flattened_onto_white_for_jpeg_and_bg_when_given() -> None:
    data = png(imagegen.solid(100, 100, (0, 0, 0, 0), mode="RGBA"))
    assert near(run(data, "jpg").getpixel((50, 50)), WHITE)
    assert near(run(data, "jpg", bg=(*RED, 255)).getpixel((50, 50)), RED, 20)
    kept = run(data, "png")
    assert kept.mode == "RGBA" and kept.getpixel((50, 50))[3] == 0
    coloured = run(data, "png", bg=(*GREEN, 255)).convert("RGB")
    assert coloured.getpixel((50, 50)) == GREEN


def test_png_alpha_to_every_format() -> None:
    for fmt in ("jpg", "pjpg", "png", "webp", "avif", "gif"):
        assert run(imagegen.png_alpha(200, 100), fmt, w=100).size == (100, 50)


@pytest.mark.parametrize(
    "data",
    [
        imagegen.cmyk_jpeg(),
        imagegen.grey16_png(),
        imagegen.encode(imagegen.photo(64, 32).convert("P"), "GIF"),
        imagegen.encode(imagegen.photo(64, 32).convert("LA"), "PNG"),
        imagegen.encode(imagegen.photo(64, 32).convert("1"), "PNG"),
        imagegen.encode(imagegen.photo(64, 32), "TIFF"),
        imagegen.encode(imagegen.photo(64, 32), "BMP"),
        imagegen.encode(imagegen.photo(64, 32).convert("L"), "JPEG"),
    ],
)
def test_source_modes(data: bytes) -> None:
    for fmt in ("jpg", "png", "webp", "gif"):
        assert run(data, fmt, w=32).width == 32
        assert run(data, fmt, w=40, h=40, fit="fill", rot=45, blur=10, sharp=10).width > 40


def test_grey16_keeps_its_level() -> None:
    img = run(imagegen.grey16_png(value=40000), "png")
    assert img.mode == "L"
    assert abs(img.getpixel((5, 5)) - 40000 // 256) <= 1


def test_cmyk_becomes_rgb() -> None:
    img = run(imagegen.cmyk_jpeg(), "jpg")
    assert img.mode == "RGB"


def test_animated_gif_as_a_still_format_uses_the_first_frame() -> None:
    img = run(imagegen.animated_gif(120, 80, frames=4), "png")  # GIF out stays animated
    assert getattr(img, "n_frames", 1) == 1
    assert img.convert("RGB").getpixel((10, 10)) == RED


def test_quality() -> None:
    data = imagegen.jpeg(800, 600)
    default = render(data, TransformSpec(), "jpg", LIMITS).data
    compressed = render(
        data, TransformSpec(output=Output(auto=frozenset({"compress"}))), "jpg", LIMITS
    ).data
    best = render(data, TransformSpec(output=Output(q=100)), "jpg", LIMITS).data
    explicit = render(
        data, TransformSpec(output=Output(q=75, auto=frozenset({"compress"}))), "jpg", LIMITS
    ).data
    assert len(compressed) < len(default) < len(best)
    assert explicit == default  # q wins over auto=compress


def test_blur_and_sharp() -> None:
    data = png(imagegen.halves(200, 200, (0, 0, 0), WHITE, vertical=False))
    edge = run(data, "png", blur=200).convert("RGB").getpixel((100, 100))
    assert 30 < edge[0] < 225  # the hard edge is now a ramp
    assert run(data, "png").convert("RGB").getpixel((90, 100)) == (0, 0, 0)
    assert run(data, "png", sharp=100).size == (200, 200)
    assert run(imagegen.png_alpha(), "png", blur=50, sharp=50).mode == "RGBA"


def test_blur_radius_scales_with_the_output() -> None:
    assert blur_radius(100, (1000, 500)) == pytest.approx(10)
    assert blur_radius(100, (2000, 1000)) == pytest.approx(20)
    assert blur_radius(0, (2000, 1000)) == 0


def test_rendered_is_frozen() -> None:
    out = render(imagegen.jpeg(64, 48), TransformSpec(), "jpg", LIMITS)
    assert isinstance(out, Rendered)
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.width = 1  # type: ignore[misc]


# --- limits and hostile input ----------------------------------------------------------


def test_png_bomb_is_refused_from_the_header() -> None:
    with pytest.raises(ImageError, match="100000 x 100000, over the limit"):
        render(imagegen.png_bomb(), TransformSpec(size=Size(w=100)), "jpg", LIMITS)


def test_input_pixel_limit() -> None:
    with pytest.raises(ImageError, match="over the limit of 1000 pixels"):
        render(imagegen.jpeg(800, 600), TransformSpec(), "jpg", Limits(max_input_pixels=1000))


def test_gif_bomb_frames_count() -> None:
    data = imagegen.gif_bomb(5000, 5000, frames=10)
    assert len(data) < 500
    with pytest.raises(ImageError, match="10 frames"):
        render(data, TransformSpec(size=Size(w=100)), "png", LIMITS)


def test_gif_bomb_of_two_big_frames() -> None:
    with pytest.raises(ImageError, match="frames"):
        render(
            imagegen.gif_bomb(9000, 9000, frames=2), TransformSpec(size=Size(w=10)), "png", LIMITS
        )


def test_a_modest_animation_passes() -> None:
    assert run(imagegen.gif_bomb(100, 100, frames=50), "png", w=10).size == (10, 10)


@pytest.mark.parametrize(
    "data",
    [
        imagegen.truncated_jpeg(),
        imagegen.encode(imagegen.photo(200, 100), "PNG")[:400],
        os.urandom(4096),
        b"",
        b"GIF89a",
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # never handed to Ghostscript
    ],
)
def test_undecodable_input(data: bytes) -> None:
    with pytest.raises(ImageError, match="not a decodable image"):
        render(data, TransformSpec(size=Size(w=50)), "jpg", LIMITS)


def test_output_over_the_pixel_limit_is_scaled_down_keeping_its_shape() -> None:
    limits = Limits(max_output_pixels=10_000_000)
    img = run(imagegen.jpeg(80, 60), "jpg", limits, w=6000, h=3000, fit="scale")
    assert img.width * img.height <= 10_000_000
    assert abs(img.width / img.height - 2) < 0.01
    assert img.width > 4400  # as large as the limit allows, not a token size


def test_output_over_8192_a_side_is_clamped_as_imgix_does() -> None:
    limits = Limits(max_output_pixels=60_000_000)
    img = run(imagegen.jpeg(80, 60), "jpg", limits, h=3000, dpr=4)  # asks for 16000 x 12000
    assert img.size == (8192, 6144)
    img = run(imagegen.jpeg(80, 60), "png", w=9000, h=20, fit="fill")
    assert img.size[0] == 8192


def test_output_limit_counts_a_pivot_rotation() -> None:
    limits = Limits(max_output_pixels=10_000)
    assert run(imagegen.jpeg(100, 100), "jpg", limits).size == (100, 100)
    turned = run(imagegen.jpeg(100, 100), "jpg", limits, rot=45, rot_type="pivot")
    assert turned.width * turned.height <= 10_000
    assert abs(turned.width - turned.height) <= 1
    # a straighten keeps the frame, so nothing needs shrinking
    assert run(imagegen.jpeg(100, 100), "jpg", limits, rot=45, rot_type="straighten").size == (
        100,
        100,
    )


def test_no_size_asked_shrinks_to_the_output_limit() -> None:
    img = run(imagegen.jpeg(800, 600), "jpg", Limits(max_output_pixels=120_000))
    assert img.width * img.height <= 120_000
    assert img.size == (400, 300)


def test_unknown_output_format() -> None:
    with pytest.raises(ParamError):
        render(imagegen.jpeg(80, 60), TransformSpec(), "tiff", LIMITS)
