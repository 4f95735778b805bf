#!/usr/bin/env bash
# forager scale benchmark (issue 6): a crawl of --max-pages URLs (default
# 1,000,000) of an endless generated site served on 127.0.0.1 (by nginx, see
# below). Reports pages/s over time and the coordinator's RSS growth per known
# URL (1 + 10 x pages: every page links to 10 new ones).
#
#   bench/scale.sh [--max-pages N] [--workers W] [--pad BYTES] [--timeout SECONDS]
#                  [--server nginx|httplib] [--skip-install] [--no-build]
#                  [--out DIR] [--forager-args "ARGS"]   (bench/soak.sh uses these)
#                  [--with-sweep]   first the worker sweep: bench/run.sh --workers-sweep
#
# Defaults: 1,000,000 pages, W = cores, 24000 bytes of filler per page (so a page
# costs about what a page of the run.sh site costs to parse), timeout 7200 s.
# At about 1,000 pages/s on 2 idle cores the default run takes about 17 minutes.
# Writes to bench/out/scale/; builds forager (Release) into build-bench/.
#
# Server (default nginx, see bench/endless_nginx.py): nginx generates the pages
# itself with `return 200`: /p/1/3/7 links to /p/1/3/7/0 .. /p/1/3/7/9.
# --server httplib uses bench/endless_server.cc (/p/N -> /p/10N+k) instead, but
# Debian's prebuilt cpp-httplib polls every idle keep-alive connection about
# every 10 ms: with 64 connections it spent ~10 ms of CPU per page served, more
# than the crawler it was meant to feed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/scale"
FORAGER_ARGS=""
WITH_SWEEP=0
BUILD="$ROOT/build-bench"
PY=/usr/bin/python3

MAX_PAGES=1000000
WORKERS="$(nproc)"
PAD=24000
TIMEOUT=7200
INSTALL=1
SERVER=nginx
BUILD_FORAGER=1
while [ $# -gt 0 ]; do
  case "$1" in
    --max-pages) MAX_PAGES="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --pad) PAD="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    --no-build) BUILD_FORAGER=0; shift ;;   # reuse build-bench/forager as it is
    --out) OUT="$2"; shift 2 ;;
    --forager-args) FORAGER_ARGS="$2"; shift 2 ;;
    --with-sweep) WITH_SWEEP=1; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "scale.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '[scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# install-deps.sh (run by install_bench_packages) includes libcpp-httplib-dev.
[ "$INSTALL" = 1 ] && install_bench_packages time g++ python3

if [ "$WITH_SWEEP" = 1 ]; then
  sweep_args=(--workers-sweep)
  [ "$INSTALL" = 1 ] || sweep_args+=(--skip-install)
  "$HERE/run.sh" "${sweep_args[@]}"
fi

mkdir -p "$OUT"
log "building forager (Release) in $BUILD and the endless server"
if [ "$BUILD_FORAGER" = 1 ] || [ ! -x "$BUILD/forager" ]; then
  build_forager "$BUILD" "$OUT/build.log"
fi
# shellcheck disable=SC2046
g++ -O2 -std=c++17 -Wall -o "$OUT/endless_server" "$HERE/endless_server.cc" \
  $(pkg-config --cflags --libs cpp-httplib) -pthread

SERVER_PID=""
stop_server() {
  stop_process "$SERVER_PID"
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

PORT="$(free_port)"
if [ "$SERVER" = nginx ]; then
  NGX="$OUT/nginx"
  mkdir -p "$NGX/logs" "$NGX/tmp"
  "$PY" "$HERE/endless_nginx.py" "$NGX/nginx.conf" "$PORT" "$PAD" "$NGX"
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" &
  SERVER_PID=$!
else
  "$OUT/endless_server" "$PORT" "$PAD" 2>"$OUT/server.log" &
  SERVER_PID=$!
fi
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/robots.txt" && break; sleep 0.1; done
curl -sf -o /dev/null "$BASE/p/1" || { log "endless server did not come up"; exit 1; }

rm -f "$OUT/scale.db" "$OUT/scale.db-wal" "$OUT/scale.db-shm"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "crawling $MAX_PAGES pages of $BASE/p/1 with $WORKERS workers (load $LOAD_BEFORE)"
# No --quiet: forager prints a progress line every 5 s when stderr is not a terminal.
# shellcheck disable=SC2086
"$PY" "$HERE/peak_rss.py" --timeout "$TIMEOUT" --interval 1 --series "$OUT/series.csv" --root-name forager \
  --per-process "$OUT/processes.csv" --stdout /dev/null --stderr "$OUT/forager.log" "$OUT/res.json" -- \
  "$BUILD/forager" crawl "$BASE/p/1" --db "$OUT/scale.db" --workers "$WORKERS" --concurrency 32 \
  --per-host 64 --max-pages "$MAX_PAGES" $FORAGER_ARGS || log "forager exited with status $?"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
# CPU seconds used by the server (nginx: master + worker; httplib: the process).
ticks=0
for pid in $SERVER_PID $(pgrep -P "$SERVER_PID" || true); do
  t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
  ticks=$((ticks + t))
done
SERVER_CPU=$("$PY" -c "import os; print('%.1f' % ($ticks / os.sysconf('SC_CLK_TCK')))")
stop_server
tail -3 "$OUT/forager.log" >&2
[ "$SERVER" = nginx ] || tail -1 "$OUT/server.log" >&2
"$PY" "$HERE/scale_report.py" "$OUT" "$MAX_PAGES" "$WORKERS" "$LOAD_BEFORE" "$LOAD_AFTER" "$HERE/out/results-main.json" "$SERVER_CPU"
