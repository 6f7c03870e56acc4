"""fm=json, fm=blurhash and palette=css|json: documents about the image, not pictures."""

from __future__ import annotations

import json

import blurhash as reference
import numpy as np
from PIL import Image, TiffImagePlugin

from tests import imagegen
from tests.output_helpers import iptc_record, render_query
from transforms.icc import profile_bytes
from transforms.iptc import app13_segment


def camera_jpeg() -> bytes:
    """A JPEG as a camera and a photo desk leave it: EXIF with GPS, IPTC, a profile, 300 dpi."""
    exif = Image.Exif()
    exif[0x010F] = "SignetCam"  # Make
    exif[0x0110] = "Model 7"
    exif[0x0112] = 6
    exif.get_ifd(0x8769).update({0x9003: "2024:05:06 07:08:09", 0x829A: 0.004, 0x8827: 200})
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    iptc = iptc_record((5, "Harbour"), (25, "boats"), (25, "sea"), (116, "© Example"))
    return imagegen.encode(
        imagegen.photo(320, 240),
        "JPEG",
        quality=90,
        exif=exif.tobytes(),
        dpi=(300, 300),
        icc_profile=profile_bytes("adobergb1998"),
        extra=app13_segment(iptc),
    )


def test_json_describes_the_original() -> None:
    rendered, fmt = render_query(camera_jpeg(), "fm=json&w=100&orient=3")
    assert fmt == "json" and rendered.content_type == "application/json"
    doc = json.loads(rendered.data)
    assert (doc["PixelWidth"], doc["PixelHeight"]) == (320, 240)  # the original, not w=100
    assert doc["Orientation"] == 6
    assert (doc["DPIWidth"], doc["DPIHeight"]) == (300, 300)
    assert doc["ColorModel"] == "RGB" and doc["Depth"] == 8 and doc["HasAlpha"] is False
    assert doc["ProfileName"] == "Compatible with Adobe RGB (1998)"
    assert doc["Content-Type"] == "image/jpeg"
    assert doc["Content-Length"] == str(len(camera_jpeg()))
    assert doc["TIFF"]["Make"] == "SignetCam" and doc["TIFF"]["Model"] == "Model 7"
    assert doc["Exif"]["DateTimeOriginal"] == "2024:05:06 07:08:09"
    assert doc["Exif"]["ISOSpeedRatings"] == 200
    assert doc["JFIF"]["IsProgressive"] is False
    assert doc["IPTC"]["ObjectName"] == "Harbour"
    assert doc["IPTC"]["Keywords"] == ["boats", "sea"]
    assert doc["IPTC"]["CopyrightNotice"] == "© Example"


def test_json_never_carries_a_location() -> None:
    text = render_query(camera_jpeg(), "fm=json")[0].data.decode()
    assert "GPS" not in text
    assert "48" not in json.dumps(json.loads(text).get("Exif"))


def test_json_of_a_png_with_alpha_and_no_dpi() -> None:
    doc = json.loads(render_query(imagegen.png_alpha(40, 30), "fm=json")[0].data)
    assert doc["HasAlpha"] is True and doc["Content-Type"] == "image/png"
    assert (doc["DPIWidth"], doc["DPIHeight"]) == (72, 72)  # unnamed: imgix's 72
    assert "JFIF" not in doc and "IPTC" not in doc


def test_json_dpi_of_a_png_reads_back_whole() -> None:
    png = imagegen.encode(imagegen.photo(20, 10), "PNG", dpi=(300, 300))
    doc = json.loads(render_query(png, "fm=json")[0].data)
    assert (doc["DPIWidth"], doc["DPIHeight"]) == (300, 300)


def test_json_of_grey_and_of_a_damaged_exif() -> None:
    grey = imagegen.encode(imagegen.photo(20, 10, "L"), "PNG")
    assert json.loads(render_query(grey, "fm=json")[0].data)["ColorModel"] == "Gray"
    bad_exif = imagegen.encode(imagegen.photo(20, 10), "JPEG", exif=b"Exif\x00\x00MM\x00*garbage")
    doc = json.loads(render_query(bad_exif, "fm=json")[0].data)
    assert doc["PixelWidth"] == 20 and "Exif" not in doc


