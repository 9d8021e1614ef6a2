#!/bin/sh
# Make sure a Chromium is there for JavaScript pages (scrapy-playwright drives it), with a
# CJK font so that rendered pages and screenshots show Chinese text. Playwright's own
# browser download does not work offline: use Debian's chromium.
set -eu
need=""
found=""
if [ -n "${MONITOR_BROWSER:-}" ] && [ -x "$MONITOR_BROWSER" ]; then found=1; fi
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then found=1; fi
done
[ -n "$found" ] || need="chromium"
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then need="$need fonts-noto-cjk"; fi
[ -n "$need" ] || exit 0
echo "Installing Debian's$(printf ' %s' $need) (needs root and the package registry)..."
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
if [ -z "$found" ]; then
    command -v chromium >/dev/null 2>&1 || { echo "chromium install failed" >&2; exit 1; }
    echo "Installed $(chromium --version 2>/dev/null || echo chromium)"
fi
