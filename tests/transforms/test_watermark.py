"""Image watermarks through the real server: placement, size, alpha, tiling, dpr, access, ETag."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.signing import sign_url
from tests import imagegen
from tests.pixels import GREY, box_of, count_of
from tests.upstream import run_upstream
from transforms.marks import MARKS

STAT_CACHE_SECONDS = 0.3  # the "wm" source's: how long its look at a file is reused

KEY = "watermark-test-key"
VAULT_KEY = "watermark-vault-key"
RED = (255, 0, 0, 255)


def png(img: Image.Image) -> bytes:
    return imagegen.encode(img, "PNG")


def logo(width: int, height: int, colour: tuple[int, ...] = RED) -> Image.Image:
    return Image.new("RGBA", (width, height), colour)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("watermark")
    media, other, vault = root / "media", root / "other", root / "vault"
    for folder in (media, other, vault, media / "private"):
        folder.mkdir()
    (media / "grey.png").write_bytes(png(Image.new("RGB", (400, 300), GREY)))
    (media / "grey-l.png").write_bytes(png(Image.new("L", (400, 300), 128)))
    (media / "logo.png").write_bytes(png(logo(40, 20)))
    (media / "big-logo.png").write_bytes(png(logo(1000, 500)))
    stripe = logo(40, 20, (0, 0, 0, 0))
    stripe.paste(RED, (0, 0, 20, 20))  # left half red, right half transparent
    (media / "stripe.png").write_bytes(png(stripe))
    (media / "notimage.png").write_bytes(b"not an image at all\n")
    (media / "private" / "logo.png").write_bytes(png(logo(40, 20)))
    (media / "changing.png").write_bytes(png(logo(40, 20)))
    (other / "logo.png").write_bytes(png(logo(40, 20, (0, 0, 255, 255))))
    (vault / "logo.png").write_bytes(png(logo(40, 20, (0, 255, 0, 255))))
    (root / "secret.png").write_bytes(png(logo(40, 20)))
    return {"media": media, "other": other, "vault": vault}


@pytest.fixture(scope="module")
def upstream():
    with run_upstream("127.0.0.2") as up:
        yield up


@pytest.fixture(scope="module")
def server(folders, upstream, signet_with) -> httpx.Client:
    keys = ["env:SIGNET_TEST_WATERMARK_KEY"]
    with signet_with(
        env={"SIGNET_TEST_WATERMARK_KEY": KEY, "SIGNET_TEST_VAULT_KEY": VAULT_KEY},
        sources=[
            {"name": "wm", "type": "folder", "root": str(folders["media"]), "keys": keys,
             "private_prefixes": ["private/"], "stat_cache_seconds": STAT_CACHE_SECONDS},
            {"name": "signed", "type": "folder", "root": str(folders["media"]), "keys": keys,
             "secure": True},
            {"name": "other", "type": "folder", "root": str(folders["other"])},
            {"name": "vault", "type": "folder", "root": str(folders["vault"]), "secure": True,
             "keys": ["env:SIGNET_TEST_VAULT_KEY"]},
            {"name": "shared", "type": "folder", "root": str(folders["vault"]), "secure": True,
             "keys": keys},
            {"name": "proxy", "type": "web_proxy", "keys": keys,
             "allowed_networks": ["127.0.0.2/32"]},
        ],
    ) as served:
        yield served.client  # one client: a new one per request costs more than the request


def get(server: httpx.Client, url: str, **kwargs) -> httpx.Response:
    return server.get(url, **kwargs)


def image(server: httpx.Client, url: str) -> Image.Image:
    resp = get(server, url)
    assert resp.status_code == 200, resp.text
    return imagegen.open_bytes(resp.content).convert("RGB")


BASE = "/wm/grey.png?w=400&fm=png&mark=/logo.png"


@pytest.mark.parametrize(
    "align, box",
    [
        ("", (355, 275, 395, 295)),  # default bottom,right with the default pad of 5
        ("&mark-align=bottom,right", (355, 275, 395, 295)),
        ("&mark-align=top,left", (5, 5, 45, 25)),
        ("&mark-align=left,top", (5, 5, 45, 25)),  # either order
        ("&mark-align=top,right", (355, 5, 395, 25)),
        ("&mark-align=bottom,left", (5, 275, 45, 295)),
        ("&mark-align=middle,center", (180, 140, 220, 160)),
        ("&mark-align=top", (355, 5, 395, 25)),  # the other axis keeps its default
        ("&mark-align=top,left&mark-pad=0", (0, 0, 40, 20)),
        ("&mark-align=bottom,right&mark-pad=30", (330, 250, 370, 270)),
        ("&mark-x=100&mark-y=50", (100, 50, 140, 70)),
        ("&mark-x=100", (100, 275, 140, 295)),  # y still from the alignment
    ],
)
def test_mark_is_in_the_requested_place_and_nowhere_else(server, align, box):
    img = image(server, BASE + align)
    assert img.size == (400, 300)
    assert box_of(img, (255, 0, 0)) == box
    assert count_of(img, (255, 0, 0)) == 40 * 20
    # Everything outside the mark is the untouched grey.
    assert count_of(img, GREY, tolerance=0) == 400 * 300 - 40 * 20


def test_corners_compared(server):
    img = image(server, BASE + "&mark-align=top,left")
    corners = {
        "top-left": (0, 0, 100, 75),
        "top-right": (300, 0, 400, 75),
        "bottom-left": (0, 225, 100, 300),
        "bottom-right": (300, 225, 400, 300),
    }
    reds = {name: count_of(img, (255, 0, 0), box) for name, box in corners.items()}
    assert reds == {"top-left": 800, "top-right": 0, "bottom-left": 0, "bottom-right": 0}


def test_alpha_blends_the_mark_with_the_picture(server):
    img = image(server, BASE + "&mark-alpha=50&mark-align=top,left&mark-pad=0")
    r, g, b = img.getpixel((20, 10))
    # 50% red over grey: (255 + 128) / 2 and 128 / 2
    assert abs(r - 191) <= 2 and abs(g - 64) <= 2 and abs(b - 64) <= 2
    assert img.getpixel((100, 100)) == GREY
    invisible = image(server, BASE + "&mark-alpha=0")
    assert count_of(invisible, GREY, tolerance=0) == 400 * 300


def test_tiling_covers_the_image(server):
    img = image(server, "/wm/grey.png?w=400&fm=png&mark=/stripe.png&mark-tile=grid")
    for x in range(0, 400, 40):
        for y in range(0, 300, 20):
            assert img.getpixel((x + 10, y + 10)) == (255, 0, 0), (x, y)  # red half of a tile
            assert img.getpixel((x + 30, y + 10)) == GREY, (x, y)  # transparent half
    assert count_of(img, (255, 0, 0)) == 400 * 300 // 2


def test_dpr_2_doubles_the_mark_in_pixels(server):
    one = image(server, "/wm/grey.png?w=200&fm=png&mark=/logo.png")
    two = image(server, "/wm/grey.png?w=200&dpr=2&fm=png&mark=/logo.png")
    assert one.size == (200, 150) and two.size == (400, 300)
    assert box_of(one, (255, 0, 0)) == (155, 125, 195, 145)  # 40 x 20, pad 5
    assert box_of(two, (255, 0, 0)) == (310, 250, 390, 290)  # 80 x 40, pad 10
    sized = image(server, "/wm/grey.png?w=200&dpr=2&fm=png&mark=/logo.png&mark-w=30")
    assert box_of(sized, (255, 0, 0)) == (330, 260, 390, 290)  # mark-w is CSS pixels too


@pytest.mark.parametrize(
    "query, size",
    [
        ("&mark-w=80", (80, 40)),
        ("&mark-h=10", (20, 10)),
        ("&mark-w=80&mark-h=10", (20, 10)),  # fits inside both
        ("&mark-w=0.5", (200, 100)),  # a fraction of the base
        ("&mark-h=0.5", (300, 150)),
        ("&mark-scale=25", (100, 50)),  # percent of the base's width
        ("&mark-w=5000", (400, 200)),  # never larger than the base
    ],
)
def test_mark_size(server, query, size):
    img = image(server, BASE + "&mark-align=top,left&mark-pad=0" + query)
    assert box_of(img, (255, 0, 0)) == (0, 0, *size)


def test_a_mark_larger_than_the_base_is_clamped(server):
    img = image(server, "/wm/grey.png?w=200&fm=png&mark=/big-logo.png&mark-pad=0")
    assert box_of(img, (255, 0, 0)) == (0, 50, 200, 150)  # 200 x 100 at the bottom
    assert img.size == (200, 150)


def test_mark64_is_the_same_as_mark(server):
    encoded = base64.urlsafe_b64encode(b"/logo.png").decode().rstrip("=")
    plain = get(server, BASE)
    coded = get(server, f"/wm/grey.png?w=400&fm=png&mark64={encoded}")
    assert coded.status_code == 200
    assert coded.content == plain.content
    assert coded.headers["etag"] == plain.headers["etag"]


def test_a_mark_from_another_source(server):
    img = image(server, "/wm/grey.png?w=400&fm=png&mark=other:logo.png")
    assert box_of(img, (0, 0, 255)) == (355, 275, 395, 295)


def test_a_remote_mark_through_a_web_proxy_source(server, upstream):
    mark = f"proxy:{upstream.base}/image.jpg"  # the upstream's 64 x 48 photo
    url = sign_url(f"/wm/grey.png?w=400&fm=png&mark-pad=0&mark={mark}", KEY)
    img = image(server, url)
    assert img.getbbox() is not None
    changed = [img.getpixel((x, y)) != GREY for x in (336, 399) for y in (252, 299)]
    assert all(changed) and img.getpixel((335, 251)) == GREY  # 64 x 48, bottom right
    # A web proxy source takes only signed URLs, for marks too.
    assert get(server, f"/wm/grey.png?w=400&mark={mark}").status_code == 403


def test_a_remote_mark_keeps_the_proxy_ssrf_rules(server, upstream):
    loopback = f"proxy:http://127.0.0.1:{upstream.port}/image.jpg"
    resp = get(server, sign_url(f"/wm/grey.png?w=400&mark={loopback}", KEY))
    assert resp.status_code == 403 and resp.text.startswith("mark: ")
    missing = sign_url(f"/wm/grey.png?w=400&mark=proxy:{upstream.base}/missing", KEY)
    resp = get(server, missing)
    assert resp.status_code == 400 and resp.text.startswith("mark: no such image")


def test_a_grey_picture_gets_a_coloured_mark(server):
    img = image(server, "/wm/grey-l.png?w=400&fm=png&mark=/logo.png")
    assert img.getpixel((375, 285)) == (255, 0, 0)


def test_transparent_output_stays_transparent_around_the_mark(server):
    resp = get(server, "/wm/grey.png?w=400&h=400&fit=fill&fm=png&mark=/logo.png")
    img = imagegen.open_bytes(resp.content).convert("RGBA")
    assert img.getpixel((375, 385)) == RED  # the mark, on the padding
    assert img.getpixel((200, 10))[3] == 0  # the rest of the padding
    assert img.getpixel((200, 200)) == (*GREY, 255)


def test_jpeg_output(server):
    img = image(server, "/wm/grey.png?w=400&fm=jpg&mark=/logo.png")
    r, g, b = img.getpixel((375, 285))
    assert r > 200 and g < 60 and b < 60
    r, g, b = img.getpixel((100, 100))
    assert abs(r - 128) < 8 and abs(g - 128) < 8


def test_decoded_marks_are_cached(server):
    # Different thumbnails (so the result cache cannot answer), one mark size.
    image(server, "/wm/grey.png?w=300&fm=png&mark=/logo.png&mark-w=33")
    hits, misses = MARKS.hits, MARKS.misses
    for width in (301, 302, 303):
        image(server, f"/wm/grey.png?w={width}&fm=png&mark=/logo.png&mark-w=33")
    assert MARKS.misses == misses
    assert MARKS.hits == hits + 6  # its natural size, then the resized mark, each time


def test_a_changed_mark_changes_the_etag(server, folders):
    url = "/wm/grey.png?w=100&fm=png&mark=/changing.png"
    first = get(server, url)
    path = folders["media"] / "changing.png"
    path.write_bytes(png(logo(40, 20, (0, 0, 255, 255))))
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    time.sleep(STAT_CACHE_SECONDS + 0.1)  # a file replaced by hand is seen within this time
    second = get(server, url)
    assert second.headers["etag"] != first.headers["etag"]
    assert box_of(imagegen.open_bytes(second.content).convert("RGB"), (0, 0, 255)) is not None
    revalidated = get(server, url, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 200


def test_removing_the_mark_from_a_signed_url_is_refused(server):
    url = sign_url("/signed/grey.png?w=300&fm=png&mark=/logo.png&mark-align=top,left", KEY)
    img = image(server, url)
    assert box_of(img, (255, 0, 0)) == (5, 5, 45, 25)
    stripped = url.replace("&mark=/logo.png", "").replace("&mark-align=top,left", "")
    assert "mark" not in stripped and "s=" in stripped
    assert get(server, stripped).status_code == 403
    faded = url.replace("&fm=png", "&fm=png&mark-alpha=0")
    assert get(server, faded).status_code == 403


@pytest.mark.parametrize(
    "mark, message",
    [
        ("/missing.png", "no such image"),
        ("/notimage.png", "not a decodable image"),
        ("../secret.png", ". or .. segments"),
        ("/a/../../secret.png", ". or .. segments"),
        ("https://example.com/logo.png", "web_proxy"),
        ("other:missing.png", "no such image"),
        ("nosuch:logo.png", "no such image"),  # not a source name: a path in this source
    ],
)
def test_bad_marks_are_400_naming_mark(server, mark, message):
    resp = get(server, "/wm/grey.png", params={"w": "100", "mark": mark})
    assert resp.status_code == 400, resp.text
    assert resp.text.startswith("mark: "), resp.text
    assert message in resp.text
    assert "no-store" in resp.headers["cache-control"]


def test_a_private_mark_needs_a_signed_url(server):
    assert get(server, "/wm/grey.png?w=100&mark=/private/logo.png").status_code == 403
    url = sign_url("/wm/grey.png?w=100&fm=png&mark=/private/logo.png", KEY)
    assert box_of(image(server, url), (255, 0, 0)) is not None


def test_a_mark_from_a_secure_source_needs_its_key(server):
    unsigned = get(server, "/wm/grey.png?w=100&mark=vault:logo.png")
    assert unsigned.status_code == 403
    assert unsigned.text.startswith("mark: ")
    # Signed with the request's source key, which the vault does not hold.
    assert get(server, sign_url("/wm/grey.png?w=100&mark=vault:logo.png", KEY)).status_code == 403
    # A source that shares the key accepts the same signature.
    img = image(server, sign_url("/wm/grey.png?w=100&fm=png&mark=shared:logo.png", KEY))
    assert box_of(img, (0, 255, 0)) is not None


def test_mark_of_scale_zero_is_not_drawn(server):
    # imgix's mark-scale range starts at 0: a watermark of no size, so none is drawn.
    plain = image(server, "/wm/grey.png?w=400&fm=png")
    assert image(server, BASE + "&mark-scale=0").tobytes() == plain.tobytes()
    assert image(server, BASE + "&mark-scale=10").tobytes() != plain.tobytes()


@pytest.mark.parametrize(
    "query, name",
    [
        ("mark-alpha=101&mark=/logo.png", "mark-alpha"),
        ("mark-alpha=x&mark=/logo.png", "mark-alpha"),
        ("mark-align=up&mark=/logo.png", "mark-align"),
        ("mark-align=top,bottom&mark=/logo.png", "mark-align"),
        ("mark-tile=yes&mark=/logo.png", "mark-tile"),
        ("mark-scale=-1&mark=/logo.png", "mark-scale"),
        ("mark-scale=101&mark=/logo.png", "mark-scale"),
        ("mark-w=-1&mark=/logo.png", "mark-w"),
        ("mark-h=abc&mark=/logo.png", "mark-h"),
        ("mark-x=-5&mark=/logo.png", "mark-x"),
        ("mark-y=1.5&mark=/logo.png", "mark-y"),
        ("mark-pad=99999&mark=/logo.png", "mark-pad"),
        ("mark64=%21%21%21", "mark64"),
        ("mark=", "mark"),
        ("mark-alpha=50", "mark-alpha"),  # an option without its mark
        ("mark=/logo.png&mark64=L2xvZ28ucG5n", "mark64"),
        ("mark=/logo.png&mark=/logo.png", "mark"),
    ],
)
def test_bad_mark_parameters_are_400_naming_them(server, query, name):
    resp = get(server, f"/wm/grey.png?w=100&{query}")
    assert resp.status_code == 400, resp.text
    assert resp.text.startswith(f"{name}: "), resp.text
