#!/usr/bin/env bash
# System packages the test suite needs beyond the Python venv (Debian/Ubuntu):
# Chromium for tests/test_browser.py and tests/test_live_lab.py (figures drawn by a real
# browser, offline; Playwright drives this system Chromium, it downloads none) and a
# Japanese font, without which Chromium draws Japanese text as tofu (□); Pango and HarfBuzz
# for WeasyPrint (the A4 PDFs of the game cards and the monthly report); npm for the book
# (it installs MathJax, require.js and the widget manager once, from book/package.json).
# Idempotent: does nothing when both are already there. Needs root (or sudo).
set -euo pipefail

have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
have_japanese_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja family)" ]; }
have_pango() { ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && ldconfig -p | grep -q 'libharfbuzz-subset.so.0'; }
have_npm() { command -v npm >/dev/null 2>&1; }
have_all() { have_chromium && have_japanese_font && have_pango && have_npm; }

if have_all; then
  echo "system-packages: chromium, a Japanese font and Pango are installed; nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: no apt-get here; install Chromium, a Japanese font (Noto Sans CJK JP) and Pango" \
    "with this system's package manager, then re-run." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "system-packages: run as root (or install sudo) to apt-get install chromium fonts-noto-cjk libpango-1.0-0" >&2
    exit 1
  fi
fi

# only what is missing: e.g. a Node.js from NodeSource already bundles npm, and Debian's
# npm package conflicts with it (apt-get would then refuse the whole install)
packages=()
have_chromium || packages+=(chromium)
have_japanese_font || packages+=(fonts-noto-cjk)
have_pango || packages+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
have_npm || packages+=(npm)

$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${packages[@]}"

have_all || {
  echo "system-packages: installed, but chromium, the Japanese font or Pango is still not found" >&2
  exit 1
}
echo "system-packages: $(chromium --version 2>/dev/null || chromium-browser --version)"
