"""ImageKit `z-` with `fo-face` (issue 12): zoom around the face of NASA's astronaut
(public domain, scikit-image's data folder), placed off-centre in a wider canvas."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat
from skimage import data as skdata

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi
from transforms import faces


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("zoom")
    canvas = Image.new("RGB", (1536, 512), (128, 128, 128))
    canvas.paste(Image.fromarray(skdata.astronaut()), (1024, 0))
    (root / "astronaut.jpg").write_bytes(imagegen.encode(canvas, "JPEG", quality=92))
    (root / "noface.jpg").write_bytes(imagegen.jpeg(900, 300))
    settings = load_settings(
        None, sources=[{"name": "k", "type": "folder", "root": str(root), "scheme": "imagekit"}]
    )
    with run_asgi(create_app(settings)) as base:
        yield base


def image(server: str, tr: str, name: str = "astronaut.jpg") -> Image.Image:
    resp = httpx.get(f"{server}/k/{name}", params={"tr": tr}, timeout=60)
    assert resp.status_code == 200, resp.text
    return Image.open(io.BytesIO(resp.content)).convert("RGB")


def face_width(img: Image.Image) -> float:
    (x0, _, x1, _), = faces.detect(img.convert("L"))
    return x1 - x0


def test_zoom_frames_the_face_more_or_less_tightly(server):
    plain = image(server, "w-300,h-300,fo-face")
    out = image(server, "w-300,h-300,fo-face,z-0.5")  # twice the face's size
    closer = image(server, "w-300,h-300,fo-face,z-0.75")
    assert plain.size == out.size == closer.size == (300, 300)
    # fo-face alone keeps the whole 512 px height: the face is a fifth of the frame
    assert face_width(plain) < 0.3
    assert 0.35 < face_width(out) < 0.65
    assert face_width(out) < face_width(closer) < 0.9


def test_zoom_with_width_alone_is_the_padded_face(server):
    out = image(server, "w-200,fo-face,z-0.5")
    assert out.width == 200 and abs(out.height - 200) <= 2
    assert 0.35 < face_width(out) < 0.65


def test_zoom_without_a_face_is_the_centre_crop(server):
    zoomed = image(server, "w-200,h-200,fo-face,z-0.5", name="noface.jpg")
    assert zoomed.size == (200, 200)
    centre = image(server, "w-200,h-200", name="noface.jpg")
    # fit=facearea decodes whole, the plain crop at a reduced JPEG scale: nearly equal
    assert ImageStat.Stat(ImageChops.difference(zoomed, centre).convert("L")).mean[0] < 3


@pytest.mark.parametrize(
    "tr, words",
    [
        ("w-200,h-200,z-0.5", "needs fo-face"),
        ("w-200,h-200,fo-top,z-0.5", "needs fo-face"),
        ("w-200,h-200,fo-face,z-0", "must be a number"),
        ("w-200,h-200,fo-face,z-abc", "must be a number"),
        ("w-200,h-200,fo-face,z-101", "must be a number"),
        ("w-200,h-200,fo-face,c-at_max,z-0.5", "c-maintain_ratio"),
        ("w-200,h-200,fo-face,cm-extract,z-0.5", "c-maintain_ratio"),
    ],
)
def test_bad_zoom_is_400(server, tr, words):
    resp = httpx.get(f"{server}/k/astronaut.jpg", params={"tr": tr}, timeout=30)
    assert resp.status_code == 400
    assert "z" in resp.text and words in resp.text
