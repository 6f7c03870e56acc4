"""The media library's API, driven by the real imagekitio SDK against `signet serve
--workers 2` on a folder source, with the memory, disk and S3 (moto) result-cache tiers."""

from __future__ import annotations

import base64
import json
import os
import time

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from app.signing_imagekit import sign_imagekit_url
from tests import imagegen
from tests.mediaserver import AWS_ENV, LIB_KEY, OLD_LIB_KEY, library_config, serve
from tests.s3server import admin_client

CACHE_BUCKET = "media-render-cache"


@pytest.fixture(scope="module")
def moto(moto):
    """conftest's moto, with the cache bucket."""
    admin_client(moto).create_bucket(Bucket=CACHE_BUCKET)
    return moto


@pytest.fixture(scope="module")
def lib(tmp_path_factory, moto):
    """(base URL, library root, disk cache dir)."""
    tmp = tmp_path_factory.mktemp("media")
    root, disk = tmp / "root", tmp / "cache"
    root.mkdir()
    cache = (
        f'disk_dir = "{disk}"\ns3_bucket = "{CACHE_BUCKET}"\n'
        f's3_endpoint_url = "{moto}"\ns3_region = "us-east-1"\n'
    )
    config = library_config(tmp / "signet.toml", f'type = "folder"\nroot = "{root}"', cache=cache)
    with serve(config, env=AWS_ENV) as base:
        yield base, root, disk


def client(base: str, key: str = LIB_KEY) -> ImageKit:
    return ImageKit(private_key=key, base_url=base + "/lib", max_retries=0)


def signed(url: str, expires: int | None = None) -> str:
    return sign_imagekit_url(url, LIB_KEY, endpoint_path="/lib/", expires=expires)


def test_server_upload_stores_the_file_and_answers_imagekit_json(lib):
    base, root, _ = lib
    ik = client(base)
    up = ik.files.upload(
        file=imagegen.jpeg(320, 240), file_name="red dog.jpg", folder="/pets/dogs/",
        tags=["red", "dog"], custom_coordinates="10,20,100,50", description="a dog",
        response_fields=["tags", "customCoordinates", "isPrivateFile"],
    )
    assert up.name.startswith("red_dog_") and up.name.endswith(".jpg")  # sanitised, unique
    assert up.file_path == f"/pets/dogs/{up.name}"
    assert (up.width, up.height, up.file_type) == (320, 240, "image")
    assert up.tags == ["red", "dog"] and up.custom_coordinates == "10,20,100,50"
    assert up.is_private_file is False
    stored = root / "pets" / "dogs" / up.name
    assert up.size == stored.stat().st_size
    assert up.url == f"{base}/lib/pets/dogs/{up.name}"
    # public: served unsigned, as an image Signet transforms
    resp = httpx.get(up.url + "?tr=w-100")
    assert resp.status_code == 200
    assert imagegen.open_bytes(resp.content).size == (100, 75)
    # without responseFields, the optional fields are left out, as ImageKit does
    plain = ik.files.upload(file=imagegen.jpeg(50, 40), file_name="plain.jpg")
    assert plain.tags is None and plain.is_private_file is None


def test_any_listed_key_authenticates_and_a_wrong_one_is_401(lib):
    base, root, _ = lib
    up = client(base, OLD_LIB_KEY).files.upload(
        file=imagegen.jpeg(60, 40), file_name="old.jpg", use_unique_file_name=False
    )
    assert (root / "old.jpg").is_file() and up.file_path == "/old.jpg"
    with pytest.raises(imagekitio.AuthenticationError) as err:
        client(base, "not-the-key").assets.list()
    assert LIB_KEY not in str(err.value.body) and "not-the-key" not in str(err.value.body)
    resp = httpx.get(base + "/lib/v1/files")
    assert resp.status_code == 401 and "message" in resp.json()


def client_upload(base: str, params: dict, name: str = "client.jpg", **fields) -> httpx.Response:
    data = {"fileName": name, **{k: str(v) for k, v in params.items()}, **fields}
    return httpx.post(
        base + "/lib/api/v1/files/upload",
        data=data,
        files={"file": ("x.jpg", imagegen.jpeg(80, 60), "image/jpeg")},
    )


def test_client_upload_with_token_and_reuse_refused_on_every_worker(lib):
    base, root, _ = lib
    params = client(base).helper.get_authentication_parameters()
    first = client_upload(base, params, useUniqueFileName="false", isPrivateFile="true")
    assert first.status_code == 200, first.text
    assert (root / "client.jpg").is_file() and first.json()["filePath"] == "/client.jpg"
    # Two workers, each new connection to either: a token kept in one process's memory
    # would pass on the other at least once in ten tries (odds 1 in 512 of never trying it).
    for _ in range(10):
        again = client_upload(base, params, name="again.jpg")
        assert again.status_code == 401 and "used" in again.json()["message"]
    assert not list(root.glob("again*"))


