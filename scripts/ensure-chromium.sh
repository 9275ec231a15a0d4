#!/usr/bin/env bash
# Make sure a Chromium the connector can launch exists, without assuming internet beyond the
# package registries: Playwright's own build where `playwright install` works, else a system
# Chromium/Chrome already on PATH, else Debian/Ubuntu's `chromium` package.
set -uo pipefail
python="${1:-python3}"

have_system_browser() {
  for name in chromium chromium-browser google-chrome google-chrome-stable chrome; do
    if command -v "$name" >/dev/null 2>&1; then echo "browser: $(command -v "$name")"; return 0; fi
  done
  [ -x "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" ] && { echo "browser: Google Chrome.app"; return 0; }
  return 1
}

have_playwright_browser() {
  "$python" - <<'PY' 2>/dev/null
import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)
PY
}

if have_playwright_browser; then echo "browser: Playwright's Chromium"; exit 0; fi
if have_system_browser; then exit 0; fi
if timeout 120 "$python" -m playwright install chromium >/dev/null 2>&1 && have_playwright_browser; then
  echo "browser: Playwright's Chromium (just installed)"; exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian/Ubuntu package 'chromium' (needs root or sudo)…"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  have_system_browser && exit 0
fi
echo "No Chromium found. Install one: 'python -m playwright install chromium', your OS package" >&2
echo "manager's 'chromium', or Google Chrome; or set TESSIAN_BROWSER_EXECUTABLE to its path." >&2
exit 1
