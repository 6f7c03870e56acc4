"""S3, web folder and web proxy sources through the real service, with routing and privacy."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import imgix
import pytest

from app.signing import sign_url
from tests import imagegen
from tests.s3server import ADMIN, admin_client, iam_enforced, use_test_credentials
from tests.upstream import run_upstream

KEY = "remote-test-key"
BUCKET = "media"
PHOTO = imagegen.jpeg(640, 480)


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        use_test_credentials(mp, tmp_path_factory.mktemp("aws"))
        mp.setenv("SIGNET_TEST_REMOTE_KEY", KEY)
        yield mp


@pytest.fixture(scope="module")
def moto(aws_env, moto):
    """conftest's moto, with the bucket of these tests."""
    s3 = admin_client(moto)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="photos/dog.jpg", Body=PHOTO, ContentType="image/jpeg")
    s3.put_object(Bucket=BUCKET, Key="photos/secret.jpg", Body=PHOTO,
                  Metadata={"private": "true"})
    return moto


UPSTREAM = {"host": "127.0.0.2", "slow_seconds": 3.0}  # where the `upstream` fixture runs


@pytest.fixture(scope="module")
def local_upstream(upstream):
    """A server on 127.0.0.1, on the same port as the 127.0.0.2 one where possible."""
    with run_upstream("127.0.0.1") as up:
        yield up


@pytest.fixture(scope="module")
def signet(moto, upstream, tmp_path_factory, signet_with):
    with signet_with(
        limits={"source_timeout": 1.0, "max_source_bytes": 300_000},
        sources=[
            {"name": "s3", "type": "s3", "bucket": BUCKET, "prefix": "photos",
             "region": "us-east-1", "endpoint_url": moto,
             "keys": ["env:SIGNET_TEST_REMOTE_KEY"]},
            {"name": "denied", "type": "s3", "bucket": BUCKET, "region": "us-east-1",
             "endpoint_url": moto},
            {"name": "web", "type": "web_folder", "base_url": upstream.base + "/",
             "domains": ["web.example.test"], "private_prefixes": ["private/"],
             "keys": ["env:SIGNET_TEST_REMOTE_KEY"]},
            {"name": "proxy", "type": "web_proxy", "keys": ["env:SIGNET_TEST_REMOTE_KEY"]},
            {"name": "opened", "type": "web_proxy", "keys": ["env:SIGNET_TEST_REMOTE_KEY"],
             "allowed_networks": ["127.0.0.2/32"]},
            {"name": "ixproxy", "type": "web_proxy", "scheme": "imgix",
             "keys": ["env:SIGNET_TEST_REMOTE_KEY"], "allowed_networks": ["127.0.0.2/32"]},
        ],
    ) as served:
        yield served.base


def get(signet: str, path: str, sign: bool = True, **kw) -> httpx.Response:
    return httpx.get(signet + (sign_url(path, KEY) if sign else path), timeout=15, **kw)


def test_s3_object(signet):
    resp = get(signet, "/s3/dog.jpg?w=64", sign=False)
    assert resp.status_code == 200, resp.text
    assert imagegen.open_bytes(resp.content).width == 64
    assert resp.headers["etag"] and resp.headers["last-modified"]


def test_s3_missing_key(signet):
    assert get(signet, "/s3/nothing.jpg", sign=False).status_code == 404


def test_s3_private_object_needs_a_signature(signet):
    resp = get(signet, "/s3/secret.jpg?w=64", sign=False)
    assert resp.status_code == 403 and "private" in resp.text
    assert get(signet, "/s3/secret.jpg?w=64").status_code == 200


def test_s3_bucket_the_credentials_cannot_read(signet, moto, aws_env, signet_with):
    with iam_enforced(moto):
        # moto now checks IAM, where the service's credentials grant nothing
        resp = get(signet, "/denied/photos/dog.jpg", sign=False)
    assert resp.status_code == 502, resp.text
    assert "refused access" in resp.text
    assert ADMIN["aws_access_key_id"] not in resp.text and "127.0.0.1" not in resp.text
    # a bucket that does not exist is refused like one we may not read
    with signet_with(sources=[
        {"name": "gone", "type": "s3", "bucket": "no-such-bucket", "region": "us-east-1",
         "endpoint_url": moto}]) as served:
        resp = httpx.get(served.base + "/gone/a.jpg")
    assert resp.status_code == 502
    assert ADMIN["aws_access_key_id"] not in resp.text and "127.0.0.1" not in resp.text


def test_web_folder_by_domain(signet):
    resp = get(signet, "/image.jpg?w=32", sign=False, headers={"Host": "web.example.test"})
    assert resp.status_code == 200, resp.text
    assert imagegen.open_bytes(resp.content).width == 32


@pytest.mark.parametrize(
    "path,status", [("missing", 404), ("error", 502), ("slow", 504), ("huge", 413)]
)
def test_web_folder_upstream_failures(signet, path, status):
    resp = get(signet, f"/web/{path}", sign=False)
    assert resp.status_code == status, resp.text
    assert "127.0.0.2" not in resp.text


def test_web_folder_private_prefix(signet):
    assert get(signet, "/web/private/image.jpg", sign=False).status_code == 403
    # signed, it passes the privacy check and reaches the upstream (which has no such file)
    assert get(signet, "/web/private/image.jpg").status_code == 404


def proxied(source: str, url: str) -> str:
    return f"/{source}/" + quote(url, safe="")


def test_proxy_requires_a_signature(signet, upstream):
    url = proxied("opened", f"{upstream.base}/image.jpg")
    assert get(signet, url, sign=False).status_code == 403
    resp = get(signet, url + "?w=20")
    assert resp.status_code == 200, resp.text
    assert imagegen.open_bytes(resp.content).width == 20


def test_proxy_with_imgix_library_url(signet, upstream):
    builder = imgix.UrlBuilder("x.test", sign_key=KEY, include_library_param=False)
    url = builder.create_url(f"{upstream.base}/image.jpg", {"w": 16})
    path = url.split("x.test", 1)[1]
    # the imgix client signs the path without our /source prefix: sign ours with it
    resp = httpx.get(signet + sign_url("/ixproxy" + path.split("&s=")[0].split("?s=")[0], KEY,
                                       scheme="imgix"))
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/image.jpg",
        "http://localhost:{port}/image.jpg",
        "http://10.0.0.1/image.jpg",
        "http://192.168.1.1/image.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/image.jpg",
        "http://[::ffff:127.0.0.1]:{port}/image.jpg",
        "http://2130706433:{port}/image.jpg",
        "file:///etc/passwd",
    ],
)
def test_proxy_refuses_private_targets_without_fetching(signet, local_upstream, target):
    local_upstream.requests.clear()
    resp = get(signet, proxied("proxy", target.format(port=local_upstream.port)))
    assert resp.status_code in (400, 403), resp.text
    assert local_upstream.requests == []


def test_opened_network_served_but_redirect_to_loopback_refused(signet, upstream,
                                                                local_upstream):
    local_upstream.requests.clear()
    assert get(signet, proxied("opened", f"{upstream.base}/image.jpg")).status_code == 200
    hop = f"{upstream.base}/redirect-to/127.0.0.1/{local_upstream.port}/image.jpg"
    resp = get(signet, proxied("opened", hop))
    assert resp.status_code == 403, resp.text
    assert local_upstream.requests == []
