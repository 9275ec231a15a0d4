#!/usr/bin/env bash
# A local PostgreSQL for the history tests (idempotent): installs Debian's postgresql when it is
# missing, starts its cluster, creates the test role and database, and prints the URL to give
# the tests as TESSIAN_TEST_POSTGRES_URL. The role's password is its name (a local test role on
# 127.0.0.1, nothing else); the tests pass it through PGPASSWORD, never in the URL.
set -euo pipefail
ROLE=tessian_test
PORT=""

ensure_server() {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  as_postgres() {  # initdb and psql's peer login refuse root: run them as the postgres user
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
  }

  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "installing Debian's postgresql for the history tests…" >&2
    $sudo apt-get install -y -qq postgresql >/dev/null \
      || { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq postgresql >/dev/null; }
  fi
  if [ -z "$(pg_lsclusters -h)" ]; then  # installed without its default cluster
    $sudo pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main >/dev/null
  fi
  read -r version cluster PORT status _ < <(pg_lsclusters -h | head -1)
  if [ "$status" != "online" ]; then
    $sudo pg_ctlcluster "$version" "$cluster" start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$PORT" || { echo "PostgreSQL on port $PORT did not start" >&2; exit 1; }

  as_postgres psql -q -p "$PORT" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$ROLE', '$ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$ROLE', '$ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$ROLE') \gexec
SQL
}

# Standard output is the URL and nothing else (.ci/run captures it): what the tools print, such
# as pg_ctlcluster's "Removed stale pid file.", goes to standard error. No extra descriptor is
# kept open for it: the server started here would inherit it and hold the capture open forever.
ensure_server >&2
echo "postgresql://$ROLE@127.0.0.1:$PORT/$ROLE"
