"""Chained ImageKit steps and named transformations through Signet under uvicorn."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.signing import sign_url
from tests import imagegen
from tests.pixels import box_of

KEY = "chain-test-key"
RED = (255, 0, 0)
PRESETS = {"wide": "w=300&h=100&fit=crop", "logo": "w=200&mark=/logo.png&mark-pad=0"}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(800, 600))
    (root / "logo.png").write_bytes(imagegen.encode(Image.new("RGB", (40, 20), RED), "PNG"))
    return root


@pytest.fixture(scope="module")
def server(media: Path, signet_with) -> httpx.Client:
    common = {"type": "folder", "root": str(media), "scheme": "imagekit", "presets": PRESETS}
    with signet_with(
        env={"SIGNET_TEST_CHAIN_KEY": KEY},
        sources=[
            {"name": "ik", **common},
            {"name": "iks", **common, "secure": True, "keys": ["env:SIGNET_TEST_CHAIN_KEY"]},
            {"name": "ikstrict", **common, "strict": True},
            {"name": "ikfixed", **common, "preset_override": False},
        ],
    ) as served:
        yield served.client


def image(resp: httpx.Response) -> Image.Image:
    assert resp.status_code == 200, resp.text
    return imagegen.open_bytes(resp.content)


def max_difference(one: Image.Image, two: Image.Image) -> int:
    assert one.size == two.size
    a, b = one.convert("RGB").tobytes(), two.convert("RGB").tobytes()
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


STEPS = ["w-400,h-300", "rt-90", "l-image,i-logo.png,lfo-bottom_right,l-end", "w-200"]


def test_a_chain_renders_like_its_steps_one_request_at_a_time(server, media):
    chained = image(server.get("/ik/photo.jpg", params={"tr": ":".join(STEPS) + ",f-png"}))
    assert chained.size == (200, 267)  # 400 x 300, turned to 300 x 400, then 200 wide
    source = "photo.jpg"
    for index, step in enumerate(STEPS):
        out = server.get(f"/ik/{source}", params={"tr": step + ",f-png"})
        source = f"step-{index}.png"
        (media / source).write_bytes(out.content)  # the next request's original
    stepwise = imagegen.open_bytes((media / source).read_bytes())
    assert max_difference(chained, stepwise) <= 2
    # The logo went on in the third step, bottom right of the turned 300 x 400, and was
    # scaled with the rest by the last: 40 x 20 -> 27 x 13 in the corner.
    box = box_of(chained.convert("RGB"), RED)
    assert box is not None and box[2:] == (200, 267) and 25 <= box[2] - box[0] <= 29


def test_the_path_form_is_the_same_chain(server):
    query = server.get("/ik/photo.jpg", params={"tr": "w-400,h-300:rt-90:w-200"})
    path = server.get("/ik/tr:w-400,h-300:rt-90:w-200/photo.jpg")
    assert image(path).size == image(query).size == (200, 267)
    assert path.headers["etag"] == query.headers["etag"]
    assert path.content == query.content


def test_a_resize_after_a_rotation_or_a_layer_is_chained(server):
    assert image(server.get("/ik/photo.jpg?tr=rt-90:w-100")).size == (100, 133)
    layered = server.get("/ik/photo.jpg?tr=w-400,l-image,i-logo.png,lfo-top_left,l-end:w-200")
    img = image(layered).convert("RGB")
    assert img.size == (200, 150)
    assert box_of(img, RED) == (0, 0, 20, 10)  # the 40 x 20 logo, halved with the picture


def test_the_etag_covers_every_stage(server):
    etags = {
        tr: server.get(f"/ik/photo.jpg?tr={tr}").headers["etag"]
        for tr in ("w-400:w-200", "w-400:w-300", "w-300:w-200", "w-100:rt-90", "w-100,rt-90")
    }
    assert len({etags["w-400:w-200"], etags["w-400:w-300"], etags["w-300:w-200"]}) == 3
    # One pass does both, so both spellings are one result and one cache entry.
    assert etags["w-100:rt-90"] == etags["w-100,rt-90"]
    again = server.get("/ik/photo.jpg?tr=w-400:w-300")
    assert again.headers["x-signet-cache"] == "hit-memory"


def test_too_many_steps_answer_400(server):
    resp = server.get("/ik/photo.jpg?tr=" + ":".join(["rt-90"] * 11))
    assert resp.status_code == 400 and resp.text.startswith("tr: "), resp.text


def test_named_transformations(server):
    wide = image(server.get("/ik/tr:n-wide/photo.jpg"))
    assert wide.size == (300, 100)
    assert image(server.get("/ik/tr:n-wide:rt-90/photo.jpg")).size == (100, 300)
    assert image(server.get("/ik/tr:rt-90:n-wide/photo.jpg")).size == (300, 100)
    # The same preset by its imgix name gives the same bytes and ETag.
    preset = server.get("/ik/photo.jpg?preset=wide")
    assert preset.content == server.get("/ik/tr:n-wide/photo.jpg").content
    assert preset.headers["etag"] == server.get("/ik/photo.jpg?tr=n-wide").headers["etag"]
    resp = server.get("/ik/tr:n-nosuch/photo.jpg")
    assert resp.status_code == 400 and resp.text.startswith("n: "), resp.text


def test_a_strict_source_serves_its_named_transformations_only(server):
    img = image(server.get("/ikstrict/tr:n-logo/photo.jpg")).convert("RGB")
    box = box_of(img, RED)  # the 40 x 20 logo in the corner (a JPEG: edges are soft)
    assert img.size == (200, 150) and box is not None and box[2:] == (200, 150)
    assert abs(box[0] - 160) <= 1 and abs(box[1] - 130) <= 1
    for target, param in [
        ("/ikstrict/tr:w-10/photo.jpg", "w"),
        ("/ikstrict/tr:n-logo:rt-90/photo.jpg", "rt"),
        ("/ikstrict/photo.jpg", "preset"),
        ("/ikstrict/tr:n-logo/photo.jpg?mark-alpha=0", "mark-alpha"),
    ]:
        resp = server.get(target)
        assert resp.status_code == 400 and resp.text.startswith(f"{param}: "), resp.text


def test_a_fixed_preset_cannot_be_changed_by_the_chain(server):
    assert image(server.get("/ikfixed/tr:n-logo/photo.jpg")).size == (200, 150)
    for target, param in [
        ("/ikfixed/tr:n-logo:cm-extract,w-100,h-100,fo-top_left/photo.jpg", "cm"),
        ("/ikfixed/tr:n-logo/photo.jpg?mark-alpha=0", "mark-alpha"),
    ]:
        resp = server.get(target)
        assert resp.status_code == 400 and resp.text.startswith(f"{param}: "), resp.text


def test_other_query_parameters_are_ignored_but_signed(server):
    plain = server.get("/ik/photo.jpg?tr=w-100")
    busted = server.get("/ik/photo.jpg?tr=w-100&v=2&updatedAt=1700000000")
    assert image(busted).size == image(plain).size == (100, 75)
    assert busted.headers["etag"] == plain.headers["etag"]  # one render, one cache entry
    url = sign_url("/iks/photo.jpg?tr=w-100&v=2", KEY, scheme="imagekit", endpoint_path="/iks")
    assert image(server.get(url)).size == (100, 75)
    assert server.get(url.replace("v=2", "v=3")).status_code == 403
