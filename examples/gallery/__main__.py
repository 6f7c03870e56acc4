"""`python -m examples.gallery`: the gallery on :8000, beside a Signet on :8080 whose
media library holds the pictures (uploaded through ImageKit's SDK on first start, the
photos private; `--library` is where the library keeps them).

With `--signet-url` it uses a Signet that is already running (docker compose's cache
on http://localhost:8080, say) instead, with that source's scheme and key. The Signet it
starts stops with it, on Ctrl-C and on SIGTERM alike.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn

from app.ops.demo import DEMO_KEY, DEMO_KEY_ENV, demo_dir, ensure_demo_images
from examples.gallery.app import GalleryConfig, create_app

ROOT = Path(__file__).resolve().parents[2]


def start_signet(
    host: str, port: int, config: Path, key_env: str, key: str
) -> subprocess.Popen[bytes]:
    """`signet serve` with the gallery's library config, once it answers its health check."""
    env = {**os.environ, key_env: key, "SIGNET_CONFIG": str(config)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.ops.cli", "serve", "--host", host, "--port", str(port)],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://{host}:{port}/healthz", timeout=1).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    except BaseException:  # Ctrl-C or SIGTERM while it starts: it must not outlive us
        stop(proc)
        raise
    stop(proc)
    raise SystemExit(f"gallery: Signet did not start on {host}:{port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # The default action would end the process at once, skipping the `finally` that stops
    # the Signet it started; uvicorn re-raises the SIGTERM it caught once it has shut down.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.gallery", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--signet-url", help="a running Signet, as the browser reaches it")
    parser.add_argument("--signet-port", type=int, default=8080, help="for the demo it starts")
    parser.add_argument("--library", type=Path, default=demo_dir().parent / "gallery-library",
                        help="the media library's folder, for the Signet it starts")
    parser.add_argument("--source", default="demo", help="with --signet-url")
    parser.add_argument("--scheme", default="hmac-sha256", help="with --signet-url")
    parser.add_argument("--key-env", default=DEMO_KEY_ENV,
                        help="the variable holding the source's signing key")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signet = None
    try:
        key = os.environ.get(args.key_env)
        if args.signet_url is None:
            # ImageKit's SDK (a dev dependency) only here: the compose image runs the other way.
            from examples.gallery.library import (
                KEY_ENV,
                SOURCE,
                library_config,
                upload_pictures,
            )

            key = os.environ.get(KEY_ENV) or DEMO_KEY
            config = library_config(args.library / "signet.toml", args.library / "files")
            signet = start_signet("127.0.0.1", args.signet_port, config, KEY_ENV, key)
            args.signet_url = f"http://127.0.0.1:{args.signet_port}"
            uploaded = upload_pictures(args.signet_url, key, ensure_demo_images())
            if uploaded:
                print(f"Uploaded to the media library: {', '.join(uploaded)}", flush=True)
            args.source, args.scheme = SOURCE, "imagekit"
        if not key:
            parser.error(f"set {args.key_env} to the key of source {args.source!r}")
        gallery = GalleryConfig(signet_url=args.signet_url.rstrip("/"), key=key.encode(),
                                source=args.source, scheme=args.scheme)
        shown = "localhost" if args.host in ("0.0.0.0", "::") else args.host
        print(f"Gallery: http://{shown}:{args.port}/  (images from {gallery.signet_url})",
              flush=True)
        uvicorn.run(create_app(gallery), host=args.host, port=args.port, log_level="warning")
    finally:
        if signet is not None:
            stop(signet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
