"""Animated GIF and WebP originals stay animated (issue 12, item 2): frame count, durations
and loop through w, fit=crop, a watermark and fm changes; imgix's frame, fps, loop,
reverse, skip and interval by their effect; the limits before any frame is decoded; and a
render's memory that follows one frame, not the whole animation."""

from __future__ import annotations

import gc
import io
import json
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.service import create_app
from app.settings import load_settings
from tests.probes import peak_mib, reset_peak, rss_mib
from tests.servers import run_asgi
from transforms.errors import ImageError, ParamError, TooSlow
from transforms.formats import choose_format, may_animate
from transforms.frames import selected_frames
from transforms.pipeline import render
from transforms.spec import Limits, TransformSpec
from transforms.spec.animation import Animation

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
DURATIONS = [100, 200, 300, 400]
LOOP = 2
MAGENTA = (255, 0, 255)


def animation(fmt: str, size: tuple[int, int] = (200, 100)) -> bytes:
    """Four solid frames, red, green, blue, yellow, of 100-400 ms, with a loop count of 2
    (a GIF then plays 3 times, a WebP twice: plays())."""
    frames = [Image.new("RGB", size, colour) for colour in COLOURS]
    buf = io.BytesIO()
    options = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=DURATIONS,
                   loop=LOOP, **options)
    return buf.getvalue()


