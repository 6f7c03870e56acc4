"""Every parameter of both dialects, through the real server (hypothesis): never a 500.

The imgix side draws from every name and alias imgix defines (the vendored parameter
list), each with one of its documented values, a value just outside them, or noise; the
ImageKit side draws steps from every key the ImageKit dialect reads, chained with `:`,
with layers. Signed URLs, so the render runs: a 400 or 422 is a fine answer, a 500 never is.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.signing import sign_url
from tests import imagegen
from tests.app.test_fuzz import send
from tests.transforms.test_imgix_walk import values_of
from transforms.dialects.imagekit_keys import GEOMETRY_KEYS, SIMPLE_KEYS
from transforms.dialects.imgix_names import ALIASES

TOKEN = "fuzz-every-imgix-token"
IK_KEY = "fuzz-every-imagekit-key"
VENDORED = json.loads(
    (Path(__file__).parent.parent / "vendor" / "imgix-url-params-11.35.0.json").read_text()
)
PARAMS: dict[str, dict] = VENDORED["parameters"]
NAMES = sorted({*PARAMS, *ALIASES})
NOISE = ["", "-1", "0", "1", "99999999", "1.5", "nan", "a,b,c", ",,,", "%00", "ff", "true",
         "/mark.png", "../x", "ö", "1:0", "0:0", "auto", "x" * 300]


def _documented(name: str) -> list[str]:
    spec = PARAMS.get(ALIASES.get(name, name))
    if spec is None:
        return NOISE
    return [v for expect in spec["expects"] for v in values_of(expect)] or NOISE


def _values(name: str) -> st.SearchStrategy[str]:
    # Mostly documented values, so that many URLs render; sometimes noise.
    return st.sampled_from(_documented(name) * 4 + NOISE)


imgix_pair = st.sampled_from(NAMES).flatmap(lambda name: st.tuples(st.just(name), _values(name)))
imgix_query = st.lists(imgix_pair, min_size=1, max_size=4, unique_by=lambda p: p[0]).map(
    lambda pairs: "&".join(f"{k}={quote(v, safe=',:')}" for k, v in pairs)
)

IK_KEYS = sorted({*SIMPLE_KEYS, *GEOMETRY_KEYS, "n", "x", "y", "xc", "yc", "b", "r", "t", "fl",
                  "o", "e-grayscale", "e-contrast", "e-usm", "pr", "lo", "md", "cp", "di", "pg"})
IK_VALUES = ["100", "0.5", "N20", "auto", "true", "FF0000", "FF000050", "at_max", "pad_resize",
             "extract", "maintain_ratio", "top_left", "face", "4-3", "16_9", "2", "N90", "jpg",
             "webp", "iw_div_2", "bw_mul_0.5", "", "x"]
IK_TYPICAL = {"w": ["100", "0.5", "iw_div_2"], "h": ["80", "0.5"], "dpr": ["2", "1.5"],
              "q": ["60"], "f": ["jpg", "webp", "auto"], "bg": ["FF0000", "FF000050"],
              "bl": ["10"], "e-sharpen": ["", "5"], "rt": ["90", "N90", "auto"],
              "c": ["at_max", "force", "maintain_ratio"], "cm": ["pad_resize", "extract"],
              "fo": ["top_left", "center", "auto"], "ar": ["4-3", "16_9"], "orig": ["false"]}
ik_option = st.sampled_from(IK_KEYS).flatmap(
    lambda key: st.tuples(st.just(key), st.sampled_from(IK_TYPICAL.get(key, []) * 3 + IK_VALUES))
).map(lambda kv: f"{kv[0]}-{kv[1]}" if kv[1] else kv[0])
ik_layer = st.tuples(st.sampled_from(["image,i-mark.png", "text,i-Hello", "image,i-nope.png"]),
                     st.lists(ik_option, max_size=3)).map(
    lambda lv: ",".join(["l-" + lv[0], *lv[1], "l-end"])
)
ik_step = st.lists(ik_option | ik_layer, min_size=1, max_size=4).map(",".join)
ik_chain = st.lists(ik_step, min_size=1, max_size=4).map(":".join)


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("fuzz-every")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(64, 48))
    (root / "mark.png").write_bytes(imagegen.png_alpha(16, 12))
    with signet_with(
        env={"SIGNET_TEST_FUZZ_EVERY_TOKEN": TOKEN, "SIGNET_TEST_FUZZ_EVERY_IK": IK_KEY},
        limits={"max_output_pixels": 250_000, "transform_workers": 2},
        sources=[
            {"name": "ix", "type": "folder", "root": str(root), "secure": True,
             "scheme": "imgix", "keys": ["env:SIGNET_TEST_FUZZ_EVERY_TOKEN"]},
            {"name": "ik", "type": "folder", "root": str(root), "secure": True,
             "scheme": "imagekit", "keys": ["env:SIGNET_TEST_FUZZ_EVERY_IK"]},
        ],
    ) as served:
        yield served.base


def _check(status: int, answer: bytes) -> None:
    event(f"status {status}")
    assert status < 500 or status in (502, 504), answer[:300]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=imgix_query)
def test_every_imgix_parameter_never_gets_a_500(server, query):
    url = sign_url(f"/ix/photo.jpg?{query}", TOKEN, scheme="imgix")
    _check(*send(server, url.encode()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=ik_chain, in_path=st.booleans())
def test_every_imagekit_key_never_gets_a_500(server, chain, in_path):
    tr = quote(chain, safe=",:-_.")
    url = f"/ik/tr:{tr}/photo.jpg" if in_path else f"/ik/photo.jpg?tr={tr}"
    signed = sign_url(url, IK_KEY, scheme="imagekit", endpoint_path="/ik")
    _check(*send(server, signed.encode()))
