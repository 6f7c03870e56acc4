"""Signatures: Signet's HMAC scheme and imgix's, built with the real imgix client library."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
import imgix
import pytest

from app.signing import Signature, sign_url, verify_signature
from tests.conftest import IMGIX_TOKEN, MEDIA_KEY, OLD_KEY
from tests.imagegen import open_bytes

# The worked examples of shared/protocols.md (token test-token, no ixlib parameter).
IMGIX_EXAMPLES = [
    "/images/dog.jpg?h=300&mark=%2Flogo.png&mark-align=bottom%2Cright&w=300"
    "&s=2db210fd96cd8480b34cdbb6381deaba",
    "/https%3A%2F%2Fupstream.example.com%2Fa+b.jpg%3Fx%3D1?w=100&s=8eed1d3fae938eb3af0d843d7de77fd5",
    "/images/caf%C3%A9%20photo.jpg?txt=Hello%20World%2B&txt64=SGkgdGhlcmU"
    "&s=8ab65ac47737b80f3dcdc7314b4e99c6",
]


def split(url: str) -> tuple[bytes, bytes]:
    parts = urlsplit(url)
    return parts.path.encode(), parts.query.encode()


@pytest.mark.parametrize("url", IMGIX_EXAMPLES)
def test_protocol_worked_examples_verify(url):
    assert verify_signature("imgix", [b"test-token"], *split(url)) is Signature.VALID
    assert verify_signature("imgix", [b"other"], *split(url)) is Signature.INVALID


def test_sign_url_reproduces_imgix_example():
    unsigned = IMGIX_EXAMPLES[0].rsplit("&s=", 1)[0]
    assert sign_url(unsigned, "test-token", scheme="imgix") == IMGIX_EXAMPLES[0]


def test_absent_invalid_and_repeated_signature():
    signed = sign_url("/a.jpg?w=1", "k")
    path, query = split(signed)
    assert verify_signature("hmac-sha256", [b"k"], path, query) is Signature.VALID
    assert verify_signature("hmac-sha256", [b"k"], path, b"w=1") is Signature.ABSENT
    assert verify_signature("hmac-sha256", [b"k"], path, query + b"&s=00") is Signature.INVALID
    assert verify_signature("hmac-sha256", [], path, query) is Signature.INVALID


def test_any_listed_key_verifies_first_signs():
    old = sign_url("/a.jpg?w=1", OLD_KEY)
    keys = [b"new", OLD_KEY.encode()]
    assert verify_signature("hmac-sha256", keys, *split(old)) is Signature.VALID


def imgix_builder(**kw) -> imgix.UrlBuilder:
    return imgix.UrlBuilder("ix.example.test", sign_key=IMGIX_TOKEN, use_https=False, **kw)


def get_via_domain(signet: str, url: str, **kw) -> httpx.Response:
    """Request an imgix-built URL from Signet with its Host header naming the imgix source."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return httpx.get(signet + target, headers={"Host": "ix.example.test"}, **kw)


@pytest.mark.parametrize("with_lib_param", [True, False])
def test_imgix_library_urls_are_served(signet, with_lib_param):
    builder = imgix_builder(include_library_param=with_lib_param)
    url = builder.create_url("images/dog.jpg", {"w": 300, "h": 200, "fit": "crop", "fm": "png"})
    resp = get_via_domain(signet, url)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    assert open_bytes(resp.content).size == (300, 200)


def test_imgix_library_encoded_path_is_served(signet):
    url = imgix_builder(include_library_param=False).create_url("images/café photo.jpg", {"w": 100})
    assert "caf%C3%A9%20photo.jpg" in url
    resp = get_via_domain(signet, url)
    assert resp.status_code == 200, resp.text
    assert open_bytes(resp.content).size == (100, 75)


def test_imgix_library_expiry_parameter(signet):
    expires = int(time.time()) + 100
    url = imgix_builder().create_url("images/dog.jpg", {"w": 50, "expires": expires})
    resp = get_via_domain(signet, url)
    assert resp.status_code == 200
    assert abs(int(resp.headers["cache-control"].split("max-age=")[1]) - 100) <= 1


