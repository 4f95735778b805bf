#!/usr/bin/env bash
# Scale-out benchmark (issue 13): the 10,000-page bench site crawled by forager
# on SQLite and by 1, 2 and 3 members sharing one local PostgreSQL server, in
# one run, rounds alternating: pages/s, CPU seconds of forager and of the
# server per page, statements and rows per page.
#
#   bench/scale-out.sh [--rounds R] [--workers W] [--pages N] [--forager PATH]
#                      [--sync-commit on|off] [--skip-install] [--no-netns]
#                      [--compare PATH] [--server-env 'NAME=VALUE ...']
#
# --rounds R        rounds of the four configurations, alternating [2]
# --workers W       worker processes of each member (and of the SQLite crawl) [2]
# --members LIST    configurations, 0 being SQLite [0,1,2,3]; even rounds reversed;
#                   cN: N members of the --compare binary
# --compare PATH    another forager build (e.g. main's) crawled in the same rounds:
#                   --members 0,1,c1 takes turns SQLite / this build / PATH
# --forager PATH    crawl with this binary (no build); else a Release build in build-bench/
# --server-env      environment of the PostgreSQL server, e.g.
#                   'GLIBC_TUNABLES=glibc.malloc.trim_threshold=67108864' [none]
# --sync-commit     the server's synchronous_commit [off: like forager's SQLite
#                   store (WAL, synchronous=NORMAL), a commit does not wait for
#                   its WAL flush]
#
# The PostgreSQL server is initdb + pg_ctl into a temporary folder, on a unix
# socket only, with pg_stat_statements; it is stopped and removed on exit.
# Runs inside a private network namespace with only loopback (unshare -n, as
# root) unless --no-netns. Output: bench/out/scale-out/ (results.json, and
# the tables bench/scale_out_report.py prints).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/scale-out"
SITE_OUT="$HERE/out"
BUILD="$ROOT/build-bench"
PY=/usr/bin/python3

ROUNDS=2
WORKERS=2
MEMBERS=0,1,2,3
PAGES=10000
SEED=20240606
FORAGER=""
COMPARE=""
SYNC=off
INSTALL=1
NETNS=1
SERVER_ENV=""
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --members) MEMBERS="$2"; shift 2 ;;
    --pages) PAGES="$2"; shift 2 ;;
    --forager) FORAGER="$2"; shift 2 ;;
    --compare) COMPARE="$2"; shift 2 ;;
    --sync-commit) SYNC="$2"; shift 2 ;;
    --server-env) SERVER_ENV="$2"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    --no-netns) NETNS=0; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "scale-out.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[scale-out %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

[ "$INSTALL" = 1 ] && install_bench_packages curl postgresql

# Into a network namespace of our own: only loopback, nothing leaves.
if [ "$NETNS" = 1 ] && [ -z "${FORAGER_BENCH_NETNS:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
    log "re-running inside a private network namespace (unshare -n)"
    exec unshare --net env FORAGER_BENCH_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@" --skip-install' \
      "$0" "${ARGS[@]}"
  fi
  log "not root or no unshare: running in the machine's network namespace"
fi

mkdir -p "$OUT"
if [ -z "$FORAGER" ]; then
  log "building forager (Release) in $BUILD"
  build_forager "$BUILD" "$OUT/build.log"
  FORAGER="$BUILD/forager"
fi

# ---------------------------------------------------------------- site (shared with bench/run.sh)
STAMP="pages=$PAGES seed=$SEED gen=$(sha256sum "$HERE/generate_site.py" | cut -c1-16)"
if [ "$(cat "$SITE_OUT/site.stamp" 2>/dev/null)" != "$STAMP" ]; then
  log "generating $PAGES pages into $SITE_OUT/site"
  rm -rf "$SITE_OUT/site" "$SITE_OUT/site.stamp"
  "$PY" "$HERE/generate_site.py" --pages "$PAGES" --seed "$SEED" --out "$SITE_OUT/site" --list "$SITE_OUT/site.list"
  echo "$STAMP" >"$SITE_OUT/site.stamp"
fi
find "$SITE_OUT/site" -type f -exec cat {} + >/dev/null

# ---------------------------------------------------------------- nginx
start_static_nginx "$OUT/nginx" "$SITE_OUT/site"

# ---------------------------------------------------------------- PostgreSQL
bindir=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then bindir=$dir; break; fi
done
[ -n "$bindir" ] || { log "no PostgreSQL server binaries (apt-get install postgresql)"; exit 1; }
PGDIR=$(mktemp -d /tmp/forager-bench-pg.XXXXXX)
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$PGDIR"
  as_server=(runuser -u postgres --)
fi
stop_all() {
  stop_nginx
  "${as_server[@]}" "$bindir/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM
"${as_server[@]}" "$bindir/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; exit 1; }
# shellcheck disable=SC2086  # NAME=VALUE words
"${as_server[@]}" env $SERVER_ENV "$bindir/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
  -o "-k $PGDIR -c listen_addresses='' -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on -c synchronous_commit=$SYNC -c max_connections=100" \
  start >/dev/null || { cat "$PGDIR/server.log" >&2; exit 1; }
psql -X -q -h "$PGDIR" -U postgres -d postgres -c "CREATE EXTENSION pg_stat_statements" >/dev/null
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $PGDIR (synchronous_commit=$SYNC${SERVER_ENV:+, environment $SERVER_ENV})"

# ---------------------------------------------------------------- the rounds
rm -f "$OUT"/so-r*.json
log "$PAGES pages, $ROUNDS rounds, $WORKERS workers per member, nproc $(nproc), load $(loadavg)"
for round in $(seq "$ROUNDS"); do
  # Alternate the order from round to round, so a drift of the machine's load
  # does not always land on the same configuration.
  order="$MEMBERS"
  [ $((round % 2)) = 0 ] && order="$(echo "$MEMBERS" | tr , '\n' | tac | paste -sd,)"
  "$PY" "$HERE/scale_out.py" --forager "$FORAGER" --base "$BASE" --site-list "$SITE_OUT/site.list" --out "$OUT" \
    --pg-socket "$PGDIR" --pg-data "$PGDIR/data" --round "$round" --members "$order" --workers "$WORKERS" \
    ${COMPARE:+--compare "$COMPARE"}
done
log "load at the end $(loadavg)"
"$PY" "$HERE/scale_out_report.py" "$OUT" "$SYNC" | tee "$OUT/results.md"
