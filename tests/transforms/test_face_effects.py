"""face-blur, face-pixel, auto=redeye and faces=1 with fm=json (issue 12): effects on the
faces transforms.faces finds, checked on NASA's astronaut photo (public domain, shipped in
scikit-image's data folder) placed off-centre in a wider canvas."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat
from skimage import data as skdata

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi
from transforms import faces

ASTRONAUT = Image.fromarray(skdata.astronaut())


def off_centre() -> bytes:
    canvas = Image.new("RGB", (1536, 512), (128, 128, 128))
    canvas.paste(ASTRONAUT, (1024, 0))
    return imagegen.encode(canvas, "PNG")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("face-effects")
    (root / "astronaut.png").write_bytes(off_centre())
    (root / "noface.jpg").write_bytes(imagegen.jpeg(900, 300))
    settings = load_settings(None, sources=[{"name": "f", "type": "folder", "root": str(root)}])
    with run_asgi(create_app(settings)) as base:
        yield base


def get(server: str, query: str) -> httpx.Response:
    resp = httpx.get(f"{server}/f/{query}", timeout=60)
    assert resp.status_code == 200, resp.text
    return resp


def image(server: str, query: str) -> Image.Image:
    return Image.open(io.BytesIO(get(server, query).content)).convert("RGB")


def face_in(img: Image.Image) -> tuple[int, int, int, int]:
    (x0, y0, x1, y1), = faces.detect(img.convert("L"))
    w, h = img.size
    return (round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h))


def mean_difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    diff = ImageChops.difference(a.crop(box), b.crop(box)).convert("L")
    return ImageStat.Stat(diff).mean[0]


@pytest.mark.parametrize("param", ["face-blur=100", "face-pixel=100", "face-pixelate=60"])
def test_the_face_changes_and_far_from_it_nothing_does(server, param):
    plain = image(server, "astronaut.png?w=768&fm=png")
    hidden = image(server, f"astronaut.png?w=768&fm=png&{param}")
    assert hidden.size == plain.size == (768, 256)
    face = face_in(plain)
    assert face[0] > 512  # the astronaut is on the right third
    assert mean_difference(plain, hidden, face) > 8
    assert faces.detect(hidden.convert("L")) == ()  # the face is no longer found
    far = (0, 0, 400, 256)
    assert ImageChops.difference(plain.crop(far), hidden.crop(far)).getbbox() is None


def test_a_stronger_blur_hides_more(server):
    plain = image(server, "astronaut.png?w=768&fm=png")
    face = face_in(plain)
    weak = mean_difference(plain, image(server, "astronaut.png?w=768&fm=png&face-blur=10"), face)
    strong = mean_difference(plain, image(server, "astronaut.png?w=768&fm=png&face-blur=100"), face)
    assert 0 < weak < strong


def test_face_pixel_makes_blocks(server):
    hidden = np.asarray(image(server, "astronaut.png?w=768&fm=png&face-pixel=100"))
    x0, y0, x1, y1 = face_in(image(server, "astronaut.png?w=768&fm=png"))
    centre = hidden[(y0 + y1) // 2 - 3:(y0 + y1) // 2 + 3, (x0 + x1) // 2 - 3:(x0 + x1) // 2 + 3]
    # the face is about 65 px wide: blocks of about 32 px, so a 6 x 6 patch has few colours
    assert len({tuple(p) for p in centre.reshape(-1, 3)}) <= 4


def test_without_a_face_nothing_changes(server):
    plain = image(server, "noface.jpg?w=450&fm=png")
    for param in ("face-blur=100", "face-pixel=100", "auto=redeye"):
        assert image(server, f"noface.jpg?w=450&fm=png&{param}").tobytes() == plain.tobytes()


@pytest.mark.parametrize(
    "query", ["face-blur=101", "face-blur=-1", "face-pixel=x", "face-pixel=1.5", "faces=2"]
)
def test_bad_face_effect_values_are_400(server, query):
    resp = httpx.get(f"{server}/f/astronaut.png?fm=json&{query}", timeout=30)
    assert resp.status_code == 400
    assert query.partition("=")[0] in resp.text


def test_faces_json_gives_the_face_boxes(server):
    doc = get(server, "astronaut.png?fm=json&faces=1").json()
    assert doc["PixelWidth"] == 1536
    (face,) = doc["Faces"]
    bounds = face["bounds"]
    expected = faces.detect(ASTRONAUT.convert("L"))[0]
    # the astronaut's face, 1024 px to the right in the canvas (the detector's box varies)
    assert abs(bounds["x"] - (1024 + expected[0] * 512)) < 25
    assert abs(bounds["y"] - expected[1] * 512) < 25
    assert 0.8 < bounds["width"] / ((expected[2] - expected[0]) * 512) < 1.25
    assert set(bounds) == {"x", "y", "width", "height"}


def test_faces_json_is_in_the_outputs_coordinates(server):
    whole = get(server, "astronaut.png?fm=json&faces=1").json()["Faces"][0]["bounds"]
    half = get(server, "astronaut.png?fm=json&faces=1&w=768").json()["Faces"][0]["bounds"]
    assert abs(half["x"] - whole["x"] / 2) < 2 and abs(half["width"] - whole["width"] / 2) < 2
    cropped = get(server, "astronaut.png?fm=json&faces=1&w=512&h=512&fit=crop&crop=faces").json()
    box = cropped["Faces"][0]["bounds"]
    assert abs(box["x"] + box["width"] / 2 - 256) < 30  # the crop centred the face


def test_faces_json_without_faces_and_without_the_flag(server):
    assert get(server, "noface.jpg?fm=json&faces=1").json()["Faces"] == []
    assert "Faces" not in get(server, "astronaut.png?fm=json").json()


def red_eyed() -> Image.Image:
    """The astronaut with red discs painted on her pupils (her eye boxes, found once)."""
    from PIL import ImageDraw

    from transforms.steps.face_effects import find_eyes

    img = ASTRONAUT.copy()
    face = tuple(v * 512 for v in faces.detect(img.convert("L"))[0])
    draw = ImageDraw.Draw(img)
    eyes = find_eyes(img, face)
    assert len(eyes) == 2
    for x0, y0, x1, y1 in eyes:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        draw.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=(210, 30, 30))
    return img


def redness(img: Image.Image) -> int:
    """Pixels whose red is over twice their green and blue (and over 120)."""
    r, g, b = (np.asarray(c, dtype=np.int32) for c in img.convert("RGB").split())
    return int(((r > 120) & (r > 2 * g) & (r > 2 * b)).sum())


def test_redeye_takes_the_red_out_of_the_pupils(tmp_path):
    from transforms.dialects.imgix import parse_params
    from transforms.pipeline import render
    from transforms.spec import Limits

    eyed = red_eyed()
    data = imagegen.encode(eyed, "PNG")
    limits = Limits()
    plain = Image.open(io.BytesIO(render(data, parse_params([("fm", "png")], limits), "png",
                                         limits).data)).convert("RGB")
    spec = parse_params([("fm", "png"), ("auto", "redeye")], limits)
    fixed = Image.open(io.BytesIO(render(data, spec, "png", limits).data)).convert("RGB")
    face = face_in(plain)
    top_half = (face[0], face[1], face[2], (face[1] + face[3]) // 2)
    assert redness(plain.crop(top_half)) > 60  # the painted pupils
    assert redness(fixed.crop(top_half)) < redness(plain.crop(top_half)) / 10
    # the red of her suit and the flag, outside the eyes, stays
    below = (0, face[3] + 20, 512, 512)
    assert ImageChops.difference(plain.crop(below), fixed.crop(below)).getbbox() is None
    assert redness(fixed.crop(below)) > 1000


def test_face_blur_on_a_picture_with_alpha_keeps_the_alpha():
    from transforms.dialects.imgix import parse_params
    from transforms.pipeline import render
    from transforms.spec import Limits

    rgba = ASTRONAUT.convert("RGBA")
    rgba.putalpha(200)
    data = imagegen.encode(rgba, "PNG")
    limits = Limits()
    spec = parse_params([("fm", "png"), ("face-blur", "100"), ("auto", "redeye")], limits)
    out = Image.open(io.BytesIO(render(data, spec, "png", limits).data))
    assert out.mode == "RGBA" and out.getchannel("A").getextrema() == (200, 200)
    assert faces.detect(out.convert("L")) == ()


def test_face_blur_after_fit_facearea(server):
    framed = image(server, "astronaut.png?fit=facearea&facepad=2&w=200&h=200&fm=png")
    assert len(faces.detect(framed.convert("L"))) == 1
    hidden = image(server, "astronaut.png?fit=facearea&facepad=2&w=200&h=200&fm=png&face-blur=100")
    assert hidden.size == (200, 200) and faces.detect(hidden.convert("L")) == ()
    corner = (0, 0, 20, 20)  # the padded frame's corner is far from the face
    assert ImageChops.difference(framed.crop(corner), hidden.crop(corner)).getbbox() is None


def test_face_effects_share_the_detection_of_an_original(server):
    key_of = faces.digest(off_centre())
    for query in ("w=700&face-blur=50", "w=500&face-pixel=50", "w=300&auto=redeye",
                  "fm=json&faces=1&w=600", "fit=facearea&w=100&h=100"):
        get(server, f"astronaut.png?{query}")
    # one detection of the whole picture (a facearea cut with an effect adds its own)
    whole = [key for key in faces.FACES if key[0] == key_of and key[-1] == ()]
    assert len(whole) == 1


def test_two_trims_of_the_same_size_keep_their_own_faces(tmp_path):
    """White | astronaut | black: trimming the white or the black leaves 1024 x 512 either
    way, with the face in a different place; each must blur its own face."""
    from transforms.dialects.imgix import parse_params
    from transforms.pipeline import render
    from transforms.spec import Limits

    canvas = Image.new("RGB", (1536, 512), (255, 255, 255))
    canvas.paste(ASTRONAUT, (512, 0))
    canvas.paste((0, 0, 0), (1024, 0, 1536, 512))
    data = imagegen.encode(canvas, "PNG")
    limits = Limits()
    for colour in ("fff", "000"):
        spec = parse_params([("trim", "color"), ("trim-color", colour), ("fm", "png"),
                             ("face-blur", "100")], limits)
        out = Image.open(io.BytesIO(render(data, spec, "png", limits).data)).convert("RGB")
        assert out.size == (1024, 512)
        assert faces.detect(out.convert("L")) == (), colour
