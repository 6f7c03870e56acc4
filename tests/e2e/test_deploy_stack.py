"""docker-compose.yml's stack run on loopback without Docker: the same files, real servers.

moto stands in for MinIO (both are S3 over HTTP); deploy/minio_init.py fills it as the
one-shot service does; Signet runs deploy/signet.toml; a real nginx runs
deploy/nginx/signet.conf in front. Only host names and ports are rewritten.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.signing import sign_url
from examples.gallery.app import PHOTOS, GalleryConfig, original_url, thumbnail_url
from tests.nginx import run_nginx
from tests.s3server import ADMIN, REGION

ROOT = Path(__file__).resolve().parents[2]
KEY = "compose-test-key"
AVIF = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"  # Chromium's, for images
WEBP = "image/webp,*/*"


def rewrite(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} once in a deploy file"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def cache_url(tmp_path_factory, moto, signet_with) -> str:
    """The base URL of nginx, in front of Signet, in front of S3, all as composed."""
    tmp = tmp_path_factory.mktemp("stack")
    aws_env = {"AWS_ACCESS_KEY_ID": ADMIN["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": ADMIN["aws_secret_access_key"],
               "AWS_DEFAULT_REGION": REGION}
    init = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "minio_init.py")],
        env={**os.environ, **aws_env, "S3_ENDPOINT": moto, "BUCKET": "signet-demo",
             "SIGNET_DEMO_DIR": str(tmp / "demo")},
        capture_output=True, text=True, timeout=60,
    )
    assert init.returncode == 0, init.stderr
    assert "photo.jpg (private)" in init.stdout and "logo.png\n" in init.stdout

    config = tmp / "signet.toml"
    config.write_text(rewrite((ROOT / "deploy" / "signet.toml").read_text(),
                              '"http://minio:9000"', f'"{moto}"'))
    with signet_with(config, env={**aws_env, "SIGNET_MEDIA_KEY": KEY}) as signet:
        site = (ROOT / "deploy" / "nginx" / "signet.conf").read_text()
        site = rewrite(site, "server signet:8080;",
                       f"server {signet.base.removeprefix('http://')};")
        site = rewrite(site, "listen 80;", "listen 127.0.0.1:{port};")
        site = rewrite(site, "/var/cache/nginx/signet", str(tmp / "cache"))
        with run_nginx(site, tmp / "nginx") as base:
            yield base


def get(base: str, target: str, accept: str = "*/*") -> httpx.Response:
    return httpx.get(base + target, headers={"Accept": accept}, trust_env=False, timeout=20)


def signed(target: str, **kw) -> str:
    return sign_url(target, KEY, **kw)


def test_public_logo_is_served_unsigned_and_cached(cache_url):
    first, second = get(cache_url, "/media/logo.png"), get(cache_url, "/media/logo.png")
    assert first.status_code == second.status_code == 200
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert first.content == second.content


def test_private_photo_needs_a_signature_and_refusals_are_not_cached(cache_url):
    for _ in range(2):
        answer = get(cache_url, "/media/photo.jpg?w=100")
        assert answer.status_code == 403
        assert answer.headers["x-cache-status"] != "HIT"
        assert answer.headers["cache-control"] == "no-store"


def test_signed_thumbnail_goes_through_the_cache_byte_for_byte(cache_url):
    # Percent-encoded commas survive the proxy: the signature covers the raw bytes.
    url = signed("/media/photo.jpg?w=300&h=300&fit=crop&crop=top%2Cleft")
    first, second = get(cache_url, url), get(cache_url, url)
    assert first.status_code == 200, first.text
    assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == ("MISS", "HIT")
    assert first.headers["cache-control"] == "public, max-age=86400"
    assert first.content == second.content
    tampered = url.replace("w=300", "w=3000")
    assert get(cache_url, tampered).status_code == 403


def test_negotiated_formats_are_cached_per_accept_header(cache_url):
    url = signed("/media/square.jpg?w=120&auto=format")
    answers = [get(cache_url, url, accept) for accept in (AVIF, WEBP, "*/*", AVIF, WEBP)]
    types = [a.headers["content-type"] for a in answers]
    assert types == ["image/avif", "image/webp", "image/jpeg", "image/avif", "image/webp"]
    assert all(a.headers["vary"] == "Accept" for a in answers)
    assert [a.headers["x-cache-status"] for a in answers[3:]] == ["HIT", "HIT"]


def test_expiring_url_is_cached_no_longer_than_it_lives(cache_url):
    url = signed("/media/portrait.jpg?w=80", expires=int(time.time()) + 120)
    answer = get(cache_url, url)
    assert answer.status_code == 200
    max_age = int(answer.headers["cache-control"].rsplit("=", 1)[1])
    assert 100 <= max_age <= 120


def test_the_gallery_service_urls_work_through_the_cache(cache_url):
    # As docker-compose.yml's `gallery` signs them: source `media`, SIGNET_MEDIA_KEY.
    config = GalleryConfig(signet_url=cache_url, key=KEY.encode(), source="media")
    for photo in PHOTOS:
        thumb = httpx.get(thumbnail_url(config, photo, dpr=2), headers={"Accept": WEBP},
                          trust_env=False)
        assert thumb.status_code == 200, thumb.text
        assert thumb.headers["content-type"] == "image/webp"
        assert httpx.get(original_url(config, photo), trust_env=False).status_code == 200