def frames_of(data: bytes, at: tuple[int, int] | None = None) -> list[tuple[int, tuple]]:
    """(duration, colour at `at`, else the centre) of each frame."""
    img = Image.open(io.BytesIO(data))
    found = []
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        img.load()
        where = at or (img.width // 2, img.height // 2)
        found.append((img.info.get("duration"), img.convert("RGB").getpixel(where)))
    return found


def plays(data: bytes) -> int:
    """How many times browsers play an animation, 0 forever: a GIF's loop count N is N + 1
    plays (none: once), a WebP's N plays."""
    img = Image.open(io.BytesIO(data))
    loop = img.info.get("loop")
    if img.format == "GIF":
        return 1 if loop is None else loop and loop + 1
    return loop


def near(a: tuple, b: tuple, tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def colours(data: bytes, at: tuple[int, int] | None = None) -> list[tuple]:
    return [colour for _, colour in frames_of(data, at)]


def same_colours(found: list[tuple], wanted: list[tuple]) -> bool:
    return len(found) == len(wanted) and all(near(a, b) for a, b in zip(found, wanted, strict=True))


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("animation")
    (root / "anim.gif").write_bytes(animation("GIF"))
    (root / "anim.webp").write_bytes(animation("WEBP"))
    (root / "small.gif").write_bytes(animation("GIF", (40, 20)))
    Image.new("RGB", (20, 20), MAGENTA).save(root / "mark.png")
    big = [Image.linear_gradient("L").resize((1000, 1000)).rotate(i * 6) for i in range(60)]
    big[0].save(root / "big.gif", save_all=True, append_images=big[1:], duration=50, loop=0)
    return root


def serve(root: Path, **limits: object):
    settings = load_settings(
        None, limits=limits, cache={"enabled": False},
        sources=[{"name": "m", "type": "folder", "root": str(root)}],
    )
    return run_asgi(create_app(settings))


@pytest.fixture(scope="module")
def server(originals):
    with serve(originals) as base:
        yield base


def get(server: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server}/m/{path}", headers=headers, timeout=60)


@pytest.mark.parametrize("name", ["anim.gif", "anim.webp"])
@pytest.mark.parametrize(
    ("query", "size", "fmt"),
    [
        ("w=60", (60, 30), None),
        ("w=50&h=50&fit=crop", (50, 50), None),
        ("w=100&mark=/mark.png&mark-align=top,left&mark-pad=0", (100, 50), None),
        ("fm=gif", (200, 100), "gif"),
        ("fm=webp&w=80", (80, 40), "webp"),
    ],
)
def test_frames_durations_and_loop_are_kept(server, name, query, size, fmt):
    resp = get(server, f"{name}?{query}")
    assert resp.status_code == 200, resp.text
    fmt = fmt or name.rpartition(".")[2]
    assert resp.headers["content-type"] == f"image/{fmt}"
    img = Image.open(io.BytesIO(resp.content))
    assert img.size == size and img.format == fmt.upper()
    assert plays(resp.content) == (LOOP + 1 if name.endswith(".gif") else LOOP)
    found = frames_of(resp.content)
    assert [duration for duration, _ in found] == DURATIONS
    assert same_colours([colour for _, colour in found], COLOURS), found
    if "mark" in query:  # the watermark is on every frame, the frame's colour beside it
        assert same_colours(colours(resp.content, (5, 5)), [MAGENTA] * 4)


def test_auto_format_picks_animated_webp_where_accepted(server):
    accept = "image/avif,image/webp,image/apng,*/*"
    resp = get(server, "anim.gif?w=60&auto=format", accept=accept)
    assert resp.headers["content-type"] == "image/webp"
    assert resp.headers["vary"] == "Accept"
    assert same_colours(colours(resp.content), COLOURS)
    plain = get(server, "anim.gif?w=60&auto=format", accept="image/png,*/*")
    assert plain.headers["content-type"] == "image/gif"
    assert len(frames_of(plain.content)) == 4


@pytest.mark.parametrize("fm", ["png", "jpg", "avif"])
def test_a_format_that_cannot_animate_gets_the_first_frame(server, fm):
    resp = get(server, f"anim.gif?w=60&fm={fm}")
    assert resp.status_code == 200
    assert same_colours(colours(resp.content), [COLOURS[0]])


@pytest.mark.parametrize("name", ["anim.gif", "anim.webp"])
def test_frame_gives_one_frame(server, name):
    for query, colour in (("frame=2", COLOURS[1]), ("frame=3&fm=png", COLOURS[2])):
        resp = get(server, f"{name}?{query}")
        assert resp.status_code == 200
        assert same_colours(colours(resp.content), [colour]), query


def test_frame_ranges(server):
    cases = {"2-3": COLOURS[1:3], "3-": COLOURS[2:], "-2": COLOURS[:2], "2-9": COLOURS[1:]}
    for value, wanted in cases.items():
        resp = get(server, f"anim.gif?frame={value}")
        assert same_colours(colours(resp.content), wanted), value


@pytest.mark.parametrize("name", ["anim.gif", "anim.webp"])
def test_reverse_skip_interval_fps_loop(server, name):
    reverse = frames_of(get(server, f"{name}?reverse=true").content)
    assert [d for d, _ in reverse] == DURATIONS[::-1]
    assert same_colours([c for _, c in reverse], COLOURS[::-1])
    skip = frames_of(get(server, f"{name}?skip=2").content)  # frames 1 and 3 dropped
    assert [d for d, _ in skip] == [200, 400]
    assert same_colours([c for _, c in skip], [COLOURS[1], COLOURS[3]])
    interval = frames_of(get(server, f"{name}?interval=2").content)  # frames 1 and 3 kept
    assert [d for d, _ in interval] == [100, 300]
    assert same_colours([c for _, c in interval], [COLOURS[0], COLOURS[2]])
    fps = frames_of(get(server, f"{name}?fps=20").content)
    assert [d for d, _ in fps] == [50] * 4
    for loop, played in ((0, 0), (5, 6)):  # loop=5: repeated five times after the first
        for fm in ("gif", "webp"):
            assert plays(get(server, f"{name}?loop={loop}&fm={fm}").content) == played


def test_fm_json_counts_the_frames(server):
    doc = json.loads(get(server, "anim.gif?fm=json").content)
    assert doc["Output"] == {"Frames": 4}
    assert doc["PixelWidth"] == 200


@pytest.mark.parametrize(
    ("query", "param"),
    [("frame=9", "frame"), ("frame=0", "frame"), ("frame=3-2", "frame"), ("frame=-", "frame"),
     ("skip=1", "skip"), ("skip=2&interval=2", "skip"), ("fps=0", "fps"), ("fps=61", "fps"),
     ("loop=-1", "loop"), ("interval=0", "interval"), ("reverse=maybe", "reverse")],
)
def test_bad_values_answer_400_naming_the_parameter(server, query, param):
    resp = get(server, f"anim.gif?{query}")
    assert resp.status_code == 400, query
    assert resp.text.startswith(f"{param}:"), resp.text


def test_over_max_frames_answers_422_at_once(originals):
    with serve(originals, max_frames=3) as base:
        began = time.monotonic()
        resp = get(base, "anim.gif?w=50")
        took = time.monotonic() - began
    assert resp.status_code == 422
    assert "more than 3 frames" in resp.text
    assert took < 1


def test_over_the_pixel_limit_in_all_frames_answers_422(originals):
    # One frame is 20,000 pixels, the four 80,000: over 60,000 in all.
    with serve(originals, max_input_pixels=60_000) as base:
        resp = get(base, "anim.webp?w=50")
        still = get(base, "anim.gif?w=50&frame=1")
    assert resp.status_code == 422
    assert "4 frames of 200 x 100" in resp.text and "60000 pixels in all" in resp.text
    assert still.status_code == 422  # the limit is about the original, whatever is kept


def test_limits_are_checked_before_a_frame_is_decoded():
    data = animation("GIF", (2000, 2000))
    began = time.monotonic()
    with pytest.raises(ImageError, match="over the limit"):
        render(data, TransformSpec(), "gif", Limits(max_input_pixels=10_000_000))
    assert time.monotonic() - began < 0.2


def test_the_time_limit_is_checked_between_frames(originals):
    data = (originals / "big.gif").read_bytes()
    began = time.monotonic()
    with pytest.raises(TooSlow):
        render(data, TransformSpec().with_fields({"size.w": 100.0}), "gif",
               Limits(max_seconds=0.2))
    assert time.monotonic() - began < 2  # stopped after a frame or two, not all sixty


def test_frames_stay_one_size_when_trim_decides_from_pixels():
    # Each frame has a black border of a different width: the first frame's trim applies.
    frames = []
    for border in (10, 30, 50):
        img = Image.new("RGB", (200, 200), (0, 0, 0))
        img.paste((255, 255, 255), (border, border, 200 - border, 200 - border))
        frames.append(img)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    spec = TransformSpec().with_fields({"frame.trim": "color"})
    out = Image.open(io.BytesIO(render(buf.getvalue(), spec, "gif", Limits()).data))
    assert out.size == (180, 180) and out.n_frames == 3


def test_a_large_animation_is_rendered_a_frame_at_a_time(originals):
    """60 frames of 1000 x 1000: all at full size would be 240 MB as RGBA."""
    with serve(originals) as base, httpx.Client(base_url=base, timeout=120) as client:
        client.get("/m/anim.gif?w=10")  # warm: imports, the worker thread's arena
        gc.collect()
        before = rss_mib()
        reset_peak()
        resp = client.get("/m/big.gif?w=100")
        grown = peak_mib() - before
    assert resp.status_code == 200
    assert Image.open(io.BytesIO(resp.content)).n_frames == 60
    assert grown < 80, grown


def test_selected_frames():
    assert selected_frames(4, Animation()) == [0, 1, 2, 3]
    assert selected_frames(10, Animation(frames=(2, 8), skip=3)) == [2, 3, 5, 6]
    assert selected_frames(10, Animation(frames=(3, 0), interval=4, reverse=True)) == [6, 2]
    with pytest.raises(ParamError, match="4 frames"):
        selected_frames(4, Animation(frames=(5, 5)))
    with pytest.raises(ParamError, match="skip"):
        selected_frames(4, Animation(frames=(2, 2), skip=2))


def test_every_documented_imgix_value_renders_on_an_animation(originals):
    """The imgix walk's cases (tests/transforms/test_imgix_walk.py) on an animated GIF:
    every step works per frame, and an image answer that may animate is still a decodable
    animation."""
    from tests.transforms.test_imgix_walk import CASES, dependencies

    failures = []
    with serve(originals, max_output_pixels=400_000) as base, httpx.Client(
        base_url=base, timeout=60
    ) as client:
        for name, value in CASES:
            if name == "expires":
                continue
            params = {**dependencies(name), name: value}
            resp = client.get("/m/small.gif", params=params)
            expected_400 = (
                "frame: the image has 4 frames",  # frame=6 and frame=11 of four
                "cs: gif output cannot carry a colour profile",  # as for a still GIF
            )
            if resp.status_code == 400 and resp.text.startswith(expected_400):
                continue
            if resp.status_code != 200:
                failures.append(f"{params}: {resp.status_code} {resp.text[:120]}")
            elif resp.headers["content-type"] in ("image/gif", "image/webp"):
                img = Image.open(io.BytesIO(resp.content))
                img.seek(getattr(img, "n_frames", 1) - 1)
                img.load()
    assert not failures, "\n".join(failures)


def test_the_output_frames_together_stay_within_max_decoded_pixels():
    # Four frames of 200 x 100 kept within 40,000 pixels: 10,000 each, scaled down to fit.
    out = render(animation("GIF"), TransformSpec(), "gif", Limits(max_decoded_pixels=40_000))
    img = Image.open(io.BytesIO(out.data))
    assert img.n_frames == 4
    assert img.width * img.height <= 10_000 and abs(img.width / img.height - 2) < 0.1


def test_imagekit_urls_keep_the_animation(originals):
    settings = load_settings(
        None, cache={"enabled": False},
        sources=[{"name": "ik", "type": "folder", "root": str(originals), "scheme": "imagekit"}],
    )
    with run_asgi(create_app(settings)) as base:
        resp = httpx.get(f"{base}/ik/tr:w-60,f-webp/anim.gif", timeout=60)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/webp"
    assert [d for d, _ in frames_of(resp.content)] == DURATIONS
    assert Image.open(io.BytesIO(resp.content)).size == (60, 30)


@pytest.mark.parametrize("fmt", ["gif", "webp"])
def test_transparency_is_kept_frame_by_frame(fmt):
    # A red square moving over a transparent canvas: each output frame is transparent
    # where the square is not (a GIF frame disposes to the background, not to the last).
    frames = []
    for i in range(3):
        img = Image.new("RGBA", (90, 30), (0, 0, 0, 0))
        img.paste((255, 0, 0, 255), (i * 30, 0, i * 30 + 30, 30))
        frames.append(img)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100,
                   disposal=2)
    spec = TransformSpec().with_fields({"size.w": 45.0})
    out = Image.open(io.BytesIO(render(buf.getvalue(), spec, fmt, Limits()).data))
    seen = []
    for index in range(out.n_frames):
        out.seek(index)
        rgba = out.convert("RGBA")
        seen.append([rgba.getpixel((x, 7))[3] for x in (7, 22, 37)])
    assert seen == [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_a_truncated_animation_answers_422(server, originals, fmt):
    data = animation(fmt)
    (originals / f"cut.{fmt.lower()}").write_bytes(data[: len(data) * 7 // 10])
    resp = get(server, f"cut.{fmt.lower()}?w=50")
    assert resp.status_code == 422
    assert resp.text.startswith("not a decodable image")


def test_auto_format_for_what_may_animate():
    auto = TransformSpec().with_fields({"output.auto": frozenset({"format"})})
    chrome = "image/avif,image/webp,*/*"
    assert choose_format(auto, "gif", chrome, animated=True) == ("webp", True)
    assert choose_format(auto, "gif", "*/*", animated=True) == ("gif", True)
    assert choose_format(auto, "jpg", chrome) == ("avif", True)
    # One frame asked for: a still, negotiated as any still is.
    still = auto.with_fields({"animation.frames": (2, 2)})
    assert choose_format(still, "gif", chrome, animated=True) == ("avif", True)
    assert may_animate(animation("GIF")[:256]) and may_animate(animation("WEBP")[:256])
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    assert not may_animate(buf.getvalue()[:256])


def test_a_gif_that_plays_once_plays_once_in_either_format():
    frames = [Image.new("RGB", (20, 10), colour) for colour in COLOURS]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)  # no loop
    for fmt in ("gif", "webp"):
        assert plays(render(buf.getvalue(), TransformSpec(), fmt, Limits()).data) == 1
