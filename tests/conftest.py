"""The fixtures every test file uses: one set of factories for the real servers.

- `signet`: the shared Signet over the media below (`config_file`), its base URL.
- `signet_with`: a factory, `with signet_with(sources=[...], env={...}) as s:` serves
  any config (`tests.servers.serve_signet`); `s.base`, `s.client` (an httpx client on
  it), `s.app`, `s.settings`. `tests.servers.serve_folder` is its one-folder shorthand,
  `tests.servers.serve_process` runs `signet serve` in a subprocess instead.
- `upstream`: the HTTP upstream of tests/upstream.py, a module's own: on 127.0.0.1, or
  where the module's `UPSTREAM = {"host": "127.0.0.2", ...}` puts it.
- `moto`: moto's S3 in server mode (tests/s3server.py), its endpoint URL (a module's own);
  a module that needs buckets overrides it with a `moto(moto)` fixture that fills it.
- `browser`: Debian's Chromium under Playwright (a module's own; its `BROWSER` dict adds
  launch options).

Layout: tests/app/, tests/sources/, tests/transforms/ test the package of that name
(through HTTP or directly), tests/e2e/ what runs `signet` in subprocesses, browsers,
nginx, the deployment files and the README's commands. At the top: test_import_cycles.py
(the whole repository), test_bench_adjust.py (bench/), the support modules (servers.py,
upstream.py, s3server.py, imagegen.py, ...) and tests/vendor/.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import imagegen
from tests.s3server import run_moto
from tests.servers import Signet, serve_signet
from tests.upstream import Upstream, run_upstream

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
def signet(config_file: Path) -> Iterator[str]:
    """Base URL of Signet under uvicorn on 127.0.0.1, serving the test config."""
    os.environ["SIGNET_TEST_MEDIA_KEY"] = MEDIA_KEY
    os.environ["SIGNET_TEST_IMGIX_TOKEN"] = IMGIX_TOKEN
    with serve_signet(config_file) as served:
        yield served.base


@pytest.fixture(scope="session")
def signet_with() -> Callable[..., contextlib.AbstractContextManager[Signet]]:
    """The factory of a Signet with a given config: `tests.servers.serve_signet`."""
    return serve_signet


@pytest.fixture(scope="module")
def upstream(request: pytest.FixtureRequest) -> Iterator[Upstream]:
    """tests/upstream.py's server for one test module: on 127.0.0.1, or as the module's
    `UPSTREAM` dict says (`run_upstream`'s arguments: host, slow_seconds, ...)."""
    options = {"host": "127.0.0.1", **getattr(request.module, "UPSTREAM", {})}
    with run_upstream(**options) as up:
        yield up


# Debian's Chromium (tests/setup_system.sh installs it). Without the background-networking
# flags Chromium keeps dialling Google's hosts, which a closed network refuses;
# --no-sandbox because CI runs as root.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[object]:
    """A headless Chromium (Playwright's persistent context, a fresh profile), for one
    module; the module's `BROWSER` dict adds launch options (viewport, scale factor)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/setup_system.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile every run
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            **getattr(request.module, "BROWSER", {}),
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """The endpoint URL of moto's S3 in server mode on 127.0.0.1, for one test module."""
    with run_moto() as endpoint:
        yield endpoint
