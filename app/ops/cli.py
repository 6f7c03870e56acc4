"""`signet serve` and `signet sign`."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.config_messages import source_key
from app.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from app.ops.workers import ServeOptions
    from app.runtime import Runtime, SourceRuntime


def _settings(config: str | None) -> Settings:
    if config or os.environ.get("SIGNET_CONFIG"):
        return load_settings(config)
    from app.ops.demo import demo_settings

    return demo_settings()


def checked(settings: Settings) -> Runtime:
    """What `serve` builds before it serves: every key resolved, every source and preset
    checked. `sign` builds it too, so both refuse a bad config with the same error."""
    from app.runtime import Runtime

    return Runtime.build(settings)


def _signer_for(runtime: Runtime, name: str | None) -> SourceRuntime:
    """The source whose scheme and first key sign."""
    names = list(runtime.sources)
    name = name or runtime.settings.default_source_name()
    if name is None:
        raise ConfigError(f"--source: choose one of {', '.join(names)}")
    if name not in names:
        raise ConfigError(f"--source: no source is named {name!r}")
    src = runtime.sources[name]
    if not src.keys:
        raise ConfigError(f"{source_key(name)}.keys: source {name!r} has no key to sign with")
    return src


class Refused(ValueError):
    """A URL `serve` would refuse, so signing it would only hide the mistake."""


def _refusal(runtime: Runtime, src: SourceRuntime, url: str, endpoint: str) -> str | None:
    """Why `serve` would refuse `url` for `src` (400 or 404), or None.

    The same checks, in the same order: the path, then the query as the source's dialect
    reads it, presets applied (repeated, unknown or invalid parameters).
    """
    from sources.base import SourceError
    from transforms.dialects.imagekit import split_path_transforms
    from transforms.errors import TransformError
    from transforms.query import split_query

    parts = urlsplit(url)
    rel_path, path_tr = (parts.path or "/")[len(endpoint) :], None
    parser = src.parser
    try:
        if parser.dialect == "imagekit":
            rel_path, path_tr = split_path_transforms(rel_path)
        src.source.path_from_url(rel_path)
        pairs = split_query(parts.query.encode())
        given = [k for k, _ in pairs if k in parser.passthrough]
        for name in given:
            if given.count(name) > 1:
                return f"{name}: given more than once"
        parser.parse(path_tr, pairs, runtime.limits)
    except (SourceError, TransformError) as err:
        return str(err)
    return None


def sign_one(runtime: Runtime, src: SourceRuntime, url: str, expires: int | None) -> str:
    """Sign a URL (a full URL, an absolute path, or a path relative to the source), or
    raise Refused when `serve` would refuse it."""
    from app.signing import sign_url
    from app.signing_imagekit import endpoint_path_for

    cfg = src.config
    if "://" not in url and not url.startswith("/"):
        url = f"/{cfg.name}/{url}"
    # ImageKit signs relative to the endpoint: the source's prefix unless reached by domain.
    endpoint = endpoint_path_for(url, cfg.name, cfg.domains)
    reason = _refusal(runtime, src, url, endpoint)
    if reason is not None:
        raise Refused(reason)
    return sign_url(url, src.keys[0], scheme=cfg.scheme, expires=expires, endpoint_path=endpoint)


def demo_urls(base: str, settings: Settings) -> list[str]:
    runtime = checked(settings)
    src = runtime.sources["demo"]
    in_an_hour = int(time.time()) + 3600
    return [
        base + sign_one(runtime, src, path, expires)
        for path, expires in [
            ("/demo/photo.jpg?w=300&h=300&fit=crop", None),
            ("/demo/photo.jpg?w=300&h=300&fit=crop&dpr=2", None),
            ("/demo/portrait.jpg?w=400&fm=webp", in_an_hour),
            ("/demo/photo.jpg?preset=thumb", None),
        ]
    ]


def usable_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota.

    os.cpu_count() counts the host's CPUs: in a container limited to 2 CPUs on a
    64-core node it would start 64 workers, each with its own caches.
    """
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = count or 1
    try:
        quota, period = cpu_max.read_text().split()
        if quota != "max":
            count = min(count, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return max(count, 1)


def workers_arg(value: str) -> int:
    """`--workers`: a number of processes, or `auto` for one per usable CPU."""
    if value == "auto":
        return usable_cpus()
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1, or 'auto'")
    return int(value)


def serve_options(args: argparse.Namespace, settings: Settings) -> ServeOptions:
    """The listener's options: `--tls-cert`/`--tls-key` override `[server]` tls_cert/tls_key."""
    from app.ops.http_limits import HeadLimits
    from app.ops.tls import check_pair
    from app.ops.workers import ServeOptions

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together")
    cert, key, where = args.tls_cert, args.tls_key, "--tls-cert/--tls-key"
    if cert is None and settings.server.tls_cert is not None:
        cert, key, where = settings.server.tls_cert, settings.server.tls_key, "server.tls_cert"
    if cert is not None:
        problem = check_pair(cert, key)
        if problem is not None:
            raise ConfigError(f"{where}: cannot load the certificate and key: {problem}")
    limits = settings.limits
    return ServeOptions(
        host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
        limits=HeadLimits(limits.max_header_bytes, limits.header_timeout),
        tls_cert=str(Path(cert).resolve()) if cert else None,
        tls_key=str(Path(key).resolve()) if key else None,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from app.ops.workers import serve
    from app.origin_auth import OriginGuard

    settings = _settings(args.config)
    checked(settings)  # resolve keys now, so a bad config fails before serving
    OriginGuard.from_settings(settings)  # and the origin secrets
    options = serve_options(args, settings)
    if settings.demo:
        os.environ["SIGNET_DEMO"] = "1"
        shown = "localhost" if args.host in ("0.0.0.0", "::") else args.host
        print("Serving the bundled demo (source 'demo', a development key). Try:")
        labels = [
            "300x300 thumbnail",
            "the same at dpr=2 (600x600)",
            "expires in an hour",
            "preset thumb: 300x300 with the logo",
        ]
        scheme = "https" if options.tls_cert else "http"
        urls = demo_urls(f"{scheme}://{shown}:{args.port}", settings)
        for label, url in zip(labels, urls, strict=True):
            print(f"  {label}: {url}")
        sys.stdout.flush()
    else:
        config = Path(args.config or os.environ["SIGNET_CONFIG"]).resolve()
        os.environ["SIGNET_CONFIG"] = str(config)
    if args.workers > 1:
        from app.ops.metrics import prepare_multiprocess

        prepare_multiprocess()  # so that /metrics adds up every worker's numbers
    return serve(options)


def cmd_sign(args: argparse.Namespace) -> int:
    """Print each URL signed; a URL `serve` would refuse is named on stderr instead, the
    others are still signed, and the exit status is 1."""
    runtime = checked(_settings(args.config))
    src = _signer_for(runtime, args.source)
    expires = int(time.time()) + args.expires_in if args.expires_in is not None else None
    urls: Iterable[str] = sys.stdin if args.urls == ["-"] else args.urls
    status = 0
    for url in urls:
        url = url.strip()
        if not url:
            continue
        try:
            print(sign_one(runtime, src, url, expires), flush=False)
        except ValueError as err:  # Refused, or a URL sign_url cannot place under its endpoint
            print(f"signet: not signed, serve would refuse it: {url}: {err}", file=sys.stderr)
            status = 1
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signet", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve images (the bundled demo when no config is given)")
    serve.add_argument("--config", help="TOML config file (default: $SIGNET_CONFIG)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=workers_arg, default=1, metavar="N|auto",
                       help="processes (one per core is best; auto: one per usable CPU)")
    serve.add_argument("--log-level", default="info",
                       help="uvicorn's; an access line per request at info and below")
    serve.add_argument("--tls-cert", metavar="FILE",
                       help="serve HTTPS with this PEM certificate chain (reloaded on change)")
    serve.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    serve.set_defaults(func=cmd_serve)

    sign = sub.add_parser("sign", help="print signed URLs; '-' reads one URL per line")
    sign.add_argument("--config", help="TOML config file (default: $SIGNET_CONFIG, else the demo)")
    sign.add_argument("--source", help="the source whose scheme and first key sign")
    sign.add_argument("--expires-in", type=int, metavar="SECONDS", help="add an expiry")
    sign.add_argument("urls", nargs="+", metavar="URL")
    sign.set_defaults(func=cmd_sign)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"signet: config error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
