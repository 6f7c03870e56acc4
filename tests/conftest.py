from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.service import create_app
from app.settings import load_settings
from tests import imagegen
from tests.servers import run_asgi

MEDIA_KEY = "media-test-key"
OLD_KEY = "media-old-key"
IMGIX_TOKEN = "test-token"
SECRET_TEXT = b"TOP SECRET outside the root"


def make_media(root: Path) -> Path:
    """The originals the HTTP tests serve, plus a secret file outside the root."""
    media = root / "media"
    (media / "images").mkdir(parents=True)
    (media / "images" / "dog.jpg").write_bytes(imagegen.jpeg(800, 600))
    (media / "images" / "café photo.jpg").write_bytes(imagegen.jpeg(400, 300))
    (media / "photo.jpg").write_bytes(imagegen.jpeg(800, 600))
    (media / "big.jpg").write_bytes(imagegen.jpeg(2400, 1600))
    (media / "alpha.png").write_bytes(imagegen.png_alpha(400, 300))
    (media / "exif.jpg").write_bytes(imagegen.jpeg_with_orientation(400, 200, 6))
    (media / "bomb.png").write_bytes(imagegen.png_bomb())
    (media / "truncated.jpg").write_bytes(imagegen.truncated_jpeg())
    (media / "notimage.jpg").write_bytes(b"this is not an image\n" * 10)
    (root / "secret.txt").write_bytes(SECRET_TEXT)
    os.symlink(root / "secret.txt", media / "link.jpg")
    os.symlink(root, media / "up")
    return media


def write_config(path: Path, media: Path, extra: str = "") -> Path:
    path.write_text(
        f"""
[limits]
max_source_bytes = 5000000

[[sources]]
name = "media"
type = "folder"
root = "{media}"
secure = true
keys = ["env:SIGNET_TEST_MEDIA_KEY", "file:{path.parent / 'old.key'}"]
ttl = 3600

[[sources]]
name = "open"
type = "folder"
root = "{media}"
keys = ["env:SIGNET_TEST_MEDIA_KEY"]
expired_status = 410

[[sources]]
name = "ix"
type = "folder"
root = "{media}"
domains = ["ix.example.test"]
secure = true
scheme = "imgix"
keys = ["env:SIGNET_TEST_IMGIX_TOKEN"]
{extra}
"""
    )
    (path.parent / "old.key").write_text(OLD_KEY + "\n")
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return make_media(tmp_path_factory.mktemp("signet"))


@pytest.fixture(scope="session")
def config_file(media_dir: Path) -> Path:
    return write_config(media_dir.parent / "signet.toml", media_dir)


@pytest.fixture(scope="session")
def signet(config_file: Path) -> str:
    """Base URL of Signet under uvicorn on 127.0.0.1, serving the test config."""
    os.environ["SIGNET_TEST_MEDIA_KEY"] = MEDIA_KEY
    os.environ["SIGNET_TEST_IMGIX_TOKEN"] = IMGIX_TOKEN
    app = create_app(load_settings(config_file))
    with run_asgi(app) as base:
        yield base
