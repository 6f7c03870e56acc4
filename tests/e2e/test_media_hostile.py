"""Hostile uploads to the media library: each is refused with the right status, and
nothing is written outside the root, or at all."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import time
import uuid

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit

from tests import imagegen
from tests.mediaserver import LIB_KEY, library_config, serve, snapshot

LIMIT = 2_000_000  # max_source_bytes in library_config


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = tmp / "root"
    root.mkdir()
    (tmp / "outside.txt").write_text("outside")
    config = library_config(tmp / "signet.toml", f'type = "folder"\nroot = "{root}"')
    with serve(config) as base:
        yield base, root


@pytest.fixture
def unchanged(lib):
    """Asserts, after the test, that nothing was written under the root or beside it."""
    _, root = lib
    before, beside = snapshot(root), snapshot(root.parent)
    yield
    assert snapshot(root) == before
    assert snapshot(root.parent) == beside


def upload_url(base: str) -> str:
    return base + "/lib/api/v1/files/upload"


def post(base: str, file: bytes, auth=(LIB_KEY, "x"), **fields) -> httpx.Response:
    fields.setdefault("fileName", "f.jpg")
    return httpx.post(upload_url(base), auth=auth, data=fields,
                      files={"file": ("f.jpg", file, "image/jpeg")}, timeout=30)


@pytest.mark.parametrize("name", ["../../evil.jpg", "..", ".signet", ".hidden.jpg", "", "  "])
def test_bad_file_names_are_refused(lib, unchanged, name):
    resp = post(lib[0], imagegen.jpeg(20, 20), fileName=name)
    assert resp.status_code == 400 and "fileName" in resp.json()["message"]


def test_separators_in_a_name_become_underscores_inside_the_root(lib):
    base, root = lib
    resp = post(base, imagegen.jpeg(20, 20), fileName="a/../../b\\c.jpg",
                useUniqueFileName="false")
    assert resp.status_code == 200
    assert resp.json()["filePath"] == "/a_.._.._b_c.jpg"
    assert (root / "a_.._.._b_c.jpg").is_file()


@pytest.mark.parametrize("folder", ["../..", "/a/../../b", "a/.signet", "/x/./y", "a\\b",
                                    "/%2e%2e/", "a" * 600])
def test_bad_folders_are_refused(lib, unchanged, folder):
    resp = post(lib[0], imagegen.jpeg(20, 20), folder=folder)
    assert resp.status_code == 400 and "folder" in resp.json()["message"]


def test_a_symlinked_folder_is_not_followed(lib, unchanged):
    base, root = lib
    os.symlink(root.parent, root / "escape")
    try:
        resp = post(base, imagegen.jpeg(20, 20), folder="/escape/")
        assert resp.status_code == 400
    finally:
        os.unlink(root / "escape")


@pytest.mark.parametrize("data, words", [
    (b"this is not an image\n" * 10, "not a decodable image"),
    (imagegen.truncated_jpeg(), "file"),
    (imagegen.png_bomb(), "pixels"),
    (imagegen.gif_bomb(), "file"),
    (b"%PDF-1.4\n" + b"0" * 100, "not a decodable image"),
])
def test_only_images_signet_can_decode_are_stored(lib, unchanged, data, words):
    resp = post(lib[0], data)
    assert resp.status_code == 400, resp.text
    assert words in resp.json()["message"]


def test_a_file_over_the_limit_is_413_before_it_is_read(lib, unchanged):
    big = os.urandom(LIMIT + 1)
    assert post(lib[0], big).status_code == 413
    # without a Content-Length (chunked), the count stops it as it streams
    body, content_type = multipart({"fileName": "big.jpg"}, os.urandom(3 * LIMIT))

    def chunks():
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    resp = httpx.post(upload_url(lib[0]), auth=(LIB_KEY, "x"), content=chunks(),
                      headers={"Content-Type": content_type}, timeout=30)
    assert resp.status_code == 413


def test_a_base64_file_over_the_limit_is_413(lib, unchanged):
    import base64

    text = base64.b64encode(os.urandom(LIMIT + 3000)).decode()
    resp = httpx.post(upload_url(lib[0]), auth=(LIB_KEY, "x"),
                      files={"file": (None, text), "fileName": (None, "b.jpg")}, timeout=30)
    assert resp.status_code == 413


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = "signettestboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode() + file + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def test_a_truncated_multipart_body_is_400(lib, unchanged):
    body, content_type = multipart({"fileName": "t.jpg"}, imagegen.jpeg(100, 100))
    # whole parts, but the closing boundary never comes
    cut = body[: body.rindex(b"--signettestboundary--")]
    resp = httpx.post(upload_url(lib[0]), auth=(LIB_KEY, "x"), content=cut,
                      headers={"Content-Type": content_type})
    assert resp.status_code == 400 and "truncated" in resp.json()["message"]
    # cut inside the file part
    resp = httpx.post(upload_url(lib[0]), auth=(LIB_KEY, "x"), content=body[: len(body) // 2],
                      headers={"Content-Type": content_type})
    assert resp.status_code == 400


def test_a_body_shorter_than_its_content_length_writes_nothing(lib, unchanged):
    body, content_type = multipart({"fileName": "short.jpg"}, imagegen.jpeg(100, 100))
    host, port = lib[0].removeprefix("http://").split(":")
    auth = httpx.BasicAuth(LIB_KEY, "x")._auth_header
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /lib/api/v1/files/upload HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {auth}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body) + 1000}\r\n\r\n".encode() + body
        )
        sock.shutdown(socket.SHUT_WR)  # the client goes away mid-body
        sock.recv(4096)
    time.sleep(0.5)


def test_not_multipart_is_400(lib, unchanged):
    resp = httpx.post(upload_url(lib[0]), auth=(LIB_KEY, "x"), json={"file": "x"})
    assert resp.status_code == 400


def auth_params(token: str | None = None, expire: int | None = None, key: str = LIB_KEY):
    token = token or str(uuid.uuid4())
    expire = expire or int(time.time()) + 1800
    signature = hmac.new(key.encode(), f"{token}{expire}".encode(), hashlib.sha1).hexdigest()
    return {"token": token, "expire": str(expire), "signature": signature}


@pytest.mark.parametrize("params, status, words", [
    (auth_params(key="wrong-key"), 401, "not valid"),
    ({**auth_params(), "signature": "0" * 40}, 401, "not valid"),
    (auth_params(expire=int(time.time()) - 10), 401, "expired"),
    (auth_params(expire=int(time.time()) + 7200), 400, "1 hour"),
    ({**auth_params(), "expire": "soon"}, 400, "expire"),
    ({"token": "t", "expire": str(int(time.time()) + 60)}, 401, "signature"),
])
def test_bad_client_upload_signatures_are_refused(lib, unchanged, params, status, words):
    resp = post(lib[0], imagegen.jpeg(20, 20), auth=None, **params)
    assert resp.status_code == status and words in resp.json()["message"]
    assert LIB_KEY not in resp.text


def test_a_wrong_key_is_401_before_the_body_is_read(lib, unchanged):
    ik = ImageKit(private_key="wrong", base_url=lib[0] + "/lib", max_retries=0)
    with pytest.raises(imagekitio.AuthenticationError):
        ik.files.upload(file=imagegen.jpeg(20, 20), file_name="x.jpg")
    resp = post(lib[0], imagegen.jpeg(20, 20), auth=None)
    assert resp.status_code == 401
    bearer = httpx.post(upload_url(lib[0]), headers={"Authorization": "Bearer x"})
    assert bearer.status_code == 401


@pytest.mark.parametrize("fields", [
    {"tags": "a%20b"}, {"tags": "x" * 501}, {"customCoordinates": "1,2,3"},
    {"customCoordinates": "1,2,0,4"}, {"isPrivateFile": "maybe"}, {"responseFields": "secrets"},
    {"useUniqueFileName": "yes please"}, {"extensions": "[]"}, {"overwriteTags": "false"},
])
def test_bad_fields_are_400(lib, unchanged, fields):
    resp = post(lib[0], imagegen.jpeg(20, 20), **fields)
    assert resp.status_code == 400
    assert next(iter(fields)) in resp.json()["message"]


def test_errors_are_json_and_never_cached(lib):
    resp = post(lib[0], b"nope")
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.headers["cache-control"] == "no-store"
