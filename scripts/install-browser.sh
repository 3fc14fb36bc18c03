#!/usr/bin/env bash
# Install the headless browser the end-to-end web tests drive (Debian's chromium + chromium-driver).
# A no-op when both are already on PATH; needs root (or sudo) and the Debian package mirror otherwise.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
if have chromium && have chromedriver; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if have sudo; then SUDO="sudo -n"; else echo "install-browser: need root or sudo to apt-get chromium" >&2; exit 1; fi
fi
if ! have apt-get; then
  echo "install-browser: no apt-get here; install chromium and chromedriver yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
have chromium && have chromedriver
