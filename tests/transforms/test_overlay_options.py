"""Text and watermark options of issue 11.5: wrapping, clipping, fitting, leading, tracking,
outlines and positions of text; fit, rotation, base path and size conditions of marks."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image, ImageChops

from tests import imagegen
from tests.output_helpers import LIMITS
from tests.pixels import GREY, box_of, count_of
from transforms.dialects.imgix import parse_params
from transforms.dialects.imgix_overlay import OVERLAY_PARAMETERS, join_mark_base
from transforms.errors import ParamError
from transforms.font_names import load_face
from transforms.marks import MarkData, mark_geometry
from transforms.pipeline import render
from transforms.query import split_query
from transforms.spec import Overlay
from transforms.text_layout import ELLIPSIS, clip_line, measure, wrap

GREY_PNG = imagegen.encode(Image.new("RGB", (400, 300), GREY), "PNG")
LOGO = imagegen.encode(Image.new("RGBA", (100, 50), (255, 0, 0, 255)), "PNG")
MARKS = {"/logo.png": MarkData(LOGO, "logo-v1")}
RED, WHITE, BLACK = (255, 0, 0), (255, 255, 255), (0, 0, 0)
LONG = "The quick brown fox jumps over the lazy dog again and again"


def draw(query: str, base: bytes = GREY_PNG) -> Image.Image:
    spec = parse_params(split_query(f"fm=png&{query}".encode()), LIMITS)
    return imagegen.open_bytes(render(base, spec, "png", LIMITS, MARKS).data).convert("RGB")


def changed(img: Image.Image):
    return ImageChops.difference(img, Image.new("RGB", img.size, GREY)).getbbox()


FONT = load_face("sans-serif", 20).font


def test_clip_line_modes() -> None:
    text = "abcdefghijklmnopqrstuvwxyz"
    room = round(measure(FONT, "abcdefghij"))
    end = clip_line(FONT, text, room, ("end",))
    assert text.startswith(end) and len(end) in (10, 11)  # one letter over, cut by the edge
    start = clip_line(FONT, text, room, ("start",))
    assert text.endswith(start) and measure(FONT, start) <= room
    ellipsis = clip_line(FONT, text, room, ("end", "ellipsis"))
    assert ellipsis.endswith(ELLIPSIS) and text.startswith(ellipsis[:-1])
    assert measure(FONT, ellipsis) <= room
    middle = clip_line(FONT, text, room, ("middle", "ellipsis"))
    head, tail = middle.split(ELLIPSIS)
    assert text.startswith(head) and text.endswith(tail) and head and tail
    assert clip_line(FONT, "short", room, ("start",)) == "short"


def test_wrap_breaks_at_spaces_within_the_room() -> None:
    lines = wrap(FONT, LONG, 150, ("end",))
    assert len(lines) > 2 and " ".join(lines) == LONG
    assert all(measure(FONT, line) <= 150 for line in lines)
    clipped = wrap(FONT, "a " + "x" * 200, 150, ("end", "ellipsis"))
    assert clipped[0] == "a" and clipped[1].endswith(ELLIPSIS)
    apart = measure(FONT, "a") + measure(FONT, "b") + 10
    assert measure(FONT, "ab", track=10) == pytest.approx(apart)


def test_txt_width_wraps_into_lines() -> None:
    one = changed(draw(f"txt={LONG}&txt-size=20&txt-align=top,left"))
    box = changed(draw(f"txt={LONG}&txt-size=20&txt-align=top,left&txt-width=150"))
    assert one[3] - one[1] < 30  # one line
    assert box[2] - box[0] <= 150 and box[3] - box[1] > 60  # several lines in 150 px


def test_txt_lead_spaces_the_lines() -> None:
    query = f"txt={LONG}&txt-size=20&txt-align=top,left&txt-width=150"
    tight, loose = changed(draw(query)), changed(draw(query + "&txt-lead=10"))
    lines = len(wrap(FONT, LONG, 150, ("end",)))
    assert (loose[3] - loose[1]) - (tight[3] - tight[1]) == pytest.approx(10 * (lines - 1), abs=2)


def test_txt_track_spaces_the_letters() -> None:
    plain = changed(draw("txt=Hello&txt-size=20&txt-align=top,left"))
    spaced = changed(draw("txt=Hello&txt-size=20&txt-align=top,left&txt-track=10"))
    assert (spaced[2] - spaced[0]) - (plain[2] - plain[0]) == pytest.approx(40, abs=3)
    narrow = changed(draw("txt=Hello&txt-size=20&txt-align=top,left&txt-track=-2"))
    assert narrow[2] - narrow[0] < plain[2] - plain[0]


def test_txt_fit_max_shrinks_instead_of_clipping() -> None:
    clipped = changed(draw(f"txt={LONG}&txt-size=60&txt-align=top,left"))
    fitted = changed(draw(f"txt={LONG}&txt-size=60&txt-align=top,left&txt-fit=max"))
    assert clipped[2] >= 385  # cut at the padding
    assert fitted[2] <= 390 and fitted[3] - fitted[1] < clipped[3] - clipped[1]


def test_txt_clip_start_keeps_the_end_of_the_text() -> None:
    end = draw("txt=" + "W" * 60 + "ii&txt-size=30&txt-align=top,left&txt-color=ff0000")
    start = draw("txt=" + "W" * 60 + "ii&txt-size=30&txt-align=top,left&txt-color=ff0000"
                 "&txt-clip=start")
    assert end.crop((300, 0, 400, 60)).tobytes() != start.crop((300, 0, 400, 60)).tobytes()
    # The thin "ii" is drawn at the right edge only when the start is what gets cut.
    assert count_of(start, RED, (360, 0, 400, 60), 60) < count_of(end, RED, (360, 0, 400, 60), 60)


def test_txt_line_outlines_in_its_colour() -> None:
    img = draw("txt=Hello&txt-size=40&txt-align=top,left&txt-line=3&txt-line-color=ff0000")
    box = changed(img)
    assert count_of(img, RED, box, 40) > 200 and count_of(img, BLACK, box, 40) > 100
    default = draw("txt=Hello&txt-size=40&txt-align=top,left&txt-line=3")
    assert count_of(default, WHITE, changed(default), 40) > 200  # imgix's default: white


def test_txt_x_and_y_place_the_text() -> None:
    box = changed(draw("txt=Hi&txt-size=20&txt-x=100&txt-y=50"))
    assert 100 <= box[0] <= 104 and 50 <= box[1] <= 58


def test_mark_fit_modes() -> None:
    def geometry(query: str) -> tuple:
        spec = parse_params(split_query(f"mark=/logo.png&{query}".encode()), LIMITS)
        return mark_geometry(spec.overlays[0], (100, 50), (400, 300), 1.0)

    assert geometry("mark-w=80&mark-h=80") == ((80, 40), (80, 40))  # clip
    assert geometry("mark-w=80&mark-h=80&mark-fit=scale") == ((80, 80), (80, 80))
    assert geometry("mark-w=80&mark-h=80&mark-fit=crop") == ((160, 80), (80, 80))
    assert geometry("mark-w=80&mark-h=80&mark-fit=fill") == ((80, 40), (80, 80))
    assert geometry("mark-w=300&mark-h=300") == ((300, 150), (300, 150))
    assert geometry("mark-w=300&mark-h=300&mark-fit=max") == ((100, 50), (100, 50))


def test_mark_fit_fill_pads_with_transparency_and_crop_covers() -> None:
    query = "mark=/logo.png&mark-w=80&mark-h=80&mark-align=top,left&mark-pad=0"
    filled = draw(query + "&mark-fit=fill")
    assert box_of(filled, RED, 10) == (0, 20, 80, 60)  # centred in the 80 x 80 box
    cropped = draw(query + "&mark-fit=crop")
    assert box_of(cropped, RED, 10) == (0, 0, 80, 80)
    scaled = draw(query + "&mark-fit=scale")
    assert box_of(scaled, RED, 10) == (0, 0, 80, 80)


def test_mark_rot_turns_the_mark() -> None:
    img = draw("mark=/logo.png&mark-rot=90&mark-align=top,left&mark-pad=0")
    left, top, right, bottom = box_of(img, RED, 10)
    assert (right - left, bottom - top) == pytest.approx((50, 100), abs=2)
    tilted = box_of(draw("mark=/logo.png&mark-rot=45&mark-align=top,left&mark-pad=0"), RED, 60)
    assert tilted[2] - tilted[0] > 100  # a 45 degree turn is wider than the mark


def test_mark_if_min_width_and_height() -> None:
    assert box_of(draw("mark=/logo.png&mark-if-min-width=400"), RED, 10) is not None
    assert box_of(draw("mark=/logo.png&mark-if-min-width=401"), RED, 10) is None
    assert box_of(draw("mark=/logo.png&mark-if-min-height=300"), RED, 10) is not None
    assert box_of(draw("mark=/logo.png&mark-if-min-height=301"), RED, 10) is None
    assert box_of(draw("w=200&mark=/logo.png&mark-if-min-width=300"), RED, 10) is None


def test_mark_base_joins_the_path() -> None:
    assert join_mark_base("brand:", "logo.png") == "brand:logo.png"
    assert join_mark_base("/logos", "/a.png") == "/logos/a.png"
    assert join_mark_base("proxy:https://cdn.example.com/", "a.png") == (
        "proxy:https://cdn.example.com/a.png"
    )
    spec = parse_params(split_query(b"mark=logo.png&mark-base=/brand"), LIMITS)
    assert spec.overlays[0] == Overlay(kind="image", path="/brand/logo.png")


BAD_VALUES = [
    ("mark-fit", "cover"),
    ("mark-rot", "360"),
    ("mark-rot", "-5"),
    ("mark-base", " "),
    ("mark-if-min-width", "-1"),
    ("mark-if-min-height", "x"),
    ("txt-width", "-1"),
    ("txt-clip", "both"),
    ("txt-clip", "start,end"),
    ("txt-fit", "min"),
    ("txt-lead", "1.5"),
    ("txt-track", "-21"),
    ("txt-track", "101"),
    ("txt-line", "51"),
    ("txt-line-color", "zz"),
    ("txt-x", "-3"),
    ("txt-y", "y"),
]


@pytest.mark.parametrize("key, value", BAD_VALUES)
def test_bad_values_name_the_parameter(key: str, value: str) -> None:
    layer = "mark=/logo.png" if key.startswith("mark") else "txt=Hi"
    with pytest.raises(ParamError) as info:
        parse_params(split_query(f"{layer}&{key}={value}".encode()), LIMITS)
    assert info.value.param == key


def test_new_options_need_their_layer() -> None:
    for key, value in (("txt-width", "100"), ("mark-rot", "10"), ("mark-base", "brand:")):
        assert key in OVERLAY_PARAMETERS
        with pytest.raises(ParamError) as info:
            parse_params(split_query(f"{key}={value}".encode()), LIMITS)
        assert info.value.param == key and "applies only with" in str(info.value)


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> httpx.Client:
    root = tmp_path_factory.mktemp("overlay-options")
    (root / "grey.png").write_bytes(GREY_PNG)
    (root / "brand").mkdir()
    (root / "brand" / "logo.png").write_bytes(LOGO)
    with signet_with(sources=[{"name": "o", "type": "folder", "root": str(root)}]) as served:
        yield served.client


def test_options_through_the_server(server):
    resp = server.get("/o/grey.png?fm=png&mark=logo.png&mark-base=/brand&mark-fit=scale"
                      "&mark-w=60&mark-h=60&mark-align=top,left&mark-pad=0"
                      "&txt=Hello%20there%20world&txt-width=80&txt-size=20&txt-align=bottom,left")
    assert resp.status_code == 200, resp.text
    img = imagegen.open_bytes(resp.content).convert("RGB")
    assert box_of(img, RED, 10) == (0, 0, 60, 60)
    text = ImageChops.difference(img.crop((0, 150, 400, 300)), Image.new("RGB", (400, 150), GREY))
    left, top, right, bottom = text.getbbox()
    assert right - left <= 80 and bottom - top > 40  # wrapped into lines
    missing = server.get("/o/grey.png?mark=nope.png&mark-base=/brand")
    assert missing.status_code == 400 and missing.text.startswith("mark:")
