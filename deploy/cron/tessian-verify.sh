#!/usr/bin/env bash
# Run `tessian-connector verify` for one tenant from cron: one run at a time per tenant (flock),
# quiet when verified, one line naming the outcome otherwise, and the connector's own exit code.
#
#   tessian-verify.sh TENANT [more verify options...]
#
# TESSIAN_HOME (default /var/lib/tessian-connector) is the working folder: .state/ (session,
# history, locks) and reports/ live there. Settings come from $TESSIAN_CONFIG (TOML, no secrets)
# and secrets from $TESSIAN_ENV_FILE (NAME=value lines, mode 0600), never from the crontab.
set -uo pipefail

tenant="${1:?usage: tessian-verify.sh TENANT [verify options...]}"
shift
home="${TESSIAN_HOME:-/var/lib/tessian-connector}"
config="${TESSIAN_CONFIG:-/etc/tessian-connector/config.toml}"
env_file="${TESSIAN_ENV_FILE:-/etc/tessian-connector/secrets.env}"
connector="${TESSIAN_CONNECTOR:-tessian-connector}"
log="${home}/logs/${tenant}.log"

cd "$home" || { echo "tessian-verify: cannot enter $home" >&2; exit 2; }
mkdir -p "${home}/logs" "${home}/.state"

# The connector has its own per-tenant lock; this one also keeps cron from stacking waiting
# processes when a run takes longer than the interval.
exec 9>"${home}/.state/cron-${tenant}.lock"
if ! flock --nonblock 9; then
  echo "tessian-verify: ${tenant}: previous run still going; this hour was not verified" >&2
  exit 3
fi

"$connector" --config "$config" --env-file "$env_file" --tenant "$tenant" --json-logs \
  verify "$@" >>"$log" 2>&1
code=$?
case "$code" in
  0) ;;
  1) echo "tessian-verify: ${tenant}: DRIFT found (exit 1); see the newest bundle in" \
       "${home}/reports/${tenant}/" >&2 ;;
  2) echo "tessian-verify: ${tenant}: configuration or usage error (exit 2); see ${log}" >&2 ;;
  3) echo "tessian-verify: ${tenant}: INCONCLUSIVE, nothing verified (exit 3); see ${log}" >&2 ;;
  *) echo "tessian-verify: ${tenant}: stopped with exit ${code}; see ${log}" >&2 ;;
esac
exit "$code"
