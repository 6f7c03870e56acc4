#!/usr/bin/env bash
# Installs what bench needs, idempotently: wrk and nginx from Debian's packages,
# and thumbor (the peer server) from PyPI into bench/.venv. Signet itself runs from
# the repository's .venv (make's `.venv/.runtime` target installs it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
THUMBOR_VERSION=${THUMBOR_VERSION:-7.8.0}
PY_SPY_VERSION=${PY_SPY_VERSION:-0.4.3}
PYTHON=${PYTHON:-python3}

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v gifsicle >/dev/null 2>&1 || need+=(gifsicle)  # thumbor's GIF engine, workload (m)
if ((${#need[@]})); then
    if [ "$(id -u)" = 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "bench: please install ${need[*]} (Debian: apt-get install ${need[*]})" >&2
        exit 1
    fi
    echo "bench: installing ${need[*]} with apt-get" >&2
    "${sudo[@]}" apt-get update -qq
    # RUNLEVEL=1 keeps the package from starting the system nginx: bench runs its own.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

venv="$here/.venv"
stamp="$venv/.installed-thumbor-$THUMBOR_VERSION-py-spy-$PY_SPY_VERSION-opencv"
if [ ! -e "$stamp" ]; then
    echo "bench: installing thumbor $THUMBOR_VERSION into $venv" >&2
    [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
    # py-spy: for `python -m bench --profile` (samples Signet's workers); OpenCV 4.x: for
    # thumbor's face detector (`smart` crop, workload (k), bench/faces.py).
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        "thumbor==$THUMBOR_VERSION" "py-spy==$PY_SPY_VERSION" "opencv-python-headless>=4.8,<5"
    "$venv/bin/thumbor" --version >/dev/null
    touch "$stamp"
fi
