"""The walk: every in-scope imgix parameter, with each of its documented values, through
Signet (signed, on a real image, under uvicorn). A 400 or a 500 fails the test.

The values come from imgix's parameters.json: `possible_values` when it lists them, else
values inside the documented range for each `expects` type; the parameter's `depends`
(`fit=crop`, `mark`) are added beside it. Out of scope: video and generative AI (refused
on purpose), the parameters that need an object detector, and NOT_BUILT below.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.signing import sign_url
from tests import imagegen
from transforms.dialects.imgix_names import (
    ALIASES,
    GENERATIVE,
    NEEDS_DETECTOR,
    VIDEO,
)

TOKEN = "walk-imgix-token"
VENDORED = json.loads(
    (Path(__file__).parent.parent / "vendor" / "imgix-url-params-11.35.0.json").read_text()
)
PARAMS: dict[str, dict] = VENDORED["parameters"]

# What Signet does not do yet, each as the parameter name or "name=value" for one value.
# This is the visible gap (issue 11): nothing else computes it.
NOT_BUILT: frozenset[str] = frozenset()
# Values for a bare dependency (`mark`) and for types with no range.
DEPENDENCY_VALUES = {"mark": "/mark.png", "txt": "Hello", "fit": "crop"}
# What a parameter needs beside it that `depends` does not say (imgix's docs do).
IMAGE_BLEND = {"blend": "/mark.png"}
FILL = {"fit": "fill", "w": "400", "h": "400"}
GRADIENT = {**FILL, "fill": "gradient", "fill-gradient-linear": "fff,000"}
RADIAL = {**FILL, "fill": "gradient", "fill-gradient-type": "radial",
          "fill-gradient-radial": "fff,000"}
EXTRA_DEPENDS: dict[str, dict[str, str]] = {
    **{f"blend-{k}": IMAGE_BLEND for k in ("align", "crop", "fit", "h", "pad", "size", "w",
                                            "x", "y")},
    "blend-crop": {**IMAGE_BLEND, "blend-fit": "crop"},
    "mark-base": {"mark": "mark.png"},
    "mark-rot": {"mark": "/mark.png"},
    "border-stroke-size": {"border": "10,000"},
    "border-stroke-color": {"border": "10,000", "border-stroke-size": "3"},
    "fill": FILL,
    "fill-color": {**FILL, "fill": "solid"},
    "fill-gradient-type": {**FILL, "fill": "gradient", "fill-gradient-linear": "fff,000",
                           "fill-gradient-radial": "fff,000"},
    "fill-gradient-cs": GRADIENT,
    "fill-gradient-linear": {**FILL, "fill": "gradient"},
    "fill-gradient-linear-direction": GRADIENT,
    "fill-gradient-radial": {**FILL, "fill": "gradient", "fill-gradient-type": "radial"},
    "fill-gradient-radial-radius": RADIAL,
    "fill-gradient-radial-x": RADIAL,
    "fill-gradient-radial-y": RADIAL,
}
# What the walk accepts as a rendered answer: an image, or a document imgix answers with.
DOCUMENT_TYPES = ("image/", "application/json", "text/css", "text/plain")


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("walk")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(300, 200))
    (root / "mark.png").write_bytes(imagegen.png_alpha(40, 30))
    with signet_with(
        env={"SIGNET_TEST_WALK_TOKEN": TOKEN},
        limits={"max_output_pixels": 400_000},  # clamped outputs stay cheap
        sources=[{"name": "ix", "type": "folder", "root": str(root), "secure": True,
                  "scheme": "imgix", "keys": ["env:SIGNET_TEST_WALK_TOKEN"]}],
    ) as served:
        yield served.base


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
        "interval": ["1-2", "2-", "-2"],  # frame ranges, as imgix's docs write them
        "font": ["serif"],
    }[kind]


def dependencies(name: str) -> dict[str, str]:
    """The parameters `depends` asks for: one value per key (alternatives: the first)."""
    chosen: dict[str, str] = dict(EXTRA_DEPENDS.get(name, {}))
    for entry in PARAMS[name].get("depends", []):
        key, _, value = entry.partition("=")
        key = ALIASES.get(key, key)
        if key != name and key not in chosen:
            chosen[key] = value or DEPENDENCY_VALUES.get(key) or values_of(
                PARAMS[key]["expects"][0]
            )[0]
    return chosen


def out_of_scope(name: str, value: str) -> bool:
    refused = VIDEO | GENERATIVE | NEEDS_DETECTOR | NOT_BUILT
    return name in refused or f"{name}={value}" in refused


VALUE_OVERRIDES = {
    "mark-base": ["/"],  # joined with `mark` (mark.png): /mark.png
    "skip": ["2", "6", "11"],  # skip=1 would drop every frame: refused (README, animation)
}

CASES = [
    (name, value)
    for name, spec in sorted(PARAMS.items())
    for expect in spec["expects"]
    for value in VALUE_OVERRIDES.get(name, values_of(expect))
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
            answer_type = resp.headers["content-type"]
            if resp.status_code != 200 or not answer_type.startswith(DOCUMENT_TYPES):
                failures.append(f"{name}={value} ({query}): {resp.status_code} {resp.text[:120]}")
    assert not failures, "\n".join(failures)
