"""Unknown parameters over HTTP: ignored but signed, `strict_params`, and the refusals."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.signing import sign_url
from tests import imagegen

TOKEN = "unknown-imgix-token"
IK_KEY = "unknown-imagekit-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("unknown")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(300, 200))
    base = {"type": "folder", "root": str(root), "keys": ["env:SIGNET_TEST_UNKNOWN_TOKEN"]}
    with signet_with(
        env={"SIGNET_TEST_UNKNOWN_TOKEN": TOKEN, "SIGNET_TEST_UNKNOWN_IK": IK_KEY},
        sources=[
            {**base, "name": "ix", "secure": True, "scheme": "imgix"},
            {**base, "name": "strict", "scheme": "imgix", "strict_params": True},
            {**base, "name": "open"},
            {"type": "folder", "root": str(root), "name": "ik", "scheme": "imagekit",
             "strict_params": True, "keys": ["env:SIGNET_TEST_UNKNOWN_IK"]},
        ],
    ) as served:
        yield served.base


def test_unknown_parameters_are_ignored_but_signed(server) -> None:
    signed = sign_url("/ix/photo.jpg?w=100&v=2", TOKEN, scheme="imgix")
    resp = httpx.get(server + signed)
    assert resp.status_code == 200
    assert imagegen.open_bytes(resp.content).width == 100
    # the cache-buster is covered by the signature: changing it breaks it
    assert httpx.get(server + signed.replace("v=2", "v=3")).status_code == 403
    # and it is out of the canonical spec: the same ETag as without it
    plain = httpx.get(server + sign_url("/ix/photo.jpg?w=100", TOKEN, scheme="imgix"))
    assert plain.headers["etag"] == resp.headers["etag"]


def test_strict_params_refuses_unknown_names(server) -> None:
    resp = httpx.get(f"{server}/strict/photo.jpg?w=100&v=2")
    assert resp.status_code == 400
    assert resp.text.startswith("v: unknown parameter")
    assert httpx.get(f"{server}/strict/photo.jpg?w=100").status_code == 200


def test_strict_params_on_an_imagekit_source(server) -> None:
    resp = httpx.get(f"{server}/ik/photo.jpg?tr=w-100&v=2")
    assert resp.status_code == 400
    assert resp.text.startswith("v: unknown parameter")
    ok = httpx.get(f"{server}/ik/photo.jpg?tr=w-100")
    assert ok.status_code == 200 and imagegen.open_bytes(ok.content).width == 100


@pytest.mark.parametrize(
    "query, words",
    [
        ("bg-remove=true", "generative AI"),
        ("fm=mp4", "video"),
        ("lp-blur=40", "object detector"),
        ("ch64=V2lkdGg", "no Base64 variant"),
    ],
)
def test_refusals_stand_even_where_unknown_names_are_ignored(server, query, words) -> None:
    resp = httpx.get(f"{server}/open/photo.jpg?{query}")
    assert resp.status_code == 400
    assert words in resp.text
    assert resp.headers["cache-control"] == "no-store"


def test_base64_variants_render_as_their_parameter(server) -> None:
    # imgix: any value but auto's and ch's may be sent URL-safe Base64-encoded (name + 64),
    # as its client libraries do for keys ending in 64. Same answer, same cache entry.
    plain = httpx.get(f"{server}/open/photo.jpg?w=100&fm=png")
    encoded = httpx.get(f"{server}/open/photo.jpg?w64=MTAw&fm64=cG5n")
    assert encoded.status_code == 200
    assert imagegen.open_bytes(encoded.content).size == (100, 67)
    assert encoded.headers["content-type"] == "image/png"
    assert encoded.headers["etag"] == plain.headers["etag"]
