"""crop=faces (issue 12, item 1): OpenCV's cascade on NASA's astronaut photo (public
domain, shipped in scikit-image's data folder), placed off-centre in a wider canvas."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat
from skimage import data as skdata

from tests import imagegen
from transforms import faces


def off_centre() -> bytes:
    """The astronaut (512 x 512) at the right end of a 1536 x 512 grey canvas: a centre
    crop of 512 x 512 shows only grey."""
    canvas = Image.new("RGB", (1536, 512), (128, 128, 128))
    canvas.paste(Image.fromarray(skdata.astronaut()), (1024, 0))
    return imagegen.encode(canvas, "JPEG", quality=92)


ORIGINAL = off_centre()


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root = tmp_path_factory.mktemp("faces")
    (root / "astronaut.jpg").write_bytes(ORIGINAL)
    (root / "noface.jpg").write_bytes(imagegen.jpeg(900, 300))
    with signet_with(
        sources=[
            {"name": "f", "type": "folder", "root": str(root)},
            {"name": "k", "type": "folder", "root": str(root), "scheme": "imagekit"},
        ],
    ) as served:
        yield served.base


def image(server: str, query: str, source: str = "f") -> Image.Image:
    resp = httpx.get(f"{server}/{source}/{query}", timeout=60)
    assert resp.status_code == 200, resp.text
    return Image.open(io.BytesIO(resp.content)).convert("RGB")


def test_the_astronaut_has_one_face():
    found = faces.detect(Image.fromarray(skdata.astronaut()).convert("L"))
    assert len(found) == 1
    x0, y0, x1, y1 = found[0]
    assert 0.3 < x0 < x1 < 0.6 and 0.1 < y0 < y1 < 0.4  # her face, upper middle


def test_crop_faces_keeps_the_face_the_centre_crop_loses(server):
    kept = image(server, "astronaut.jpg?w=300&h=300&fit=crop&crop=faces")
    assert kept.size == (300, 300)
    assert len(faces.detect(kept.convert("L"))) == 1
    centre = image(server, "astronaut.jpg?w=300&h=300&fit=crop")
    assert faces.detect(centre.convert("L")) == ()
    assert max(centre.convert("L").getextrema()) - min(centre.convert("L").getextrema()) < 20


def test_crop_faces_centres_the_face(server):
    kept = image(server, "astronaut.jpg?w=512&h=512&fit=crop&crop=faces")
    (x0, y0, x1, y1), = faces.detect(kept.convert("L"))
    assert abs((x0 + x1) / 2 - 0.5) < 0.08  # horizontally: the only free axis


def test_a_second_size_does_not_detect_again(server):
    key_of = faces.digest(ORIGINAL)
    image(server, "astronaut.jpg?w=200&h=200&fit=crop&crop=faces")
    image(server, "astronaut.jpg?w=120&h=120&fit=crop&crop=faces")
    image(server, "astronaut.jpg?w=90&h=60&fit=crop&crop=faces")
    assert len([key for key in faces.FACES if key[0] == key_of]) == 1


def test_without_a_face_the_other_crop_words_decide(server):
    with_faces = image(server, "noface.jpg?w=200&h=200&fit=crop&crop=faces,left")
    left = image(server, "noface.jpg?w=200&h=200&fit=crop&crop=left")
    assert with_faces.tobytes() == left.tobytes()
    centre = image(server, "noface.jpg?w=200&h=200&fit=crop")
    assert image(server, "noface.jpg?w=200&h=200&fit=crop&crop=faces").tobytes() == centre.tobytes()


def test_imagekit_fo_face_keeps_the_face(server):
    kept = image(server, "astronaut.jpg?tr=w-300,h-300,fo-face", source="k")
    assert kept.size == (300, 300)
    assert len(faces.detect(kept.convert("L"))) == 1


def face_width(img: Image.Image) -> float:
    (x0, _, x1, _), = faces.detect(img.convert("L"))
    return x1 - x0


def test_fit_facearea_frames_the_face(server):
    framed = image(server, "astronaut.jpg?fit=facearea&w=200&h=200&facepad=1.5")
    assert framed.size == (200, 200)
    # the face box is two thirds of the frame (the detector's box on the crop varies a little)
    assert 0.5 < face_width(framed) < 0.85
    wider = image(server, "astronaut.jpg?fit=facearea&w=200&h=200&facepad=3")
    assert 0.2 < face_width(wider) < 0.45


def test_fit_facearea_without_w_and_h_is_the_padded_face(server):
    framed = image(server, "astronaut.jpg?fit=facearea&facepad=2")
    found = faces.detect(Image.fromarray(skdata.astronaut()).convert("L"))
    side = (found[0][2] - found[0][0]) * 512 * 2  # the detector's box varies with the copy
    assert abs(framed.width - framed.height) <= 2
    assert 0.85 * side < framed.width < 1.15 * side


def test_fit_facearea_without_that_face_is_fit_crop(server):
    crop = image(server, "noface.jpg?w=200&h=200&fit=crop")
    assert image(server, "noface.jpg?w=200&h=200&fit=facearea").tobytes() == crop.tobytes()
    whole = image(server, "astronaut.jpg?w=300&h=100&fit=crop")
    second = image(server, "astronaut.jpg?w=300&h=100&fit=facearea&faceindex=2")
    # facearea decodes the JPEG whole, fit=crop at half size: the same picture, nearly
    difference = ImageChops.difference(second, whole).convert("L")
    assert second.size == whole.size and ImageStat.Stat(difference).mean[0] < 2


def test_face_box_keeps_the_shape_inside_the_picture():
    from transforms.steps.face_area import face_box

    assert face_box((0.4, 0.4, 0.6, 0.6), (1000, 500), 1.0, None) == (400, 200, 600, 300)
    assert face_box((0.4, 0.4, 0.6, 0.6), (1000, 500), 1.0, 2.0) == (400, 200, 600, 300)
    assert face_box((0.4, 0.4, 0.6, 0.6), (1000, 500), 1.0, 1.0) == (400, 150, 600, 350)
    assert face_box((0.0, 0.0, 0.1, 0.2), (1000, 500), 2.0, None) == (0, 0, 200, 200)
    assert face_box((0.4, 0.4, 0.6, 0.6), (1000, 500), 50.0, 1.0) == (250, 0, 750, 500)


@pytest.mark.parametrize(
    "query", ["facepad=0", "facepad=-1", "facepad=x", "faceindex=0", "faceindex=1.5"]
)
def test_bad_face_values_are_400(server, query):
    resp = httpx.get(f"{server}/f/astronaut.jpg?fit=facearea&{query}", timeout=30)
    assert resp.status_code == 400
    assert query.partition("=")[0] in resp.text