def test_private_files_need_a_signed_url(lib):
    base, _, _ = lib
    ik = client(base)
    secret = ik.files.upload(file=imagegen.jpeg(200, 100), file_name="s.jpg", is_private_file=True)
    public = ik.files.upload(file=imagegen.jpeg(200, 100), file_name="p.jpg")
    for _ in range(4):  # every worker
        assert httpx.get(secret.url).status_code == 403
        assert httpx.get(secret.url + "?tr=w-50").status_code == 403
        assert httpx.get(public.url).status_code == 200
    resp = httpx.get(signed(secret.url + "?tr=w-50", expires=int(time.time()) + 600))
    assert resp.status_code == 200 and imagegen.open_bytes(resp.content).size == (50, 25)
    assert ik.files.get(secret.file_id).is_private_file is True


def test_a_symlink_to_a_private_file_is_private_too(lib):
    base, root, _ = lib
    secret = client(base).files.upload(file=imagegen.jpeg(20, 20), file_name="hidden.jpg",
                                       is_private_file=True)
    os.symlink(root / secret.name, root / "alias.jpg")
    os.symlink(root / ".signet" / "meta", root / "meta-link")
    assert httpx.get(f"{base}/lib/alias.jpg").status_code == 403
    assert httpx.get(signed(f"{base}/lib/alias.jpg")).status_code == 200
    assert httpx.get(f"{base}/lib/meta-link/{secret.name}.json").status_code == 404


def test_list_and_search(lib):
    base, _, _ = lib
    ik = client(base)
    made = {}
    for name, tags, private in [
        ("apple.jpg", ["fruit", "red"], False),
        ("banana.jpg", ["fruit", "yellow"], True),
        ("cherry.jpg", ["red"], False),
    ]:
        made[name] = ik.files.upload(
            file=imagegen.jpeg(40, 40), file_name=name, folder="/search", tags=tags,
            is_private_file=private, use_unique_file_name=False,
        ).file_id

    def names(**params) -> list[str]:
        return [f.name for f in ik.assets.list(path="/search", **params)]

    assert names(sort="ASC_NAME") == ["apple.jpg", "banana.jpg", "cherry.jpg"]
    assert names(sort="DESC_NAME", skip=1, limit=1) == ["banana.jpg"]
    assert names(search_query='tags IN ["red"]', sort="ASC_NAME") == ["apple.jpg", "cherry.jpg"]
    assert names(search_query="private = true") == ["banana.jpg"]
    assert names(search_query='name : "ch" OR tags = "yellow"', sort="ASC_NAME") == [
        "banana.jpg", "cherry.jpg"]
    assert names(search_query='tags = "fruit" AND tags NOT = "red"') == ["banana.jpg"]
    assert names(file_type="non-image") == []
    listed = {f.file_id for f in ik.assets.list(search_query='tags = "fruit"')}  # every folder
    assert listed == {made["apple.jpg"], made["banana.jpg"]}
    root_listing = ik.assets.list(path="/", type="folder")
    assert "search" in [f.name for f in root_listing]
    with pytest.raises(imagekitio.BadRequestError) as err:
        ik.assets.list(search_query='createdAt > "7d"')
    assert "searchQuery" in err.value.body["message"]
    with pytest.raises(imagekitio.BadRequestError):
        ik.assets.list(sort="ASC_COLOUR")


def test_details_update_delete(lib):
    base, root, _ = lib
    ik = client(base)
    up = ik.files.upload(file=imagegen.jpeg(64, 48), file_name="d.jpg", tags=["one"])
    got = ik.files.get(up.file_id)
    assert (got.file_id, got.name, got.tags, got.width) == (up.file_id, up.name, ["one"], 64)
    changed = ik.files.update(up.file_id, tags=["two", "three"], custom_coordinates="1,2,30,40")
    assert changed.tags == ["two", "three"] and changed.custom_coordinates == "1,2,30,40"
    assert ik.files.get(up.file_id).tags == ["two", "three"]  # kept with the file
    sidecar = json.loads((root / ".signet" / "meta" / (up.name + ".json")).read_text())
    assert sidecar["tags"] == ["two", "three"]
    with pytest.raises(imagekitio.BadRequestError):
        ik.files.update(up.file_id, custom_coordinates="1,2,x,4")
    with pytest.raises(imagekitio.BadRequestError):
        ik.files.update(up.file_id, custom_metadata={"a": 1})
    ik.files.delete(up.file_id)
    assert not (root / up.name).exists()
    with pytest.raises(imagekitio.NotFoundError):
        ik.files.get(up.file_id)
    with pytest.raises(imagekitio.NotFoundError):
        ik.files.delete(up.file_id)
    with pytest.raises(imagekitio.NotFoundError):
        ik.files.get("bm90LWEtZmlsZQ")  # a well-formed id of nothing
    with pytest.raises(imagekitio.NotFoundError):
        ik.files.get("..%2F..")


