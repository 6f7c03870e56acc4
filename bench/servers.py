"""Starting and stopping the servers under test, each in its own process group.

Every server is started with start_new_session=True, so stopping it signals the
whole group (uvicorn's workers, nginx's workers) and nothing outlives the run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bench import procstat
from bench.workloads import IMAGEKIT_SOURCE, Workload

REPO = Path(__file__).resolve().parent.parent
BENCH_VENV = REPO / "bench" / ".venv"
SIGNET_KEY = "bench-signing-key-not-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class Server:
    """One or more processes (one command each) that together serve one port."""

    def __init__(
        self,
        name: str,
        commands: Sequence[Sequence[str]],
        port: int,
        ready_path: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
    ) -> None:
        self.name = name
        self.commands = [list(c) for c in commands]
        self.port = port
        self.ready_path = ready_path
        self.log_path = log_dir / f"{name}.log"
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.procs: list[subprocess.Popen] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            for command in self.commands:
                self.procs.append(
                    subprocess.Popen(
                        command,
                        cwd=self.cwd,
                        env=self.env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group, stopped as one
                    )
                )
        finally:
            log.close()
        return self

    def wait_ready(self, ports: Sequence[int] | None = None, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for port in ports or [self.port]:
            url = f"http://127.0.0.1:{port}{self.ready_path}"
            while True:
                dead = [p for p in self.procs if p.poll() is not None]
                if dead:
                    raise RuntimeError(f"{self.name} exited ({dead[0].returncode}); {self.tail()}")
                try:
                    status, _, _ = http_get(url, timeout=2)
                    if status < 500:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.name} not ready after {timeout:.0f} s; {self.tail()}"
                    )
                time.sleep(0.2)

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "no log"
        return f"last lines of {self.log_path}:\n" + "\n".join(text)

    def pids(self) -> list[int]:
        """Every live process of this server (the commands' processes and their children)."""
        out: list[int] = []
        for p in self.procs:
            if p.poll() is None:
                out.extend(procstat.tree(p.pid))
        return out

    def worker_pids(self) -> list[int]:
        """The processes that answer requests (where the load should be shared)."""
        return [p.pid for p in self.procs if p.poll() is None]

    def stop(self, grace: float = 10.0) -> None:
        for p in self.procs:
            if p.poll() is None:
                _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs:
            # The group may hold children that outlived their parent: kill what is left.
            _signal_group(p.pid, signal.SIGKILL)
            if p.poll() is None:
                p.wait(timeout=5)
        self.procs = []


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class UvicornServer(Server):
    """Signet (`signet serve`) or the bare Starlette handler: uvicorn with N workers."""

    def worker_pids(self) -> list[int]:
        main = [p.pid for p in self.procs if p.poll() is None]
        if not main:
            return []
        # With --workers > 1 uvicorn's supervisor spawns the workers (multiprocessing
        # spawn); with one worker the main process serves by itself.
        spawned = [
            c for c in procstat.children(main[0]) if "spawn_main" in procstat.cmdline(c)
        ]
        return spawned or main


def signet(config: Path, port: int, workers: int, log_dir: Path, name: str = "signet") -> Server:
    command = [
        sys.executable, "-m", "app.ops.cli", "serve", "--config", str(config),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning",  # no access log: it would cost as much as a cached hit
    ]
    env = {"SIGNET_BENCH_KEY": SIGNET_KEY}
    return UvicornServer(name, [command], port, "/healthz", log_dir, env=env)


def signet_reuseport(
    config: Path, port: int, workers: int, log_dir: Path, name: str = "signet-reuseport"
) -> Server:
    """Signet's app with one SO_REUSEPORT socket per worker (bench/reuseport.py)."""
    env = {"SIGNET_BENCH_KEY": SIGNET_KEY, "SIGNET_CONFIG": str(config)}
    return ChildrenServer(name, [_reuseport(port, workers)], port, "/healthz", log_dir, env=env)


def _reuseport(port: int, workers: int, *app: str) -> list[str]:
    """bench/reuseport.py's command: Signet's app, or `--app FACTORY`, one socket a worker."""
    return [
        sys.executable, "-m", "bench.reuseport", *app, "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]


class ChildrenServer(Server):
    """A launcher process whose children are the workers."""

    def worker_pids(self) -> list[int]:
        main = [p.pid for p in self.procs if p.poll() is None]
        return procstat.children(main[0]) if main else []


def bare_render(
    root: Path, wl: Workload, port: int, workers: int, log_dir: Path
) -> Server:
    """bench/bare_render.py for `wl` (its limit function on the files of `root`), served
    as signet_reuseport serves Signet: one SO_REUSEPORT socket per worker."""
    command = _reuseport(port, workers, "--app", "bench.bare_render:create_app")
    env = {"BENCH_RENDER_ROOT": str(root), "BENCH_RENDER_LIMIT": wl.limit or "",
           "BENCH_RENDER_TYPE": f"image/{wl.expect[0].lower()}"}
    return ChildrenServer(f"bare-render-{wl.key}", [command], port, "/healthz", log_dir, env=env)


def signet_has_result_cache() -> bool:
    """Whether this Signet has a result cache (a `[cache]` table in its settings)."""
    from app.settings import Settings

    return "cache" in Settings.model_fields


def open_folder_config(path: Path, name: str, folder: Path) -> Path:
    """Signet's TOML for one unsigned folder source `name`, result cache off."""
    path.write_text(
        "[[sources]]\n"
        f"name = {name!r}\n"
        'type = "folder"\n'
        f"root = {str(folder)!r}\n"
        "\n[cache]\nenabled = false\n"
    )
    return path


def signet_config(path: Path, sources: Path, warm: bool) -> Path:
    """Signet's TOML for the bench source: result cache off (cold) or on in memory (warm)."""
    text = (
        "[[sources]]\n"
        'name = "bench"\n'
        'type = "folder"\n'
        f"root = {str(sources)!r}\n"
        "secure = true\n"
        'keys = ["env:SIGNET_BENCH_KEY"]\n'
        # The same folder for ImageKit URLs (workload i): signed with ik-s, same key.
        "\n[[sources]]\n"
        'name = "bench-ik"\n'
        'type = "folder"\n'
        f"root = {str(sources)!r}\n"
        'scheme = "imagekit"\n'
        "secure = true\n"
        'keys = ["env:SIGNET_BENCH_KEY"]\n'
    )
    if signet_has_result_cache():
        # Memory tier only: a cached hit of (d) is then the fastest path Signet has.
        text += f"\n[cache]\nenabled = {'true' if warm else 'false'}\n"
    path.write_text(text)
    return path


def signed_path(wl: Workload, source: str | None = None) -> str:
    """`wl`'s Signet path for `source` (default: its own original), signed with the bench
    key as signet_config's sources expect: ik-s for the ImageKit source, else imgix's."""
    from app.signing import sign_url  # the checked-out Signet's, imported when first needed

    if wl.dialect == "imagekit":
        return sign_url(wl.signet_path(source), SIGNET_KEY, scheme="imagekit",
                        endpoint_path=f"/{IMAGEKIT_SOURCE}/")
    return sign_url(wl.signet_path(source), SIGNET_KEY)


def bare_handler(body: Path, media_type: str, port: int, workers: int, log_dir: Path) -> Server:
    """bench/bare_app.py answering `body`, served as `signet serve` serves Signet: one
    SO_REUSEPORT socket per worker, so both spread connections over workers alike (under
    plain `uvicorn --workers` all of them often landed on one worker)."""
    command = _reuseport(port, workers, "--app", "bench.bare_app:create_app")
    env = {"BENCH_BARE_FILE": str(body), "BENCH_BARE_TYPE": media_type}
    return ChildrenServer("bare-starlette", [command], port, "/", log_dir, env=env)
