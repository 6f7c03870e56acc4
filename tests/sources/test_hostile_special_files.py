"""Special files under a folder root, and fetches that could hang (issue 17, item 2).

open() of a FIFO blocks until a writer comes, on the event loop when it ran in `peek`:
/healthz stopped answering, and as a watermark it kept a thread forever. Only regular
files are opened, never blocking, and every fetch (marks included) is bounded in time.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests import imagegen
from tests.probes import health_probe

UPSTREAM = {"slow_seconds": 10.0}  # the `upstream` fixture's /slow* hangs past any timeout


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("special")
    (root / "photo.jpg").write_bytes(imagegen.jpeg(64, 48))
    os.mkfifo(root / "fifo.jpg")
    os.mkfifo(root / "fifo.png")
    (root / "sub").mkdir()
    os.mkfifo(root / "sub" / "pipe.gif")
    os.symlink(root / "fifo.jpg", root / "link-to-fifo.jpg")  # inside the root, to a FIFO
    os.symlink("/dev/zero", root / "zero.jpg")  # outside the root
    try:
        os.mknod(root / "null.jpg", 0o600 | 0o020000, os.makedev(1, 3))  # /dev/null's twin
    except (PermissionError, OSError):
        pass  # not root: the character device case is covered by the symlink's
    return root


@pytest.fixture(scope="module")
def server(root, signet_with) -> str:
    with signet_with(
        limits={"source_timeout": 1.0, "transform_workers": 1},
        sources=[{"name": "m", "type": "folder", "root": str(root)}],
    ) as served:
        yield served.base


def folder_threads() -> list[str]:
    """Threads whose stack is inside the folder source right now (a blocked open())."""
    stuck = []
    for ident, frame in sys._current_frames().items():
        while frame is not None:
            if frame.f_code.co_filename.endswith(os.path.join("sources", "folder.py")):
                stuck.append(str(ident))
                break
            frame = frame.f_back
    return stuck


@pytest.mark.parametrize(
    "target",
    ["/m/fifo.jpg", "/m/fifo.jpg?w=10", "/m/sub/pipe.gif?w=10", "/m/link-to-fifo.jpg",
     "/m/zero.jpg", "/m/null.jpg", "/m/sub"],
)
def test_special_files_are_not_found_at_once(server, target):
    with health_probe(server) as probe:
        began = time.monotonic()
        resp = httpx.get(server + target, timeout=10)
        took = time.monotonic() - began
        time.sleep(0.1)
    assert resp.status_code == 404, resp.text
    assert "no such image" in resp.text
    assert took < 0.5, took
    assert probe.responsive(), (probe.worst, probe.failures)


@pytest.mark.parametrize("mark", ["/fifo.png", "/sub/pipe.gif", "/link-to-fifo.jpg"])
def test_a_fifo_as_a_mark_is_refused_and_leaves_no_thread(server, mark):
    resp = httpx.get(f"{server}/m/photo.jpg?w=60&mark={mark}", timeout=10)
    assert resp.status_code == 400, resp.text
    assert "mark: no such image" in resp.text
    time.sleep(0.2)
    assert folder_threads() == []


def test_the_fifo_was_never_opened(root, server):
    # A writer that opens the FIFO would block until a reader does: with none, it fails.
    httpx.get(f"{server}/m/fifo.jpg", timeout=10)
    fd = None
    try:
        fd = os.open(root / "fifo.jpg", os.O_WRONLY | os.O_NONBLOCK)
    except OSError as err:
        assert err.errno == 6  # ENXIO: no process has it open for reading
    finally:
        if fd is not None:
            os.close(fd)
    assert fd is None


def test_marks_are_fetched_within_one_source_timeout(upstream, signet_with):
    """Three layers from a source that never answers: 504 after one timeout, not three."""
    layers = ",".join(f"l-image,i-slow{i}.png,l-end" for i in range(3))
    with signet_with(
        limits={"source_timeout": 1.0},
        sources=[{"name": "ik", "type": "web_folder", "scheme": "imagekit",
                  "base_url": upstream.base + "/"}],
    ) as served, health_probe(served.base) as probe:
        began = time.monotonic()
        resp = httpx.get(f"{served.base}/ik/image.jpg?tr={layers}", timeout=30)
        took = time.monotonic() - began
    assert resp.status_code == 504, resp.text
    assert "mark" in resp.text and "in time" in resp.text
    assert took < 3.5, took  # each fetch alone is bounded at 2 s: three in a row were 6
    assert probe.responsive(), (probe.worst, probe.failures)


def test_no_thread_of_ours_is_left_blocked():
    assert threading.active_count() < 200
    assert folder_threads() == []
