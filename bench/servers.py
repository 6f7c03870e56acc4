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
    command = [
        sys.executable, "-m", "bench.reuseport", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning",
    ]
    env = {"SIGNET_BENCH_KEY": SIGNET_KEY, "SIGNET_CONFIG": str(config)}
    return ChildrenServer(name, [command], port, "/healthz", log_dir, env=env)


class ChildrenServer(Server):
    """A launcher process whose children are the workers."""

    def worker_pids(self) -> list[int]:
        main = [p.pid for p in self.procs if p.poll() is None]
        return procstat.children(main[0]) if main else []


def signet_has_result_cache() -> bool:
    """Whether this Signet has a result cache (a `[cache]` table in its settings)."""
    from app.settings import Settings

    return "cache" in Settings.model_fields


def signet_config(path: Path, sources: Path, warm: bool) -> Path:
    """Signet's TOML for the bench source: result cache off (cold) or on in memory (warm)."""
    text = (
        "[[sources]]\n"
        'name = "bench"\n'
        'type = "folder"\n'
        f"root = {str(sources)!r}\n"
        "secure = true\n"
        'keys = ["env:SIGNET_BENCH_KEY"]\n'
    )
    if signet_has_result_cache():
        # Memory tier only: a cached hit of (d) is then the fastest path Signet has.
        text += f"\n[cache]\nenabled = {'true' if warm else 'false'}\n"
    path.write_text(text)
    return path


def bare_handler(body: Path, media_type: str, port: int, workers: int, log_dir: Path) -> Server:
    command = [
        sys.executable, "-m", "uvicorn", "bench.bare_app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-server-header",
    ]
    env = {"BENCH_BARE_FILE": str(body), "BENCH_BARE_TYPE": media_type}
    return UvicornServer("bare-starlette", [command], port, "/", log_dir, env=env)


THUMBOR_CONF = """\
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = {root!r}
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = {result_storage!r}
RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = {result_root!r}
RESULT_STORAGE_STORES_UNSAFE = True
ALLOW_UNSAFE_URL = True
QUALITY = 80
MAX_AGE = 31536000
"""


def thumbor_group(
    name: str, sources: Path, ports: Sequence[int], log_dir: Path, work: Path, warm: bool
) -> Server:
    """One single-process thumbor per port (cold: no storage, no result storage)."""
    conf = work / f"{name}.conf"
    result_root = work / f"{name}-results"
    conf.write_text(
        THUMBOR_CONF.format(
            root=str(sources),
            result_storage="thumbor.result_storages.file_storage" if warm else None,
            result_root=str(result_root),
        )
    )
    thumbor = BENCH_VENV / "bin" / "thumbor"
    commands = [
        [str(thumbor), "--ip", "127.0.0.1", "--port", str(p), "--conf", str(conf),
         "--log-level", "warning", "--processes", "1"]
        for p in ports
    ]
    server = Server(name, commands, ports[0], "/healthcheck", log_dir)
    server.instance_ports = list(ports)  # type: ignore[attr-defined]
    return server


NGINX_CONF = """\
daemon off;
master_process on;
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
{temp_paths}
{upstreams}
    server {{
        listen 127.0.0.1:{static_port} reuseport;
        root {static_root};
        default_type image/jpeg;
        location = /nginx-ready {{ return 200 "ok"; }}
        location / {{ try_files $uri =404; }}
    }}
{proxies}
}}
"""

UPSTREAM = """\
    upstream {name} {{
        least_conn;
{servers}
        keepalive 64;
    }}
"""

PROXY = """\
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{name};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_read_timeout 120s;
        }}
    }}
"""


def nginx_available() -> bool:
    return _nginx_binary() is not None


def _nginx_binary() -> str | None:
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx(
    prefix: Path,
    static_root: Path,
    static_port: int,
    upstreams: dict[str, tuple[int, Sequence[int]]],
    workers: int,
    log_dir: Path,
) -> Server:
    """A private nginx (own prefix, own config; never the system service).

    Serves `static_root` on `static_port`, and proxies each upstream name's port
    to its instances with least_conn and keep-alive connections.
    """
    binary = _nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed")
    prefix.mkdir(parents=True, exist_ok=True)
    build = subprocess.run([binary, "-V"], capture_output=True, text=True).stderr
    temp_paths = "\n".join(
        f"    {module}_temp_path {prefix}/{module};"
        for module in ("fastcgi", "uwsgi", "scgi")
        if f"--without-http_{module}_module" not in build
    )
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            # As root, nginx's workers would switch to `nobody`; keep them able to
            # read the bench's files.
            user="user root;" if os.geteuid() == 0 else "",
            workers=workers,
            prefix=prefix,
            temp_paths=temp_paths,
            static_root=static_root,
            static_port=static_port,
            upstreams="".join(
                UPSTREAM.format(
                    name=name,
                    servers="\n".join(f"        server 127.0.0.1:{p};" for p in ports),
                )
                for name, (_, ports) in upstreams.items()
            ),
            proxies="".join(
                PROXY.format(name=name, port=port) for name, (port, _) in upstreams.items()
            ),
        )
    )
    check = subprocess.run(
        [binary, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx config rejected: {check.stderr.strip()}")
    return ChildrenServer(
        "nginx", [[binary, "-p", str(prefix), "-c", str(conf)]], static_port, "/nginx-ready",
        log_dir,
    )
