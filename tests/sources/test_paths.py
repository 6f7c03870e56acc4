"""Folder sources never serve anything outside their root."""

from __future__ import annotations

import pytest

from sources.base import BadPath
from sources.paths import decode_path
from tests.conftest import SECRET_TEXT
from tests.servers import raw_get

ESCAPES = [
    "/open/../secret.txt",
    "/open/images/../../secret.txt",
    "/open/%2e%2e/secret.txt",
    "/open/%2E%2E/secret.txt",
    "/open/images%2f..%2f..%2fsecret.txt",
    "/open/..%2fsecret.txt",
    "/open/..%5csecret.txt",
    "/open/..\\secret.txt",
    "/open/photo.jpg%00.txt",
    "/open/link.jpg",  # a symlink pointing outside the root
    "/open/up/secret.txt",  # a symlinked folder pointing outside the root
    "/open//etc/passwd",
    "/open/%2fetc/passwd",
    "/open/%252e%252e/secret.txt",  # double-encoded
    "/open/%zz",
]


@pytest.mark.parametrize("target", ESCAPES)
def test_traversal_never_leaves_the_root(signet, target):
    status, body = raw_get(signet, target)
    assert status in (400, 404), (target, status)
    assert SECRET_TEXT not in body


@pytest.mark.parametrize(
    "raw", ["..", "a/../b", "%2e%2e/x", "a%2fb", "a%5Cb", "a\\b", "a%00b", "a%0ab", "%ff", "%"]
)
def test_decode_path_refuses(raw):
    with pytest.raises(BadPath):
        decode_path(raw)


def test_decode_path_decodes():
    assert decode_path("images/caf%C3%A9%20photo.jpg") == "images/café photo.jpg"
    assert decode_path("/a//b.jpg") == "a/b.jpg"
