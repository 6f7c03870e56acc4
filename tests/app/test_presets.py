"""Presets and strict mode through the real server, and presets checked at start-up."""

from __future__ import annotations

import time

import httpx
import pytest
from PIL import Image

from app.ops.cli import demo_urls
from app.ops.demo import demo_settings
from app.runtime import Runtime
from app.settings import ConfigError, load_settings
from app.signing import sign_url
from tests import imagegen
from tests.pixels import GREY, box_of

KEY = "presets-test-key"
PRESETS = {
    "thumb": "w=300&h=300&fit=crop&fm=png&mark=/logo.png",
    "small": "w=100&fm=png",
    "caption": "w=200&fm=png&txt=Signet&txt-color=f00",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("presets")
    (root / "grey.png").write_bytes(imagegen.encode(Image.new("RGB", (400, 300), GREY), "PNG"))
    (root / "logo.png").write_bytes(
        imagegen.encode(Image.new("RGBA", (40, 20), (255, 0, 0, 255)), "PNG")
    )
    return root


def source(name: str, root, **options) -> dict:
    return {"name": name, "type": "folder", "root": str(root), "presets": PRESETS, **options}


@pytest.fixture(scope="module")
def server(folder, signet_with) -> httpx.Client:
    keys = ["env:SIGNET_TEST_PRESETS_KEY"]
    with signet_with(
        env={"SIGNET_TEST_PRESETS_KEY": KEY},
        sources=[
            source("open", folder),
            source("fixed", folder, preset_override=False),
            source("strict", folder, strict=True),
            source("vault", folder, strict=True, secure=True, keys=keys),
            {"name": "plain", "type": "folder", "root": str(folder)},
        ],
    ) as served:
        yield served.client


def test_a_preset_renders_like_its_expansion(server):
    preset = server.get("/open/grey.png?preset=thumb")
    expanded = server.get("/open/grey.png?" + PRESETS["thumb"])
    assert preset.status_code == 200, preset.text
    assert preset.content == expanded.content
    assert preset.headers["etag"] == expanded.headers["etag"]
    img = imagegen.open_bytes(preset.content).convert("RGB")
    assert img.size == (300, 300)
    assert box_of(img, (255, 0, 0)) == (255, 275, 295, 295)  # the logo, bottom right


def test_explicit_parameters_override_a_preset(server):
    resp = server.get("/open/grey.png?preset=small&w=50")
    assert imagegen.open_bytes(resp.content).size == (50, 38)
    faded = server.get("/open/grey.png?preset=thumb&mark-alpha=0")
    assert box_of(imagegen.open_bytes(faded.content).convert("RGB"), (255, 0, 0)) is None


def test_aliases_override_and_are_fixed_like_their_names(server):
    resp = server.get("/open/grey.png?preset=small&width=50")  # imgix's alias of w
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).size == (50, 38)
    faded = server.get("/open/grey.png?preset=thumb&malph=0")
    assert box_of(imagegen.open_bytes(faded.content).convert("RGB"), (255, 0, 0)) is None
    fixed = server.get("/fixed/grey.png?preset=thumb&malph=0")
    assert fixed.status_code == 400 and fixed.text.startswith("malph: ")


def test_without_override_a_preset_parameter_is_400(server):
    resp = server.get("/fixed/grey.png?preset=small&w=50")
    assert resp.status_code == 400
    assert resp.text.startswith("w: ") and "small" in resp.text
    # Every option of a layer the preset draws is the preset's: the mark cannot be faded.
    faded = server.get("/fixed/grey.png?preset=thumb&mark-alpha=0")
    assert faded.status_code == 400 and faded.text.startswith("mark-alpha: ")
    text = server.get("/fixed/grey.png?preset=caption&txt-size=1")
    assert text.status_code == 400 and text.text.startswith("txt-size: ")
    # What the preset leaves alone can still be set.
    assert server.get("/fixed/grey.png?preset=small&q=50&blur=10").status_code == 200


