"""The README's shell commands, taken from README.md itself and run as written.

Every command in a ```sh block is run from the repository's root (with this venv's
`signet` on the PATH and no SIGNET_* variables), unless it matches a rule below that
says why it cannot run here; `export` lines carry over to the commands after them in
their block. A `signet sign` command's URLs are then fetched from a real server over
the config it signed for: they must answer 200 with an image.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.ops.demo import demo_settings
from app.service import create_app
from app.settings import load_settings
from tests.imagegen import open_bytes

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# (command prefix, why it is not run here). Matched after leading VAR=value words.
NOT_RUN = [
    ("make run", "starts a server"),
    ("make gallery", "starts servers"),
    ("signet serve", "starts a server"),
    ("make test", "runs this test suite"),
    ("make lint && .venv/bin/python -m pytest", "runs this test suite"),
    ("docker ", "needs Docker"),
    ("kubectl ", "needs a Kubernetes cluster"),
]
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*\s+")


def sh_blocks(text: str) -> list[list[str]]:
    """The commands of each ```sh block: continuation lines joined, comment lines dropped."""
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    result = []
    for block in blocks:
        commands: list[str] = []
        pending = ""
        for line in block.splitlines():
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1].rstrip()
                continue
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
        result.append(commands)
    return result


def why_not_run(command: str) -> str | None:
    bare = command
    while _ASSIGNMENT.match(bare):
        bare = _ASSIGNMENT.sub("", bare, count=1)
    for prefix, reason in NOT_RUN:
        if bare.startswith(prefix):
            return reason
    return None


def readme_commands() -> list[tuple[str, tuple[str, ...]]]:
    """(command, the export lines before it in its block), for every command."""
    out = []
    for block in sh_blocks(README.read_text()):
        exports: list[str] = []
        for command in block:
            if command.startswith("export "):
                exports.append(command)
            else:
                out.append((command, tuple(exports)))
    return out


COMMANDS = readme_commands()


def test_the_extractor_finds_the_readme_commands():
    commands = [c for c, _ in COMMANDS]
    assert 'signet sign --source demo "/demo/photo.jpg?w=300&h=300&fit=crop"' in commands
    assert any(c.startswith("docker run -p 8080:8080 -v") and "\\" not in c for c in commands)
    assert all(not c.startswith("#") for c in commands)


def test_the_readme_has_no_expiry_in_the_past():
    text = README.read_text()
    for stamp in re.findall(r"expires=(\d{9,})", text):
        assert int(stamp) > time.time(), f"expires={stamp} is in the past"
    for stamp in re.findall(r"ik-t=(\d{9,})", text):
        assert int(stamp) > time.time(), f"ik-t={stamp} is in the past"


@contextlib.contextmanager
def _in_root() -> Iterator[None]:
    before = os.getcwd()
    os.chdir(ROOT)  # examples/signet.toml's root is relative, as a user runs it
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, signet_with) -> Iterator[dict[str, str]]:
    """Signet over the demo and over examples/signet.toml, by the source they serve."""
    exported = dict(
        line.removeprefix("export ").split("=", 1)
        for _, exports in COMMANDS for line in exports
    )
    saved = {k: os.environ.get(k) for k in ("MEDIA_KEY", "SIGNET_DEMO_DIR")}
    os.environ["MEDIA_KEY"] = exported["MEDIA_KEY"]
    os.environ["SIGNET_DEMO_DIR"] = str(tmp_path_factory.mktemp("demo"))
    try:
        with _in_root():
            demo = create_app(demo_settings())
            example = create_app(load_settings("examples/signet.toml"))
        with signet_with(demo) as demo_signet, signet_with(example) as example_signet:
            yield {"demo": demo_signet.base, "media": example_signet.base,
                   "demo_dir": os.environ["SIGNET_DEMO_DIR"]}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.parametrize(
    "command, exports", COMMANDS, ids=[c[:60] for c, _ in COMMANDS]
)
def test_readme_command_runs_as_written(command, exports, servers):
    reason = why_not_run(command)
    if reason is not None:
        pytest.skip(f"{reason}: {command}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SIGNET_DEMO_DIR"] = servers["demo_dir"]
    script = "\n".join([*exports, command])
    out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if command.split()[:2] == ["signet", "sign"] or "| signet sign" in command:
        urls = out.stdout.split()
        assert urls, out.stderr
        for url in urls:
            source = url.split("/")[1]
            resp = httpx.get(servers[source] + url, timeout=30)
            assert resp.status_code == 200, (url, resp.text)
            assert open_bytes(resp.content).width > 0
