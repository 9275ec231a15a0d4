#!/usr/bin/env bash
# Check a built image the way the Kubernetes examples run it: as uid 10001, read-only root,
# every capability dropped, no privilege escalation, scratch space only in /tmp, $HOME and
# /dev/shm. Prints one line per check and exits non-zero on the first failure.
#
#   deploy/docker/check-image.sh IMAGE DEMO_IMAGE
#
# IMAGE is the runtime target, DEMO_IMAGE the `demo` target (docker build --target demo).
set -euo pipefail
image="${1:?usage: check-image.sh IMAGE DEMO_IMAGE}"
demo_image="${2:?usage: check-image.sh IMAGE DEMO_IMAGE}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state" "$work/reports"
chown 10001:10001 "$work/state" "$work/reports" 2>/dev/null || chmod 0777 "$work/state" "$work/reports"

home_tmpfs="/home/connector:uid=10001,gid=10001"
locked_down=(--rm --read-only --cap-drop ALL --security-opt no-new-privileges
  --tmpfs /tmp --tmpfs "$home_tmpfs" --shm-size 256m
  -v "$work/state:/data/.state" -v "$work/reports:/data/reports")

echo "version: $(docker run "${locked_down[@]}" "$image" --version)"
user="$(docker run "${locked_down[@]}" --entrypoint id "$image" -u)"
[ "$user" = 10001 ] || { echo "runs as uid $user, not 10001" >&2; exit 1; }
echo "user: uid $user"
docker run "${locked_down[@]}" --entrypoint sh "$image" -c \
  'touch /opt/venv/x 2>/dev/null && exit 1; exit 0' || { echo "root filesystem is writable" >&2; exit 1; }
echo "root filesystem: read-only"
if docker run "${locked_down[@]}" "$image" demo >/dev/null 2>&1; then
  echo "runtime image ran the demo: it should have no fixtures" >&2; exit 1
fi
echo "runtime image: no demo fixtures (refused, as designed)"
start=$(date +%s)
set +e
docker run "${locked_down[@]}" "$demo_image" demo >"$work/demo.log" 2>&1
code=$?
set -e
echo "demo: exit $code in $(( $(date +%s) - start ))s (1 = drift, the demo's designed answer)"
[ "$code" -eq 1 ] || { tail -20 "$work/demo.log" >&2; exit 1; }
bundle="$(find "$work/reports" -name report.json | head -1)"
[ -n "$bundle" ] || { echo "no report.json in the reports volume" >&2; exit 1; }
echo "bundle: $(find "$(dirname "$bundle")" -maxdepth 1 -type f -printf '%f ')"
