#!/usr/bin/env bash
# Best effort: a virtual display (Xvfb) so the tests can exercise the headed `debug` session.
# Without it those tests skip and say why; nothing else needs a display.
set -uo pipefail
command -v xvfb-run >/dev/null 2>&1 && exit 0
[ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1 || exit 0
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
echo "installing Debian/Ubuntu packages 'xvfb xauth' for the headed debug tests…"
$sudo apt-get install -y -qq xvfb xauth >/dev/null 2>&1 \
  || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq xvfb xauth >/dev/null 2>&1; } \
  || echo "could not install xvfb: the headed debug tests will be skipped" >&2
exit 0
