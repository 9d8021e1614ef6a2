#!/bin/sh
# Make sure a Chromium is there for JavaScript pages (scrapy-playwright drives it).
# Playwright's own browser download does not work offline: use Debian's chromium.
set -eu
if [ -n "${MONITOR_BROWSER:-}" ] && [ -x "$MONITOR_BROWSER" ]; then exit 0; fi
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
echo "No Chromium found: installing Debian's chromium package (needs root and the package registry)..."
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "chromium install failed" >&2; exit 1; }
echo "Installed $(chromium --version 2>/dev/null || echo chromium)"
