"""ImageKit's fo-custom: crops around the customCoordinates a file was uploaded with
(issue 14, item 4), through the media library's upload API and the real imagekitio SDK."""

from __future__ import annotations

import os

import httpx
import pytest
from imagekitio import ImageKit
from PIL import Image

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi
from transforms.custom_focus import with_custom_focus
from transforms.dialects.imagekit import parse_imagekit
from transforms.spec import Chain, Limits

KEY = "focus-private-key"
RED, BLUE = (255, 0, 0), (0, 0, 255)


def halves() -> bytes:
    """400 x 200: red on the left half, blue on the right."""
    img = Image.new("RGB", (400, 200), RED)
    img.paste(BLUE, (200, 0, 400, 200))
    return imagegen.encode(img, "PNG")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("focus")
    (root / "plain.png").write_bytes(halves())  # put in by hand: no coordinates
    os.environ["SIGNET_TEST_FOCUS_KEY"] = KEY
    settings = load_settings(None, sources=[{
        "name": "lib", "type": "folder", "root": str(root), "scheme": "imagekit",
        "keys": ["env:SIGNET_TEST_FOCUS_KEY"], "media_api": True,
    }])
    with run_asgi(create_app(settings)) as base:
        ik = ImageKit(private_key=KEY, base_url=base + "/lib", max_retries=0)
        up = ik.files.upload(file=halves(), file_name="focus.png", use_unique_file_name=False,
                             custom_coordinates="300,50,60,100")  # inside the blue half
        yield base, ik, up


def colours(resp: httpx.Response) -> tuple[tuple[int, int], set[tuple[int, int, int]]]:
    assert resp.status_code == 200, resp.text
    img = imagegen.open_bytes(resp.content).convert("RGB")
    picked = {img.getpixel((x, y)) for x in (0, img.width // 2, img.width - 1)
              for y in (0, img.height - 1)}
    return img.size, {tuple(round(c / 255) * 255 for c in p) for p in picked}


def test_a_crop_is_centred_on_the_files_area(server):
    base, _, _ = server
    size, seen = colours(httpx.get(f"{base}/lib/focus.png?tr=w-100,h-100,fo-custom,f-png"))
    assert size == (100, 100) and seen == {BLUE}  # the window moved right, onto the area
    size, seen = colours(httpx.get(f"{base}/lib/focus.png?tr=w-100,h-100,f-png"))
    assert seen == {RED, BLUE}  # centred, as without fo-custom


def test_an_extract_without_a_size_cuts_the_area_out(server):
    base, _, _ = server
    size, seen = colours(httpx.get(f"{base}/lib/focus.png?tr=cm-extract,fo-custom,f-png"))
    assert size == (60, 100) and seen == {BLUE}


def test_an_extract_with_a_size_is_centred_on_the_area(server):
    base, _, _ = server
    resp = httpx.get(f"{base}/lib/focus.png?tr=w-200,h-100,cm-extract,fo-custom,f-png")
    size, seen = colours(resp)
    assert size == (200, 100) and seen == {BLUE}  # x from 200 to 400 (clamped), not 130


def test_a_file_without_coordinates_crops_the_centre(server):
    base, _, _ = server
    size, seen = colours(httpx.get(f"{base}/lib/plain.png?tr=w-100,h-100,fo-custom,f-png"))
    assert size == (100, 100) and seen == {RED, BLUE}
    size, _ = colours(httpx.get(f"{base}/lib/plain.png?tr=cm-extract,fo-custom,f-png"))
    assert size == (400, 200)  # the area is the whole image


def test_new_coordinates_are_a_new_answer(server):
    base, ik, up = server
    url = f"{base}/lib/focus.png?tr=cm-extract,fo-custom,f-png"
    before = httpx.get(url)
    ik.files.update(up.file_id, custom_coordinates="10,10,50,50")  # in the red half
    after = httpx.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    size, seen = colours(after)
    assert size == (50, 50) and seen == {RED}
    ik.files.update(up.file_id, custom_coordinates="300,50,60,100")


def test_fo_custom_with_pad_resize_answers_400(server):
    base, _, _ = server
    resp = httpx.get(f"{base}/lib/focus.png?tr=w-100,h-100,cm-pad_resize,fo-custom")
    assert resp.status_code == 400 and resp.text.startswith("fo: ")


def chain(tr: str) -> Chain:
    return parse_imagekit(None, [("tr", tr)], Limits())


def test_resolution_is_pure_and_only_for_the_first_step():
    resolved = with_custom_focus(chain("w-100,h-100,fo-custom:w-50,h-50,fo-custom"),
                                 (300, 50, 60, 100), (400, 200))
    first, second = resolved.stages
    assert first.size.crop == ("focalpoint",)
    assert (first.size.fp_x, first.size.fp_y) == (330 / 400, 100 / 200)
    assert second.size.crop == ()  # the original's area means nothing after a step
    untouched = chain("w-100,h-100,fo-top")
    assert with_custom_focus(untouched, (1, 1, 1, 1), (10, 10)) is untouched
    assert with_custom_focus(chain("w-100,h-100,fo-custom"), None, None).final.size.crop == ()
