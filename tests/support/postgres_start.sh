#!/usr/bin/env bash
# CTest fixture setup: starts ONE PostgreSQL server for the whole ctest run,
# in a new temporary folder, listening only on a unix socket there.
#   postgres_start.sh INFO_FILE
# Writes INFO_FILE: the socket folder (tests connect as user "postgres"), or
# "none" when no PostgreSQL server binary is installed (the tests then skip,
# unless FORAGER_REQUIRE_POSTGRES=1, when this script fails instead).
# As root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail
info=$1
rm -f "$info"

bindir=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then bindir=$dir; break; fi
done
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
  bindir=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$bindir" ]; then
  if [ "${FORAGER_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "postgres_start: no PostgreSQL server binaries (initdb, pg_ctl) and FORAGER_REQUIRE_POSTGRES=1" >&2
    exit 1
  fi
  echo none >"$info"
  echo "postgres_start: no PostgreSQL server binaries: PostgreSQL tests will skip" >&2
  exit 0
fi

dir=$(mktemp -d /tmp/forager-pg.XXXXXX)
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_server=(runuser -u postgres --)
fi
"${as_server[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200" start \
  >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "$bindir" >"$dir/bindir"
echo "$dir" >"$info"
