"""The servers Signet is compared with and fronted by in the bench: thumbor (several
instances behind one port) and nginx (a caching proxy, or a round-robin upstream). The
process handling they share with Signet's own is in bench.servers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench.servers import BENCH_VENV, ChildrenServer, Server

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
USE_GIFSICLE_ENGINE = {gifsicle!r}
"""


def thumbor_group(
    name: str, sources: Path, ports: Sequence[int], log_dir: Path, work: Path, warm: bool,
    extra: str = "",
) -> Server:
    """One single-process thumbor per port (cold: no storage, no result storage); `extra`:
    more lines of its configuration (bench/faces.py: its face detector)."""
    conf = work / f"{name}.conf"
    result_root = work / f"{name}-results"
    conf.write_text(
        THUMBOR_CONF.format(
            root=str(sources),
            result_storage="thumbor.result_storages.file_storage" if warm else None,
            result_root=str(result_root),
            # thumbor's GIF engine (workload (m)) needs the gifsicle binary; thumbor refuses
            # to start with the engine on and no binary, so it is on only when there is one.
            gifsicle=shutil.which("gifsicle") is not None,
        )
        + extra
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