def test_blurhash_matches_the_reference_encoder() -> None:
    data = imagegen.jpeg(400, 300)
    rendered, fmt = render_query(data, "fm=blurhash&w=48&sharp=20")
    assert fmt == "blurhash" and rendered.content_type == "text/plain"
    # The same render as pixels, through the reference implementation (woltapp's port).
    png = render_query(data, "fm=png&w=48&sharp=20")[0].data
    pixels = np.asarray(imagegen.open_bytes(png).convert("RGB"))
    assert rendered.data.decode() == reference.encode(pixels, 4, 3)
    assert len(rendered.data) == 28  # 4 x 3 components


def test_blurhash_of_a_large_output_is_of_a_small_copy() -> None:
    rendered, _ = render_query(imagegen.jpeg(800, 600), "fm=blurhash")
    assert len(rendered.data) == 28
    red = imagegen.encode(imagegen.solid(300, 200, (255, 0, 0)), "PNG")
    flat = render_query(red, "fm=blurhash")[0].data.decode()
    # Characters 2-5 are the average colour: pure red.
    assert flat[2:6] == reference.encode(np.full((4, 4, 3), (255, 0, 0)), 4, 3)[2:6]


def two_colours() -> bytes:
    return imagegen.encode(imagegen.halves(200, 200, (220, 20, 30), (20, 40, 200)), "PNG")


def test_palette_json_shape_and_colours() -> None:
    rendered, fmt = render_query(two_colours(), "palette=json")
    assert fmt == "palette-json" and rendered.content_type == "application/json"
    doc = json.loads(rendered.data)
    hexes = [c["hex"] for c in doc["colors"]]
    assert set(hexes[:2]) == {"#dc141e", "#1428c8"}
    red = next(c for c in doc["colors"] if c["hex"] == "#dc141e")
    assert red == {"red": 0.862745, "hex": "#dc141e", "blue": 0.117647, "green": 0.0784314}
    # Rec. 709 luma of the two halves, averaged.
    assert abs(doc["average_luminance"] - 0.2167) < 0.001
    # Both are saturated; the red is of middle lightness, the blue darker.
    dominant = {name: c["hex"] for name, c in doc["dominant_colors"].items()}
    assert dominant == {"vibrant": "#dc141e", "vibrant_dark": "#1428c8"}


def test_palette_follows_the_processing_and_colors() -> None:
    # rect keeps the red top half only: the palette is of the processed image.
    doc = json.loads(render_query(two_colours(), "palette=json&rect=0,0,200,100")[0].data)
    assert {c["hex"] for c in doc["colors"]} == {"#dc141e"}
    photo = imagegen.jpeg(300, 200)
    assert len(json.loads(render_query(photo, "palette=json")[0].data)["colors"]) == 6
    assert len(json.loads(render_query(photo, "palette=json&colors=3")[0].data)["colors"]) == 3
    assert json.loads(render_query(photo, "palette=json&colors=0")[0].data)["colors"] == []


def test_palette_ignores_transparent_pixels() -> None:
    img = imagegen.solid(100, 100, (0, 200, 0)).convert("RGBA")
    img.paste((255, 0, 255, 0), (0, 0, 100, 70))  # 70% transparent magenta
    doc = json.loads(render_query(imagegen.encode(img, "PNG"), "palette=json")[0].data)
    assert {c["hex"] for c in doc["colors"]} == {"#00c800"}


def test_palette_css_classes() -> None:
    rendered, fmt = render_query(two_colours(), "palette=css&prefix=frog&colors=2&fm=webp")
    assert fmt == "palette-css" and rendered.content_type == "text/css"
    css = rendered.data.decode()
    assert ".frog-fg-1 { color:#" in css and ".frog-bg-2 { background-color:#" in css
    assert ".frog-fg-ex-1 { color:#ffffff !important; }" in css
    assert ".frog-bg-ex-2 { background-color:#000000 !important; }" in css
    assert ".frog-fg-3 " not in css and ".image-" not in css
    lines = css.strip().splitlines()
    named = len(json.loads(render_query(two_colours(), "palette=json&colors=2")[0].data)
                ["dominant_colors"])
    assert len(lines) == 2 * (2 + 2 + named)


def test_json_of_a_resolution_of_zero_over_zero() -> None:
    exif = Image.Exif()
    exif[0x011A] = exif[0x011B] = TiffImagePlugin.IFDRational(0, 0)
    exif[0x0128] = 2
    data = imagegen.encode(imagegen.photo(20, 10), "WEBP", exif=exif.tobytes())
    doc = json.loads(render_query(data, "fm=json")[0].data)  # strict JSON: no NaN
    assert (doc["DPIWidth"], doc["DPIHeight"]) == (72, 72)
    assert "XResolution" not in doc.get("TIFF", {})
