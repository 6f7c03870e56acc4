#!/bin/sh
# Install the Debian programs the tests drive for real: Chromium (the gallery's browser
# test, through Playwright) and nginx (the caching proxy of docker-compose.yml).
# Run by `make test`; it does nothing when both are there already.
set -eu

need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
# Without a font, Chromium draws every letter of the screenshot as a box.
[ -n "$(find /usr/share/fonts -name '*.ttf' -print -quit 2>/dev/null)" ] \
    || need="$need fonts-dejavu-core"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
[ -n "$need" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "setup_system.sh: please install:$need (apt-get install -y$need)" >&2
    exit 1
fi
echo "setup_system.sh: installing$need"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086  # $need is a list of package names
$sudo apt-get install -y -q --no-install-recommends $need