def test_strict_source_serves_presets_only(server):
    assert server.get("/strict/grey.png?preset=small").status_code == 200
    expires = int(time.time()) + 3600
    assert server.get(f"/strict/grey.png?preset=small&expires={expires}").status_code == 200
    for query, name in [
        ("preset=small&w=50", "w"),
        ("w=50", "w"),
        ("preset=thumb&mark-alpha=0", "mark-alpha"),
        ("", "preset"),
        ("expires=" + str(expires), "preset"),
    ]:
        resp = server.get(f"/strict/grey.png?{query}")
        assert resp.status_code == 400, (query, resp.text)
        assert resp.text.startswith(f"{name}: "), resp.text


def test_strict_and_signed(server):
    url = sign_url("/vault/grey.png?preset=small", KEY, expires=int(time.time()) + 60)
    assert server.get(url).status_code == 200
    assert server.get("/vault/grey.png?preset=small").status_code == 403
    assert server.get(sign_url("/vault/grey.png?preset=small&w=50", KEY)).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/open/grey.png?preset=nosuch",
        "/open/grey.png?preset=small&preset=thumb",
        "/plain/grey.png?preset=small",  # a source without presets
        "/strict/grey.png?preset=",
    ],
)
def test_bad_preset_is_400_naming_preset(server, url):
    resp = server.get(url)
    assert resp.status_code == 400
    assert resp.text.startswith("preset: ")


@pytest.mark.parametrize(
    "presets, message",
    [
        ({"bad": "w=-1"}, "sources[bad].presets.bad: w: must be a number greater than 0"),
        ({"bad": "mark=/logo.png&mark-alpha=200"}, "sources[bad].presets.bad: mark-alpha:"),
        ({"bad": "nosuch=1"}, "sources[bad].presets.bad: nosuch: unknown parameter"),
        ({"bad": "w=1&expires=99"}, "sources[bad].presets.bad: expires: cannot be set by a preset"),
        ({"bad": "preset=thumb"}, "sources[bad].presets.bad: preset: cannot be set"),
        ({"a b": "w=1"}, "sources[bad].presets.a b: a preset name is"),
    ],
)
def test_a_bad_preset_fails_start_up(folder, presets, message):
    settings = load_settings(
        None,
        sources=[
            {"name": "ok", "type": "folder", "root": str(folder)},
            {"name": "bad", "type": "folder", "root": str(folder), "presets": presets},
        ],
    )
    with pytest.raises(ConfigError) as info:
        Runtime.build(settings)
    assert str(info.value).startswith(message), str(info.value)


def test_strict_without_presets_fails_start_up(folder):
    with pytest.raises(ConfigError) as info:
        load_settings(None, sources=[{"name": "s", "type": "folder", "root": str(folder),
                                      "strict": True}])
    assert "sources[s]" in str(info.value) and "presets" in str(info.value)


def test_demo_thumb_preset_carries_the_logo(tmp_path, monkeypatch, signet_with):
    monkeypatch.setenv("SIGNET_DEMO_DIR", str(tmp_path))
    settings = demo_settings()
    with signet_with(settings) as served:
        base = served.base
        url = demo_urls(base, settings)[-1]
        assert "preset=thumb" in url
        resp = httpx.get(url)
        assert resp.status_code == 200, resp.text
        img = imagegen.open_bytes(resp.content).convert("RGB")
        plain = imagegen.open_bytes(httpx.get(demo_urls(base, settings)[0]).content)
    assert img.size == (300, 300)
    # The logo's white plate changes the bottom-right corner only.
    diff = [
        abs(a - b)
        for a, b in zip(img.tobytes(), plain.convert("RGB").tobytes(), strict=True)
    ]
    changed_rows = {i // (300 * 3) for i, d in enumerate(diff) if d > 40}
    assert changed_rows and min(changed_rows) > 200
