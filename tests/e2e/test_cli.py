"""The command line: configuration errors, `signet sign`, and `signet serve` with the demo."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.signing import Signature, verify_signature
from tests.conftest import MEDIA_KEY
from tests.imagegen import open_bytes
from tests.servers import free_socket

ROOT = Path(__file__).resolve().parents[2]


def signet_cmd(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app.ops.cli", *args],
        cwd=ROOT, env=full_env, input=stdin, capture_output=True, text=True, timeout=timeout,
    )


# `sign` resolves every key of the config, as `serve` does.
KEYS_ENV = {"SIGNET_TEST_MEDIA_KEY": MEDIA_KEY, "SIGNET_TEST_IMGIX_TOKEN": "test-token"}


def test_sign_urls_and_stdin(config_file):
    env = KEYS_ENV
    out = signet_cmd("sign", "--config", str(config_file), "--source", "media",
                     "/media/a.jpg?w=1", "b.jpg", env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[1].startswith("/media/b.jpg?s=")
    for line in lines:
        parts = urlsplit(line)
        assert verify_signature("hmac-sha256", [MEDIA_KEY.encode()], parts.path.encode(),
                                parts.query.encode()) is Signature.VALID
    many = "\n".join(f"/media/{i}.jpg?w=10" for i in range(250)) + "\n"
    out = signet_cmd("sign", "--config", str(config_file), "--source", "media",
                     "--expires-in", "60", "-", env=env, stdin=many)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 250
    assert all("&expires=" in line and "&s=" in line for line in out.stdout.splitlines())


def test_sign_with_the_imgix_scheme(config_file):
    out = signet_cmd("sign", "--config", str(config_file), "--source", "ix",
                     "/images/dog.jpg?h=300&mark=%2Flogo.png&mark-align=bottom%2Cright&w=300",
                     env=KEYS_ENV)
    assert out.stdout.strip().endswith("&s=2db210fd96cd8480b34cdbb6381deaba"), out.stderr


def test_sign_refuses_a_url_serve_would_refuse_and_signs_the_rest(config_file):
    out = signet_cmd("sign", "--config", str(config_file), "--source", "media",
                     "a.jpg?w=10&w=20", "b.jpg?w=10", "c.jpg?expires=1&expires=2",
                     "d.jpg?w=lots", "../e.jpg", env=KEYS_ENV)
    assert out.returncode == 1
    assert out.stdout.split()[0].startswith("/media/b.jpg?w=10&s=")
    assert len(out.stdout.split()) == 1
    refused = out.stderr.splitlines()
    assert len(refused) == 4 and all("serve would refuse" in line for line in refused)
    assert "a.jpg?w=10&w=20: w: given more than once" in refused[0]
    assert "expires: given more than once" in refused[1]
    assert "w:" in refused[2] and ". or .." in refused[3]


def test_sign_fails_when_a_key_serve_needs_is_missing(config_file):
    out = signet_cmd("sign", "--config", str(config_file), "--source", "media", "a.jpg",
                     env={"SIGNET_TEST_MEDIA_KEY": MEDIA_KEY})
    assert out.returncode == 2 and out.stdout == ""
    assert "sources[ix].keys.0: environment variable SIGNET_TEST_IMGIX_TOKEN" in out.stderr


def test_sign_with_the_demo():
    out = signet_cmd("sign", "--source", "demo", "--expires-in", "60", "photo.jpg?w=300")
    assert out.returncode == 0, out.stderr
    parts = urlsplit(out.stdout.strip())
    assert parts.path == "/demo/photo.jpg" and "&expires=" in parts.query
    assert verify_signature("hmac-sha256", [b"signet-demo-key-not-secret"], parts.path.encode(),
                            parts.query.encode()) is Signature.VALID


@pytest.mark.parametrize(
    "body,words",
    [
        ('[[sources]]\nname = "a"\ntype = "folder"\nroot = "/tmp"\nkeys = ["hunter2"]\n',
         "sources[a].keys: each key must be a reference"),
        ('[[sources]]\nname = "a"\ntype = "folder"\n', "sources[a].root: Field required"),
        ('[[sources]]\nname = "a"\ntype = "ftp"\n',
         "sources[a].type: unknown source type 'ftp' (folder, s3, web_folder, web_proxy)"),
        ('[[sources]]\nname = "a"\n', "sources[a].type: a source needs a `type`"),
        ('[[sources]]\ntype = "folder"\nroot = "/tmp"\n', "sources[0].name: Field required"),
        ('[[sources]]\nname = "media"\ntype = "folder"\nroot = "/tmp"\nttl = "x"\n',
         "sources[media].ttl: Input should be a valid integer"),
        ('[limits]\nmax_source_bytes = "lots"\n', "limits.max_source_bytes"),
        ('[limits]\nmax_sorce_bytes = 1\n', "limits.max_sorce_bytes"),
        ('[[sources]]\nname = "a"\ntype = "folder"\nroot = "/tmp"\nsecure = true\n',
         "sources[a]: a secure source needs at least one key"),
        ('[[sources]]\nname = "a"\ntype = "folder"\nroot = "/tmp"\nkeys = ["env:NOPE_NOT_SET"]\n',
         "sources[a].keys.0: environment variable NOPE_NOT_SET is not set"),
        ('default_source = "zz"\n', "default_source"),
        ("this is = not toml [", "bad.toml, line 1: "),
        ('[limits]\nmax_dpr = 2\n\n[cache\n', "bad.toml, line 4: "),
    ],
)
def test_bad_config_stops_startup_naming_the_key(tmp_path, body, words):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    out = signet_cmd("serve", "--config", str(cfg), "--port", "1")
    assert out.returncode == 2
    assert "config error" in out.stderr and words in out.stderr, out.stderr
    assert "hunter2" not in out.stderr
    assert "Traceback" not in out.stderr
    # `sign` checks the config exactly as `serve` does: the same message, the same status.
    signed = signet_cmd("sign", "--config", str(cfg), "a.jpg")
    assert (signed.returncode, signed.stderr) == (out.returncode, out.stderr)


def test_environment_overrides_the_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[limits]\nmax_source_bytes = 10\n')
    out = signet_cmd("serve", "--config", str(cfg), "--port", "1",
                     env={"SIGNET_LIMITS__MAX_SOURCE_BYTES": "oops"})
    assert out.returncode == 2 and "limits.max_source_bytes" in out.stderr


def test_serve_demo_prints_urls_that_work():
    port = free_socket().getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.ops.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        urls = []
        deadline = time.monotonic() + 30
        while len(urls) < 3 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            urls += re.findall(r"http://\S+", line)
        assert len(urls) == 3
        expected = [(300, 300), (600, 600), (400, 533)]
        for url, size in zip(urls, expected, strict=True):
            resp = None
            while time.monotonic() < deadline:
                try:
                    resp = httpx.get(url)
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            assert resp is not None and resp.status_code == 200, url
            assert open_bytes(resp.content).size == size
        assert "expires=" in urls[2]
        tampered = urls[0].replace("w=300", "w=301")
        assert httpx.get(tampered).status_code == 403
        # each worker listens on a socket of its own (SO_REUSEPORT), so the kernel spreads
        # keep-alive connections over them instead of one worker taking them all
        workers = [pid for pid in child_pids(proc.pid) if "spawn_main" in cmdline(pid)]
        assert len(workers) == 2
        sockets = [listening_inodes(pid, port) for pid in workers]
        assert all(len(s) == 1 for s in sockets) and sockets[0] != sockets[1]
        # a worker that dies is replaced, and the server keeps answering
        os.kill(workers[0], signal.SIGKILL)
        replaced = []
        while time.monotonic() < deadline + 30 and len(replaced) < 2:
            time.sleep(0.2)
            replaced = [p for p in child_pids(proc.pid) if "spawn_main" in cmdline(p)]
        assert len(replaced) == 2 and workers[0] not in replaced
        time.sleep(1)  # the new worker binds its socket as it starts
        assert all(httpx.get(urls[0]).status_code == 200 for _ in range(5))
        workers = replaced
    finally:
        proc.terminate()
        assert proc.wait(15) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def child_pids(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return pids


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def listening_inodes(pid: int, port: int) -> set[str]:
    """The inodes of the sockets `pid` holds that listen on `port` (state 0A in /proc)."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            held.add(target[8:-1])
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port:
            listening.add(cols[9])
    return held & listening


