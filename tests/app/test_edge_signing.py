"""Issue 17, item 4: a signature that can be edited without the key, and expiries that never end.

The `ik-s` message is the URL followed directly by the expiry digits, so digits could move
between the query and `ik-t` under the same signature; and any scheme accepted an expiry
centuries ahead. URLs are built by the real `imagekitio` and `imgix` libraries.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import imgix
import pytest
from imagekitio import ImageKit

from app.settings import load_settings
from app.signing import sign_url
from app.signing_imagekit import (
    imagekit_digest,
    imagekit_signed_message,
    is_imagekit_expiry,
    sign_imagekit_url,
)
from tests import imagegen
from tests.probes import healthz_ms

IK_KEY = "edge-ik-private-key"
IX_TOKEN = "edge-imgix-token"
HMAC_KEY = "edge-hmac-key"
IK_DOMAIN = "ik.edge.test"
IX_DOMAIN = "ix.edge.test"
YEAR = 31_536_000


@pytest.fixture(scope="module")
def signet(tmp_path_factory, signet_with) -> str:
    root: Path = tmp_path_factory.mktemp("edge-signing")
    (root / "images").mkdir()
    (root / "images" / "dog.jpg").write_bytes(imagegen.jpeg(800, 600))

    def folder(name: str, **options) -> dict:
        return {"name": name, "type": "folder", "root": str(root), "secure": True, **options}

    with signet_with(
        env={"SIGNET_TEST_EDGE_IK": IK_KEY, "SIGNET_TEST_EDGE_IX": IX_TOKEN,
             "SIGNET_TEST_EDGE_HMAC": HMAC_KEY},
        sources=[
            folder("ik", domains=[IK_DOMAIN], scheme="imagekit", keys=["env:SIGNET_TEST_EDGE_IK"]),
            folder("ix", domains=[IX_DOMAIN], scheme="imgix", keys=["env:SIGNET_TEST_EDGE_IX"]),
            folder("hm", keys=["env:SIGNET_TEST_EDGE_HMAC"]),
            folder("short", keys=["env:SIGNET_TEST_EDGE_HMAC"], max_expiry_ahead=600),
            folder("ikshort", scheme="imagekit", keys=["env:SIGNET_TEST_EDGE_IK"],
                   max_expiry_ahead=600),
            {"name": "ikopen", "type": "folder", "root": str(root), "scheme": "imagekit",
             "keys": ["env:SIGNET_TEST_EDGE_IK"]},
        ],
    ) as served:
        yield served.base


def get(signet: str, url: str, host: str | None = None) -> httpx.Response:
    """GET a full URL or a path, keeping its query byte for byte, through `host`."""
    target = url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url.lstrip("/")
    started = time.monotonic()
    resp = httpx.get(f"{signet}/{target}", headers={"host": host} if host else {})
    assert time.monotonic() - started < 2, "a refusal must come at once"
    return resp


def ik_url(**options) -> str:
    return ImageKit(private_key=IK_KEY).helper.build_url(
        src="/images/dog.jpg", url_endpoint=f"http://{IK_DOMAIN}", **options
    )


def healthz_fast(signet: str) -> None:
    assert healthz_ms(signet) < 100


# --- the example: digits moved from the query into ik-t ---------------------------------


def test_the_example_edit_is_refused(signet):
    url = ik_url(transformation=[{"width": 100, "height": 25, "crop": "force"}], expires_in=300)
    query = url.split("?", 1)[1]
    assert query.startswith("tr=w-100,h-25,c-force&ik-t=")
    signed = get(signet, url, IK_DOMAIN)
    assert signed.status_code == 200, signed.text
    assert imagegen.open_bytes(signed.content).size == (100, 25)
    # "...c-force&ik-t=T" has no digits at its end; the example's own shape, h last:
    url = ik_url(transformation=[{"width": 100, "height": 25}], expires_in=300)
    head, rest = url.split("h-25&ik-t=", 1)
    expiry, signature = rest.split("&ik-s=")
    forged = f"{head}h-2&ik-t=5{expiry}&ik-s={signature}"
    # The class of the bug: both URLs hash the same bytes under the old reading.
    message = "images/dog.jpg?tr=w-100,h-25" + expiry
    assert imagekit_digest(IK_KEY.encode(), message.encode()) == signature
    assert get(signet, url, IK_DOMAIN).status_code == 200
    answer = get(signet, forged, IK_DOMAIN)
    assert answer.status_code == 403, answer.text
    assert answer.text.strip() == "invalid signature"
    assert answer.headers["cache-control"] == "no-store"
    healthz_fast(signet)


def test_a_variant_digits_moved_from_ik_t_into_the_query_is_refused(signet):
    url = ik_url(transformation=[{"width": 100, "height": 25}], expires_in=300)
    head, rest = url.split("h-25&ik-t=", 1)
    expiry, signature = rest.split("&ik-s=")
    forged = f"{head}h-25{expiry[0]}&ik-t={expiry[1:]}&ik-s={signature}"  # h-251, 9 digits
    answer = get(signet, forged, IK_DOMAIN)
    assert answer.status_code == 403, answer.text
    # a query that ends in digits of another parameter (imgix's q beside tr)
    url = sign_imagekit_url(f"http://{IK_DOMAIN}/images/dog.jpg?tr=w-50&q=12", IK_KEY,
                            expires=int(time.time()) + 300)
    assert get(signet, url, IK_DOMAIN).status_code == 200
    head, rest = url.split("q=12&ik-t=", 1)
    expiry, signature = rest.split("&ik-s=")
    answer = get(signet, f"{head}q=1&ik-t=2{expiry}&ik-s={signature}", IK_DOMAIN)
    assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("digits", [9, 11])
def test_an_ik_t_of_other_than_10_digits_is_refused(signet, digits):
    expiry = str(int(time.time()) + 300).rjust(digits, "0")[-digits:]
    if digits == 9:
        expiry = "9" * 9  # 1970 + 31 years: not expired, and the length is the point
    message = f"images/dog.jpg?tr=w-10{expiry}".encode()
    signature = imagekit_digest(IK_KEY.encode(), message)
    answer = get(signet, f"/images/dog.jpg?tr=w-10&ik-t={expiry}&ik-s={signature}", IK_DOMAIN)
    assert answer.status_code == 403, answer.text
    # unsigned on an open source: 400 naming ik-t
    answer = get(signet, f"/ikopen/images/dog.jpg?tr=w-10&ik-t={expiry}")
    assert answer.status_code == 400
    assert answer.text.startswith("ik-t: ") and "10 digits" in answer.text


def test_ik_t_is_exactly_ten_digits():
    assert is_imagekit_expiry("1767225600") and is_imagekit_expiry(b"9999999999")
    for value in ("176722560", "01767225600", "17672256a0", "１７６７２２５６００", ""):
        assert not is_imagekit_expiry(value)
    message, _ = imagekit_signed_message(b"a.jpg", b"tr=w-1&ik-t=05000000000&ik-s=ab")
    assert message is None
    message, _ = imagekit_signed_message(b"a.jpg", b"tr=w-1&ik-t=5000000000&ik-s=ab")
    assert message == b"a.jpg?tr=w-15000000000"
    with pytest.raises(ValueError, match="10 digits"):
        sign_imagekit_url("/a.jpg", IK_KEY, expires=10**10)


# --- the other schemes: the same edit breaks their signatures ----------------------------


def test_the_same_edit_breaks_imgix_and_hmac_signatures(signet):
    expires = int(time.time()) + 300
    url = imgix.UrlBuilder(IX_DOMAIN, sign_key=IX_TOKEN, include_library_param=False,
                           use_https=False).create_url("images/dog.jpg",
                                                       {"h": 25, "expires": expires})
    assert "expires=" in url and url.index("expires=") < url.index("h=")  # sorted keys
    assert get(signet, url, IX_DOMAIN).status_code == 200
    # imgix sorts: expires=T&h=25; move a digit across the boundary
    edited = url.replace(f"expires={expires}&h=25", f"expires={expires}2&h=5")
    assert get(signet, edited, IX_DOMAIN).status_code == 403
    url = sign_url("/hm/images/dog.jpg?h=25", HMAC_KEY, expires=expires)
    assert get(signet, url).status_code == 200
    edited = url.replace(f"h=25&expires={expires}", f"h=2&expires=5{expires}")
    assert get(signet, edited).status_code == 403


# --- the expiry horizon --------------------------------------------------------------------


def test_expiry_beyond_the_horizon_is_refused_in_every_scheme(signet):
    far = int(time.time()) + 2 * YEAR
    url = imgix.UrlBuilder(IX_DOMAIN, sign_key=IX_TOKEN, use_https=False).create_url(
        "images/dog.jpg", {"w": 50, "expires": far})
    answer = get(signet, url, IX_DOMAIN)
    assert answer.status_code == 400
    assert answer.text.strip() == (
        f"expires: more than {YEAR} seconds ahead, this source's max_expiry_ahead")
    answer = get(signet, sign_url("/hm/images/dog.jpg?w=50", HMAC_KEY, expires=far))
    assert answer.status_code == 400 and answer.text.startswith("expires: more than")
    answer = get(signet, ik_url(transformation=[{"width": 50}], expires_in=2 * YEAR), IK_DOMAIN)
    assert answer.status_code == 400 and answer.text.startswith("ik-t: more than")
    assert answer.headers["cache-control"] == "no-store"
    # The revived URL of the issue (ik-t in the year 3610) is refused either way.
    answer = get(signet, f"/ikopen/images/dog.jpg?ik-t={'5' * 10}")
    assert answer.status_code == 400


def test_expiry_within_the_horizon_is_served_by_library_urls(signet):
    near = int(time.time()) + YEAR - 60
    url = imgix.UrlBuilder(IX_DOMAIN, sign_key=IX_TOKEN, use_https=False).create_url(
        "images/dog.jpg", {"w": 50, "expires": near})
    answer = get(signet, url, IX_DOMAIN)
    assert answer.status_code == 200 and imagegen.open_bytes(answer.content).width == 50
    answer = get(signet, ik_url(transformation=[{"width": 60}], expires_in=YEAR - 60), IK_DOMAIN)
    assert answer.status_code == 200 and imagegen.open_bytes(answer.content).width == 60
    answer = get(signet, sign_url("/hm/images/dog.jpg?w=70", HMAC_KEY, expires=near))
    assert answer.status_code == 200 and imagegen.open_bytes(answer.content).width == 70


def test_the_horizon_is_per_source(signet):
    now = int(time.time())
    assert get(signet, sign_url("/short/images/dog.jpg?w=20", HMAC_KEY,
                                expires=now + 300)).status_code == 200
    answer = get(signet, sign_url("/short/images/dog.jpg?w=20", HMAC_KEY, expires=now + 3600))
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "expires: more than 600 seconds ahead, this source's max_expiry_ahead")
    url = sign_imagekit_url("/ikshort/images/dog.jpg?tr=w-20", IK_KEY,
                            endpoint_path="/ikshort/", expires=now + 3600)
    answer = get(signet, url)
    assert answer.status_code == 400 and "600 seconds" in answer.text


def test_max_expiry_ahead_must_be_positive():
    from app.settings import ConfigError

    with pytest.raises(ConfigError, match="max_expiry_ahead"):
        load_settings(None, sources=[{"name": "a", "type": "folder", "root": "/tmp",
                                      "max_expiry_ahead": 0}])
