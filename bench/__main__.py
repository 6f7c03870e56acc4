"""Entry point: `python -m bench` (from the repository root, with Signet's virtualenv)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _signet_python() -> None:
    """Re-run under Signet's own virtualenv when started with another Python.

    The Pillow limit and the bare Starlette handler must use the Pillow, Starlette
    and uvicorn that Signet runs with.
    """
    try:
        import uvicorn  # noqa: F401

        import app.service  # noqa: F401
    except ImportError:
        venv_python = REPO / ".venv" / "bin" / "python"
        if venv_python.exists() and Path(sys.executable).resolve() != venv_python.resolve():
            print(f"bench: re-running with {venv_python}", file=sys.stderr)
            os.execv(venv_python, [str(venv_python), "-m", "bench", *sys.argv[1:]])
        raise SystemExit("bench: run it with Signet's virtualenv: `make bench`") from None


if __name__ == "__main__":
    _signet_python()
    from bench.run import main

    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started has been stopped", file=sys.stderr)
        sys.exit(130)
