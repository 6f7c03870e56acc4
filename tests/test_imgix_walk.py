"""The walk: every in-scope imgix parameter, with each of its documented values, through
Signet (signed, on a real image, under uvicorn). A 400 or a 500 fails the test.

The values come from imgix's parameters.json: `possible_values` when it lists them, else
values inside the documented range for each `expects` type; the parameter's `depends`
(`fit=crop`, `mark`) are added beside it. Out of scope: video and generative AI (refused
on purpose), the smart-content list (SMART_CONTENT), and NOT_BUILT below.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.service import create_app
from app.settings import load_settings
from app.signing import sign_url
from tests import imagegen
from tests.servers import run_asgi
from transforms.dialects.imgix_names import (
    ALIASES,
    GENERATIVE,
    NEEDS_DETECTOR,
    SMART_CONTENT,
    VIDEO,
)

TOKEN = "walk-imgix-token"
VENDORED = json.loads(
    (Path(__file__).parent / "vendor" / "imgix-url-params-11.35.0.json").read_text()
)
PARAMS: dict[str, dict] = VENDORED["parameters"]

# What the other URL-API helpers are building right now, each as the parameter name or
# "name=value" for one value. This is the visible gap: the lead takes entries out as
# their branches merge; nothing else computes it.
NOT_BUILT: frozenset[str] = frozenset(
    {
        # effects: adjustment, stylize, noise reduction, border and padding, fill, mask, trim
        "bri", "con", "exp", "gam", "high", "hue", "invert", "sat", "shad", "usm", "usmrad",
        "vib", "nr", "nrs", "htn", "px", "sepia", "monochrome", "duotone", "duotone-alpha",
        "border", "border-bottom", "border-left", "border-right", "border-top",
        "border-radius", "border-radius-inner", "border-stroke-color", "border-stroke-size",
        "pad", "pad-bottom", "pad-left", "pad-right", "pad-top",
        "fill", "fill-color", "fill-gradient-cs", "fill-gradient-linear",
        "fill-gradient-linear-direction", "fill-gradient-radial", "fill-gradient-radial-radius",
        "fill-gradient-radial-x", "fill-gradient-radial-y", "fill-gradient-type",
        "transparency", "grid-colors", "grid-size",
        "mask", "mask-bg", "corner-radius",
        "trim", "trim-alpha", "trim-color", "trim-md", "trim-pad", "trim-sd", "trim-tol",
        "sharp=50.5",  # imgix's sharp is a number; Signet's takes integers
        # output: formats, palette, colour spaces, client hints, download, auto
        "ch", "chromasub", "colorquant", "colors", "cs", "dl", "dpi", "iptc",
        "jpg-progressive", "lossless", "palette", "prefix",
        "fm=json", "fm=blurhash", "fm=jp2", "fm=jxr", "fm=png8", "fm=png32",
        "auto=enhance", "auto=true",
        # blending (no helper has it yet)
        "blend", "blend-align", "blend-alpha", "blend-color", "blend-crop", "blend-fit",
        "blend-h", "blend-mode", "blend-pad", "blend-size", "blend-w", "blend-x", "blend-y",
        # watermark and text options no helper has yet, and imgix's font list
        "mark-base", "mark-fit", "mark-if-min-height", "mark-if-min-width", "mark-rot",
        "txt-clip", "txt-fit", "txt-lead", "txt-line", "txt-line-color", "txt-track",
        "txt-width", "txt-x", "txt-y", "txt-font",
        "txt-shad=5.5", "txt-size=0", "mark-scale=0",  # imgix's ranges, wider than Signet's
    }
)
# Values for a bare dependency (`mark`) and for types with no range.
DEPENDENCY_VALUES = {"mark": "/mark.png", "txt": "Hello", "fit": "crop"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    root: Path = tmp_path_factory.mktemp("walk")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(300, 200))
    (root / "mark.png").write_bytes(imagegen.png_alpha(40, 30))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNET_TEST_WALK_TOKEN", TOKEN)
        config = load_settings(
            None,
            limits={"max_output_pixels": 400_000},  # clamped outputs stay cheap
            sources=[{"name": "ix", "type": "folder", "root": str(root), "secure": True,
                      "scheme": "imgix", "keys": ["env:SIGNET_TEST_WALK_TOKEN"]}],
        )
        with run_asgi(create_app(config)) as base:
            yield base


def _range(expect: dict) -> tuple[float | None, float | None]:
    # Inside the suggested range when there is one (dpr: strictly above 0, suggested 0.75-5)
    rng = expect.get("suggested_range") or expect.get("strict_range") or {}
    return rng.get("min"), rng.get("max")


def values_of(expect: dict) -> list[str]:
    """Documented values for one `expects` entry."""
    kind = expect["type"]
    if "possible_values" in expect:
        return [str(v) for v in expect["possible_values"]]
    if kind == "list" and "length" in expect:  # positional: each alternative in its place
        slots = [[v for e in expect[str(i)] for v in values_of(e)] for i in range(expect["length"])]
        first = [slot[0] for slot in slots]
        combos = {",".join(first)}
        for i, slot in enumerate(slots):
            for value in slot:
                combos.add(",".join([*first[:i], value, *first[i + 1 :]]))
        return sorted(combos)
    low, high = _range(expect)
    if kind in ("integer", "number"):
        low = 0 if low is None else low
        high = low + 10 if high is None else high
        middle = (low + high) / 2
        values = {low, high, round(middle)}
        if kind == "number":
            values.add(round(middle, 1) + 0.5 if middle + 0.5 <= high else middle)
        return [f"{v:g}" for v in sorted(values)]
    return {
        "unit_scalar": ["0.25", "0.5"],
        "ratio": ["16:9", "1:1", "0.85:1"],
        "hex_color": ["f00", "8f00", "ff0000", "80ff0000"],
        "color_keyword": ["red", "cornflowerblue"],
        "boolean": ["true", "false"],
        "string": ["Hello"],
        "url": ["/mark.png"],
        "path": ["/mark.png"],
        "timestamp": [str(int(time.time()) + 3600)],
        "interval": ["1:2"],
        "font": ["serif"],
    }[kind]


def dependencies(name: str) -> dict[str, str]:
    """The parameters `depends` asks for: one value per key (alternatives: the first)."""
    chosen: dict[str, str] = {}
    for entry in PARAMS[name].get("depends", []):
        key, _, value = entry.partition("=")
        key = ALIASES.get(key, key)
        if key != name and key not in chosen:
            chosen[key] = value or DEPENDENCY_VALUES.get(key) or values_of(
                PARAMS[key]["expects"][0]
            )[0]
    return chosen


def out_of_scope(name: str, value: str) -> bool:
    refused = VIDEO | GENERATIVE | NEEDS_DETECTOR | set(SMART_CONTENT) | NOT_BUILT
    return name in refused or f"{name}={value}" in refused


CASES = [
    (name, value)
    for name, spec in sorted(PARAMS.items())
    for expect in spec["expects"]
    for value in values_of(expect)
    if not out_of_scope(name, value)
]


def test_the_walk_covers_the_size_group() -> None:
    walked = {name for name, _ in CASES}
    for name in ("w", "h", "ar", "fit", "crop", "rect", "dpr", "min-w", "max-h", "fp-z",
                 "fp-debug", "rot", "rot-type", "orient", "flip", "bg"):
        assert name in walked
    assert len(CASES) > 150


def test_every_documented_value_renders(server) -> None:
    failures = []
    with httpx.Client(base_url=server, timeout=30) as client:
        for name, value in CASES:
            params = {**dependencies(name), name: value}
            if name == "expires":
                params = {"w": "50"}  # sign_url adds expires itself
            query = "&".join(f"{k}={quote(v, safe=',:')}" for k, v in params.items())
            expires = int(value) if name == "expires" else None
            url = sign_url(f"/ix/photo.jpg?{query}", TOKEN, scheme="imgix", expires=expires)
            resp = client.get(url)
            if resp.status_code != 200 or not resp.headers["content-type"].startswith("image/"):
                failures.append(f"{name}={value} ({query}): {resp.status_code} {resp.text[:120]}")
    assert not failures, "\n".join(failures)
