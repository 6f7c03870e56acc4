"""Adjustments, stylize, border, padding, fill, mask, trim and grid through Signet under uvicorn."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image

from app.signing import sign_url
from tests import imagegen

KEY = "effects-test-key"
VAULT_KEY = "effects-vault-key"
GREY, RED = (128, 128, 128), (255, 0, 0)


def png(img: Image.Image) -> bytes:
    return imagegen.encode(img, "PNG")


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> httpx.Client:
    root = tmp_path_factory.mktemp("effects")
    media, vault = root / "media", root / "vault"
    media.mkdir()
    vault.mkdir()
    (media / "grey.png").write_bytes(png(Image.new("RGB", (400, 300), GREY)))
    framed = Image.new("RGB", (400, 300), (255, 255, 255))
    framed.paste(GREY, (100, 50, 300, 250))
    (media / "framed.png").write_bytes(png(framed))
    half = Image.new("L", (40, 40), 0)
    half.paste(255, (0, 0, 20, 40))  # left half visible
    (media / "half.png").write_bytes(png(half))
    (media / "notimage.png").write_bytes(b"not an image\n")
    (vault / "half.png").write_bytes(png(half))
    with signet_with(
        env={"SIGNET_TEST_EFFECTS_KEY": KEY, "SIGNET_TEST_EFFECTS_VAULT": VAULT_KEY},
        sources=[
            {"name": "fx", "type": "folder", "root": str(media),
             "keys": ["env:SIGNET_TEST_EFFECTS_KEY"]},
            {"name": "vault", "type": "folder", "root": str(vault), "secure": True,
             "keys": ["env:SIGNET_TEST_EFFECTS_VAULT"]},
            {"name": "shared", "type": "folder", "root": str(vault), "secure": True,
             "keys": ["env:SIGNET_TEST_EFFECTS_KEY"]},
            {"name": "fixed", "type": "folder", "root": str(media), "preset_override": False,
             "presets": {"branded": "w=200&blend=/half.png&blend-mode=multiply&border=4,f00"}},
        ],
    ) as served:
        yield served.client


def image(server: httpx.Client, url: str) -> Image.Image:
    resp = server.get(url)
    assert resp.status_code == 200, resp.text
    return imagegen.open_bytes(resp.content)


def pixel(img: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = img.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 4) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_adjustments_over_http(server) -> None:
    img = image(server, "/fx/grey.png?w=200&bri=20&fm=png")
    assert img.size == (200, 150) and near(pixel(img, (10, 10)), (179, 179, 179))
    toned = image(server, "/fx/grey.png?w=200&duotone=000080,ffffff&fm=png")
    assert toned.getpixel((10, 10))[2] > toned.getpixel((10, 10))[0] + 40


def test_border_and_padding_over_http(server) -> None:
    img = image(server, "/fx/grey.png?w=300&h=300&fit=crop&border=10,ff0000&pad=5&bg=00ff00")
    assert img.size == (300, 300)
    assert near(pixel(img, (3, 150)), RED, 20) and near(pixel(img, (12, 150)), (0, 255, 0), 20)


def test_fill_over_http(server) -> None:
    img = image(server, "/fx/grey.png?w=300&h=300&fit=fill&fill=solid&fill-color=ff0000&fm=png")
    assert img.size == (300, 300)
    assert near(pixel(img, (150, 5)), RED) and near(pixel(img, (150, 150)), GREY)


def test_trim_over_http(server) -> None:
    img = image(server, "/fx/framed.png?trim=color&w=100")
    assert img.size == (100, 100)


def test_grid_over_http(server) -> None:
    img = image(server, "/fx/grey.png?w=100&mask=ellipse&transparency=grid&grid-colors=f00,00f")
    assert img.mode == "RGB" and near(pixel(img, (1, 1)), RED)


def test_shape_mask_over_http(server) -> None:
    img = image(server, "/fx/grey.png?w=200&h=200&fit=crop&mask=ellipse&fm=png")
    assert img.mode == "RGBA" and pixel(img, (2, 2))[3] == 0 and pixel(img, (100, 100))[3] == 255


def test_image_mask_from_the_same_source(server) -> None:
    img = image(server, "/fx/grey.png?w=200&mask=/half.png&fm=png")
    assert img.size == (200, 150)
    assert pixel(img, (50, 75))[3] == 255 and pixel(img, (150, 75))[3] == 0
    jpeg = image(server, "/fx/grey.png?w=200&mask=/half.png&mask-bg=ff0000&fm=jpg")
    assert near(pixel(jpeg, (150, 75)), RED, 12)


def test_image_blend_from_the_same_source(server) -> None:
    img = image(server, "/fx/grey.png?w=200&blend=/half.png&blend-mode=multiply&blend-size=inherit")
    assert img.size == (200, 150)
    left, right = pixel(img.convert("RGB"), (60, 75)), pixel(img.convert("RGB"), (150, 75))
    assert near(left, GREY, 8) and max(right) < 20  # grey x white, grey x black
    resp = server.get("/fx/grey.png?blend=/missing.png")
    assert resp.status_code == 400 and "blend: no such image" in resp.text


def test_image_mask_changes_the_etag(server) -> None:
    plain = server.get("/fx/grey.png?w=200&mask=ellipse&fm=png").headers["etag"]
    masked = server.get("/fx/grey.png?w=200&mask=/half.png&fm=png").headers["etag"]
    assert plain != masked


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/fx/grey.png?mask=/missing.png", 400, "mask: no such image"),
        ("/fx/grey.png?mask=/notimage.png", 400, "mask: the mask is not a decodable image"),
        ("/fx/grey.png?mask=/../secret.png", 400, "mask:"),
        ("/fx/grey.png?mask=vault:half.png", 403, "mask: vault:half.png may only be used"),
        ("/fx/grey.png?bri=500", 400, "bri:"),
        ("/fx/grey.png?border=10", 400, "border:"),
        ("/fx/grey.png?fill=blur", 400, "fill: needs fit=fill"),
        ("/fx/grey.png?w=10&h=10&fit=fill&fill=gen", 400, "generative"),
        ("/fx/grey.png?trim-md=4", 400, "trim-md: needs trim"),
        ("/fx/grey.png?w=20&h=20&border=10,000", 400, "border:"),
    ],
)
def test_errors_name_the_parameter(server, url: str, status: int, words: str) -> None:
    resp = server.get(url)
    assert resp.status_code == status, resp.text
    assert words in resp.text


def test_image_mask_from_a_secure_source_needs_its_signature(server) -> None:
    path = "/fx/grey.png?w=100&mask=shared:half.png&fm=png"
    assert server.get(path).status_code == 403
    img = image(server, sign_url(path, key=KEY.encode()))  # a key of both sources
    assert pixel(img, (20, 37))[3] == 255 and pixel(img, (80, 37))[3] == 0


def test_a_fixed_preset_keeps_its_blend_and_border(server) -> None:
    assert server.get("/fixed/grey.png?preset=branded").status_code == 200
    for option in ("blend-alpha=0", "blend-mode=normal", "border-top=0", "border-radius=9"):
        resp = server.get(f"/fixed/grey.png?preset=branded&{option}")
        assert resp.status_code == 400, option
        assert resp.text.startswith(option.split("=")[0] + ": ")
    assert server.get("/fixed/grey.png?preset=branded&bri=10").status_code == 200