def test_serve_refuses_a_port_in_use():
    taken = free_socket()
    taken.listen()
    port = taken.getsockname()[1]
    try:
        out = signet_cmd("serve", "--port", str(port), "--workers", "2", timeout=60)
    finally:
        taken.close()
    assert out.returncode == 1
    assert "cannot listen" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("level, logged", [("info", True), ("warning", False)])
def test_the_access_log_is_written_at_info_and_not_formatted_above_it(tmp_path, level, logged):
    from app.ops.workers import ServeOptions
    from tests.servers import serve_process

    # Above info uvicorn is told there is no access log, so it does not format its lines.
    assert ServeOptions(log_level=level).uvicorn_config().access_log is logged
    (tmp_path / "a.png").write_bytes(b"not read")
    config = tmp_path / "signet.toml"
    config.write_text(f'[[sources]]\nname = "m"\ntype = "folder"\nroot = {str(tmp_path)!r}\n')
    with open(tmp_path / "out.log", "w") as out:
        with serve_process(config, workers=1, log_level=level, output=out) as served:
            assert httpx.get(served.base + "/m/none.png?w=5").status_code == 404
    said = (tmp_path / "out.log").read_text()
    assert ('"GET /m/none.png?w=5 HTTP/1.1" 404' in said) is logged, said