def tampered(url: str) -> list[str]:
    path, _, query = url.partition("?")
    items = query.split("&")
    sig = items.pop()
    return [
        path.replace("dog", "cat") + "?" + query,  # another path
        path + "?" + "&".join([*(i.replace("w=300", "w=301") for i in items), sig]),  # a value
        path + "?" + "&".join([*items, "blur=50", sig]),  # a parameter added
        path + "?" + "&".join([*items[1:], sig]),  # a parameter removed
        path + "?" + "&".join([*reversed(items), sig]),  # parameters reordered
        path + "?" + "&".join(items),  # the signature removed
        path + "?" + "&".join([*items, sig[:-1] + ("0" if sig[-1] != "0" else "1")]),
    ]


def test_imgix_tampering_is_refused(signet):
    url = imgix_builder(include_library_param=False).create_url(
        "images/dog.jpg", {"w": 300, "h": 200, "fit": "crop"}
    )
    assert get_via_domain(signet, url).status_code == 200
    for bad in tampered(url):
        resp = get_via_domain(signet, bad)
        assert resp.status_code == 403, bad
        assert resp.headers["cache-control"] == "no-store"


def test_hmac_tampering_is_refused(signet):
    url = sign_url("/media/images/dog.jpg?w=300&h=200&fit=crop", MEDIA_KEY)
    assert httpx.get(signet + url).status_code == 200
    for bad in tampered(url):
        assert httpx.get(signet + bad).status_code == 403, bad


def test_secure_source_requires_signature(signet):
    resp = httpx.get(signet + "/media/photo.jpg?w=10")
    assert resp.status_code == 403
    assert "signed" in resp.text


def test_open_source_serves_unsigned_but_refuses_a_wrong_signature(signet):
    assert httpx.get(signet + "/open/photo.jpg?w=10").status_code == 200
    assert httpx.get(signet + "/open/photo.jpg?w=10&s=abc").status_code == 403


def test_rotated_key_still_verifies(signet):
    assert httpx.get(signet + sign_url("/media/photo.jpg?w=10", OLD_KEY)).status_code == 200


def test_expired_url_answers_expiry_status(signet):
    past = int(time.time()) - 5
    resp = httpx.get(signet + sign_url("/media/photo.jpg?w=10", MEDIA_KEY, expires=past))
    assert resp.status_code == 404
    assert "expired" in resp.text
    # expires is covered by the signature: moving it forward breaks the signature
    forged = sign_url("/media/photo.jpg?w=10", MEDIA_KEY, expires=past).replace(
        f"expires={past}", f"expires={past + 1000}"
    )
    assert httpx.get(signet + forged).status_code == 403
    # the expiry status is configurable per source
    url = sign_url("/open/photo.jpg?w=10", MEDIA_KEY, expires=past)
    assert httpx.get(signet + url).status_code == 410


def test_max_age_is_seconds_left(signet):
    resp = httpx.get(signet + sign_url("/media/photo.jpg?w=10", MEDIA_KEY,
                                       expires=int(time.time()) + 120))
    assert resp.status_code == 200
    assert abs(int(resp.headers["cache-control"].split("max-age=")[1]) - 120) <= 1
    # far expiry: the source's TTL (3600) is smaller
    resp = httpx.get(signet + sign_url("/media/photo.jpg?w=10", MEDIA_KEY,
                                       expires=int(time.time()) + 10**6))
    assert resp.headers["cache-control"] == "public, max-age=3600"


@pytest.mark.parametrize("value", ["soon", "-5", "1e9", "12345678901234"])
def test_bad_expires_is_400(signet, value):
    resp = httpx.get(signet + sign_url(f"/media/photo.jpg?w=10&expires={value}", MEDIA_KEY))
    assert resp.status_code == 400
    assert "expires" in resp.text
