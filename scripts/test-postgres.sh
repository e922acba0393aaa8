#!/usr/bin/env bash
# Makes a PostgreSQL server available for the test suite and prints its URL on stdout.
# RESLOG_TEST_POSTGRES_URL, when set, is used as it is. Otherwise the machine's PostgreSQL 15
# is installed (apt-get) if missing, started if down, and given a role and database for tests.
set -euo pipefail

if [ -n "${RESLOG_TEST_POSTGRES_URL:-}" ]; then
  echo "$RESLOG_TEST_POSTGRES_URL"
  exit 0
fi

ROLE=reslog_test
PASSWORD=reslog_test
# One database per checkout, so that suites run from two checkouts at once (a clone and the
# working tree, say) do not empty each other's tables.
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
DB="reslog_test_$(printf '%s' "$ROOT" | sha256sum | cut -c1-10)"
VERSION=15

as_root() {
  # From /, which the postgres user can enter (psql complains about a working folder it cannot).
  if [ "$(id -u)" -eq 0 ]; then (cd / && "$@"); else (cd / && sudo -n "$@"); fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d "/usr/lib/postgresql/$VERSION/bin" ]; then
  echo "test-postgres: installing PostgreSQL $VERSION with apt-get" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$VERSION" >&2
fi

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  as_root pg_createcluster "$VERSION" main >&2
fi

if ! pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  echo "test-postgres: starting PostgreSQL $VERSION" >&2
  as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start >&2
fi

PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')

for _ in $(seq 1 30); do
  if as_root runuser -u postgres -- psql -p "$PORT" -qAtc "select 1" >/dev/null 2>&1; then break; fi
  sleep 1
done

psql_admin() { as_root runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }

if [ "$(psql_admin -c "select 1 from pg_roles where rolname='$ROLE'")" != "1" ]; then
  psql_admin -c "create role $ROLE login createdb password '$PASSWORD'" >&2
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname='$DB'")" != "1" ]; then
  psql_admin -c "create database $DB owner $ROLE" >&2
fi

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