def test_bulk_delete(lib):
    base, root, _ = lib
    ik = client(base)
    ids = [ik.files.upload(file=imagegen.jpeg(30, 30), file_name="b.jpg").file_id
           for _ in range(3)]
    with pytest.raises(imagekitio.NotFoundError) as err:
        ik.files.bulk.delete(file_ids=[ids[0], "bm90LWEtZmlsZQ"])
    assert err.value.body["missingFileIds"] == ["bm90LWEtZmlsZQ"]
    assert ik.files.get(ids[0])  # nothing was deleted
    done = ik.files.bulk.delete(file_ids=ids)
    assert sorted(done.successfully_deleted_file_ids) == sorted(ids)
    assert not list(root.glob("b_*.jpg"))


def test_purge_drops_every_cached_render(lib, moto):
    base, _, disk = lib
    ik = client(base)
    up = ik.files.upload(file=imagegen.jpeg(300, 200), file_name="purge.jpg")
    url = up.url + "?tr=w-120"
    first = httpx.get(url)
    assert first.headers["X-Signet-Cache"] == "miss"
    seen = {first.headers["X-Signet-Cache"]}
    for _ in range(20):
        seen.add(httpx.get(url).headers["X-Signet-Cache"])
    assert "hit-memory" in seen  # the memory tier of a worker holds it
    assert any(p.is_file() for p in disk.rglob("*") if not p.name.startswith("."))  # disk
    deadline = time.monotonic() + 10
    while not admin_client(moto).list_objects_v2(Bucket=CACHE_BUCKET).get("KeyCount"):
        assert time.monotonic() < deadline, "the S3 tier never got the render"
        time.sleep(0.1)
    request = ik.cache.invalidation.create(url=url)
    assert ik.cache.invalidation.get(request.request_id).status == "Completed"
    after = httpx.get(url)
    assert after.headers["X-Signet-Cache"] == "miss"
    assert after.headers["ETag"] != first.headers["ETag"]  # a CDN revalidates to the new one
    assert imagegen.open_bytes(after.content).size == (120, 80)
    with pytest.raises(imagekitio.BadRequestError):
        ik.cache.invalidation.create(url="http://elsewhere.example/lib/purge.jpg")
    with pytest.raises(imagekitio.NotFoundError):
        ik.cache.invalidation.get("nonsense")


def test_library_state_is_never_served(lib):
    base, root, _ = lib
    client(base).files.upload(file=imagegen.jpeg(30, 30), file_name="st.jpg",
                              use_unique_file_name=False)
    assert (root / ".signet" / "meta" / "st.jpg.json").is_file()
    for path in ["/lib/.signet/meta/st.jpg.json", "/lib/.signet/tokens", "/other/root/.signet/x"]:
        assert httpx.get(base + path).status_code == 404


def test_overwrite_false_refuses_an_existing_file(lib):
    base, root, _ = lib
    ik = client(base)
    ik.files.upload(file=imagegen.jpeg(30, 30), file_name="keep.jpg", use_unique_file_name=False)
    before = (root / "keep.jpg").read_bytes()
    with pytest.raises(imagekitio.BadRequestError):
        ik.files.upload(file=imagegen.jpeg(40, 40), file_name="keep.jpg",
                        use_unique_file_name=False, overwrite_file=False)
    assert (root / "keep.jpg").read_bytes() == before
    ik.files.upload(file=imagegen.jpeg(40, 40), file_name="keep.jpg", use_unique_file_name=False)
    assert (root / "keep.jpg").read_bytes() != before


def test_base64_file_field(lib):
    # the Python SDK sends bytes; curl and the browser SDKs may send base64 text
    base, _, _ = lib
    resp = httpx.post(
        base + "/lib/api/v1/files/upload",
        auth=(LIB_KEY, ""),
        files={"file": (None, base64.b64encode(imagegen.png_alpha(30, 20)).decode()),
               "fileName": (None, "b64.png")},
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["width"], resp.json()["height"]) == (30, 20)
    url = httpx.post(base + "/lib/api/v1/files/upload", auth=(LIB_KEY, ""),
                     files={"file": (None, "https://example.com/x.jpg"),
                            "fileName": (None, "u.jpg")})
    assert url.status_code == 400 and "URL" in url.json()["message"]


def test_unsupported_fields_are_refused_not_ignored(lib):
    base, _, _ = lib
    with pytest.raises(imagekitio.BadRequestError) as err:
        client(base).files.upload(file=imagegen.jpeg(30, 30), file_name="w.jpg",
                                  webhook_url="https://example.com/hook")
    assert "webhook" in err.value.body["message"]


def test_is_media_path_only_on_media_sources(lib):
    base, root, _ = lib
    assert httpx.post(base + "/other/api/v1/files/upload").status_code == 405
    assert httpx.get(base + "/other/v1/files").status_code == 404  # an image path there
