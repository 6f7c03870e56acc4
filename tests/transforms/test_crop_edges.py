"""crop=edges (issue 12): the crop window with the most edge energy; the directions given
beside it break ties."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi
from transforms.dialects.imgix import parse_params
from transforms.pipeline import render
from transforms.spec import Limits

LIMITS = Limits()


def lines_and_gradient() -> Image.Image:
    """1200 x 400: a smooth grey ramp on the left third (many grey levels: entropy likes
    it, but no edges), flat grey in the middle, black lines on grey on the right third."""
    img = Image.new("RGB", (1200, 400), (128, 128, 128))
    ramp = np.tile(np.linspace(0, 255, 400, dtype=np.float64), (400, 1))
    ramp = ramp + np.linspace(0, 40, 400)[:, None]  # a tone per row too: more levels
    img.paste(Image.fromarray(ramp.clip(0, 255).astype(np.uint8)).convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(img)
    for x in range(840, 1160, 40):
        draw.line((x, 20, x, 380), fill=(0, 0, 0), width=4)
    return img


def crop(img: Image.Image, **params: str) -> Image.Image:
    pairs = [("w", "400"), ("h", "400"), ("fit", "crop"), ("fm", "png"), *params.items()]
    out = render(imagegen.encode(img, "PNG"), parse_params(pairs, LIMITS), "png", LIMITS)
    return imagegen.open_bytes(out.data).convert("RGB")


def edge_energy(img: Image.Image) -> float:
    return float(np.asarray(img.convert("L").filter(ImageFilter.FIND_EDGES)).sum())


def test_edges_keeps_the_lines_entropy_keeps_the_ramp():
    source = lines_and_gradient()
    edges = crop(source, crop="edges")
    dark = np.asarray(edges.convert("L")).min(axis=0) < 60
    assert np.count_nonzero(dark[1:] & ~dark[:-1]) == 8  # all eight lines kept
    entropy = crop(source, crop="entropy")
    assert entropy.tobytes() == crop(source, crop="left").tobytes()
    assert edge_energy(edges) > 5 * edge_energy(entropy)


def test_edges_centres_a_lone_busy_band():
    img = Image.new("RGB", (1200, 400), (128, 128, 128))
    draw = ImageDraw.Draw(img)
    for x in range(500, 700, 20):  # lines over x 500-700: the window 400-800 holds them
        draw.line((x, 0, x, 400), fill=(255, 255, 255), width=3)
    kept = np.asarray(crop(img, crop="edges").convert("L"))
    columns = np.flatnonzero(kept.max(axis=0) > 200)
    # every window that holds the whole band ties; without a direction the most central wins
    assert abs((columns[0] + columns[-1]) / 2 - 200) < 12


@pytest.mark.parametrize("direction", ["left", "right"])
def test_on_a_plain_picture_the_directions_decide(direction):
    ramp = np.tile(np.linspace(20, 230, 1200), (400, 1)).astype(np.uint8)
    img = Image.fromarray(ramp).convert("RGB")  # a linear ramp: no edges anywhere
    assert crop(img, crop=f"edges,{direction}").tobytes() == crop(img, crop=direction).tobytes()


def test_edges_with_a_direction_breaks_ties_towards_it():
    img = Image.new("RGB", (1200, 400), (128, 128, 128))
    draw = ImageDraw.Draw(img)
    for x in range(560, 640, 20):  # a narrow band: windows from 240 to 560 all hold it
        draw.line((x, 0, x, 400), fill=(255, 255, 255), width=3)
    left = np.asarray(crop(img, crop="edges,left").convert("L"))
    right = np.asarray(crop(img, crop="edges,right").convert("L"))
    band_left = np.flatnonzero(left.max(axis=0) > 200)
    band_right = np.flatnonzero(right.max(axis=0) > 200)
    assert band_left[0] > 250  # the leftmost window that holds it: the band on its right
    assert band_right[-1] < 150  # the rightmost: the band on its left


def test_crop_edges_over_http(tmp_path):
    (tmp_path / "lines.png").write_bytes(imagegen.encode(lines_and_gradient(), "PNG"))
    settings = load_settings(None, sources=[{"name": "f", "type": "folder", "root": str(tmp_path)}])
    with run_asgi(create_app(settings)) as base:
        resp = httpx.get(f"{base}/f/lines.png?w=200&h=200&fit=crop&crop=edges", timeout=30)
        assert resp.status_code == 200, resp.text
        kept = np.asarray(imagegen.open_bytes(resp.content).convert("L"))
        dark = kept.min(axis=0) < 80
        assert np.count_nonzero(dark[1:] & ~dark[:-1]) == 8  # the lines, not the ramp
        bad = httpx.get(f"{base}/f/lines.png?w=200&h=200&fit=crop&crop=edge", timeout=30)
        assert bad.status_code == 400 and "crop" in bad.text
