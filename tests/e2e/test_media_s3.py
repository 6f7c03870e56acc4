"""The media library on an S3 source (moto server), through the imagekitio SDK and
`signet serve --workers 2`: metadata lives in object metadata, tokens are conditional puts."""

from __future__ import annotations

import time

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from app.signing_imagekit import sign_imagekit_url
from tests import imagegen
from tests.mediaserver import AWS_ENV, LIB_KEY, library_config, serve
from tests.s3server import admin_client

BUCKET = "media-library"


@pytest.fixture(scope="module")
def lib(tmp_path_factory, moto):
    tmp = tmp_path_factory.mktemp("media-s3")
    admin_client(moto).create_bucket(Bucket=BUCKET)
    source = (
        f'type = "s3"\nbucket = "{BUCKET}"\nprefix = "photos"\n'
        f'endpoint_url = "{moto}"\nregion = "us-east-1"'
    )
    config = library_config(tmp / "signet.toml", source, limits="originals_cache_ttl = 1")
    with serve(config, env=AWS_ENV) as base:
        yield base, admin_client(moto)


def client(base: str) -> ImageKit:
    return ImageKit(private_key=LIB_KEY, base_url=base + "/lib", max_retries=0)


def test_upload_stores_an_object_with_its_metadata(lib):
    base, s3 = lib
    up = client(base).files.upload(
        file=imagegen.jpeg(240, 120), file_name="cat.jpg", folder="/pets", tags=["grey", "a b"],
        is_private_file=True, use_unique_file_name=False, custom_coordinates="1,2,3,4",
    )
    head = s3.head_object(Bucket=BUCKET, Key="photos/pets/cat.jpg")
    assert head["Metadata"]["private"] == "true"
    assert head["ContentType"] == "image/jpeg"
    details = client(base).files.get(up.file_id)
    assert details.tags == ["grey", "a b"] and details.is_private_file is True
    assert (details.width, details.height, details.custom_coordinates) == (240, 120, "1,2,3,4")
    with pytest.raises(imagekitio.BadRequestError):  # a conditional put refuses it
        client(base).files.upload(file=imagegen.jpeg(10, 10), file_name="cat.jpg",
                                  folder="/pets", use_unique_file_name=False,
                                  overwrite_file=False)
    assert s3.head_object(Bucket=BUCKET, Key="photos/pets/cat.jpg")["ETag"] == head["ETag"]
    for _ in range(4):
        assert httpx.get(up.url).status_code == 403
    resp = httpx.get(sign_imagekit_url(up.url + "?tr=w-60", LIB_KEY, endpoint_path="/lib/"))
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).size == (60, 30)
    # fo-custom reads the coordinates from the object's metadata: the 3 x 4 area cut out
    area = sign_imagekit_url(up.url + "?tr=cm-extract,fo-custom", LIB_KEY, endpoint_path="/lib/")
    assert imagegen.open_bytes(httpx.get(area).content).size == (3, 4)


def test_client_upload_token_is_used_once_across_workers(lib):
    base, s3 = lib
    params = client(base).helper.get_authentication_parameters()
    data = {k: str(v) for k, v in params.items()}

    def attempt(name: str) -> httpx.Response:
        return httpx.post(base + "/lib/api/v1/files/upload", data={**data, "fileName": name},
                          files={"file": ("x.jpg", imagegen.jpeg(40, 30), "image/jpeg")})

    assert attempt("tok.jpg").status_code == 200
    for _ in range(10):
        again = attempt("tok2.jpg")
        assert again.status_code == 401 and "used" in again.json()["message"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="photos/")["Contents"]]
    assert not any("tok2" in k for k in keys)
    assert any(k.startswith("photos/.signet/tokens/") for k in keys)
    assert httpx.get(base + "/lib/.signet/tokens/x").status_code == 404


def test_list_update_delete(lib):
    base, s3 = lib
    ik = client(base)
    a = ik.files.upload(file=imagegen.jpeg(30, 30), file_name="a.jpg", folder="/l", tags=["x"])
    b = ik.files.upload(file=imagegen.jpeg(30, 30), file_name="b.jpg", folder="/l")
    assert {f.file_id for f in ik.assets.list(path="/l")} == {a.file_id, b.file_id}
    assert [f.file_id for f in ik.assets.list(path="/l", search_query='tags = "x"')] == [a.file_id]
    ik.files.update(b.file_id, tags=["x", "y"])
    assert {f.file_id for f in ik.assets.list(path="/l", search_query='tags = "x"')} == {
        a.file_id, b.file_id}
    assert "l" in [f.name for f in ik.assets.list(type="folder", path="/")]
    ik.files.bulk.delete(file_ids=[a.file_id, b.file_id])
    assert ik.assets.list(path="/l") == []
    with pytest.raises(imagekitio.NotFoundError):
        ik.files.get(a.file_id)


def test_purge_completes_once_every_worker_sees_it(lib):
    base, _ = lib
    ik = client(base)
    up = ik.files.upload(file=imagegen.jpeg(200, 100), file_name="purge.jpg")
    url = up.url + "?tr=w-50"
    before = httpx.get(url)
    assert before.status_code == 200
    assert any(httpx.get(url).headers["X-Signet-Cache"].startswith("hit") for _ in range(5))
    request = ik.cache.invalidation.create(url=url)
    deadline = time.monotonic() + 10
    while ik.cache.invalidation.get(request.request_id).status != "Completed":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    after = [httpx.get(url) for _ in range(4)]
    assert after[0].headers["X-Signet-Cache"] == "miss"
    assert all(r.headers["ETag"] != before.headers["ETag"] for r in after)
