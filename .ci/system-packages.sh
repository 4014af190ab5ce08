#!/usr/bin/env bash
# System packages the test suite needs beyond the Python venv (Debian/Ubuntu):
# Chromium for tests/test_browser.py (figures drawn by a real browser, offline) and a
# Japanese font, without which Chromium draws Japanese text as tofu (□).
# Idempotent: does nothing when both are already there. Needs root (or sudo).
set -euo pipefail

have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_japanese_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja family)" ]; }

if have_chromium && have_japanese_font; then
  echo "system-packages: chromium and a Japanese font are installed; nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: no apt-get here; install Chromium and a Japanese font (Noto Sans CJK JP)" \
    "with this system's package manager, then re-run." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "system-packages: run as root (or install sudo) to apt-get install chromium fonts-noto-cjk" >&2
    exit 1
  fi
fi

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends chromium fonts-noto-cjk

have_chromium && have_japanese_font || {
  echo "system-packages: installed, but chromium or the Japanese font is still not found" >&2
  exit 1
}
echo "system-packages: $(chromium --version 2>/dev/null || chromium-browser --version)"
