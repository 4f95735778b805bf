#!/usr/bin/env bash
# forager benchmark (issue 6): forager vs Scrapy 2.8 vs the gumbo-only parse
# ceiling, on a generated static site served by nginx on 127.0.0.1, in one run.
#
#   bench/run.sh                     forager (W workers), Scrapy, gumbo (W processes)
#   bench/run.sh --workers-sweep     forager and gumbo with 1, 2 and 4 workers/processes
#
# Options: --workers W [cores]  --pages N [10000]  --timeout SECONDS per crawl [900]
#          --skip-install (do not check/install Debian packages)
#          --forager PATH (crawl with this binary, e.g. another commit's build; no build)
#          --no-scrapy (forager and gumbo only: for repeated before/after runs)
#
# Everything it writes (site, nginx config, stores, logs, results) goes to
# bench/out/; forager is built in Release into build-bench/ at the repository
# root. All traffic goes to 127.0.0.1. nginx is always stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
BUILD="$ROOT/build-bench"
PY=/usr/bin/python3            # Debian's python3, the one python3-scrapy installs into

WORKERS="$(nproc)"
PAGES=10000
SEED=20240606
TIMEOUT=900
SWEEP=0
INSTALL=1
FORAGER=""
SCRAPY=1
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) WORKERS="$2"; shift 2 ;;
    --pages) PAGES="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --workers-sweep) SWEEP=1; shift ;;
    --skip-install) INSTALL=0; shift ;;
    --forager) FORAGER="$2"; shift 2 ;;
    --no-scrapy) SCRAPY=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# ---------------------------------------------------------------- packages
[ "$INSTALL" = 1 ] && install_bench_packages python3-scrapy time g++ libgumbo-dev curl

mkdir -p "$OUT"
# ---------------------------------------------------------------- build
if [ -z "$FORAGER" ]; then
  log "building forager (Release) in $BUILD"
  build_forager "$BUILD" "$OUT/build.log"
  FORAGER="$BUILD/forager"
fi
g++ -O2 -std=c++17 -Wall -o "$OUT/gumbo_parse" "$HERE/gumbo_parse.cc" -lgumbo

# ---------------------------------------------------------------- site
STAMP="pages=$PAGES seed=$SEED gen=$(sha256sum "$HERE/generate_site.py" | cut -c1-16)"
if [ "$(cat "$OUT/site.stamp" 2>/dev/null)" != "$STAMP" ]; then
  log "generating $PAGES pages into $OUT/site"
  rm -rf "$OUT/site" "$OUT/site.stamp"
  "$PY" "$HERE/generate_site.py" --pages "$PAGES" --seed "$SEED" --out "$OUT/site" --list "$OUT/site.list"
  echo "$STAMP" >"$OUT/site.stamp"
fi
# Same starting point for everyone: the site in the page cache.
find "$OUT/site" -type f -exec cat {} + >/dev/null

# ---------------------------------------------------------------- nginx
start_static_nginx "$OUT/nginx" "$OUT/site"

# CPU seconds (user+sys) used so far by nginx's worker processes.
nginx_cpu() {
  local total=0 pid ticks
  for pid in $(pgrep -P "$NGINX_PID" || true); do
    ticks=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  "$PY" -c "import os; print('%.2f' % ($total / os.sysconf('SC_CLK_TCK')))"
}

# ---------------------------------------------------------------- runners
# Each writes $OUT/res-NAME.json (timing, CPU, RSS) and $OUT/ver-NAME.json (completeness).
RESULTS=()
measure() {  # NAME STDOUT STDERR -- CMD...
  local name="$1" stdout="$2" stderr="$3"; shift 4
  local load_before cpu_before cpu_after code=0
  load_before="$(loadavg)"
  cpu_before="$(nginx_cpu)"
  log "$name: $* (load $load_before)"
  "$PY" "$HERE/peak_rss.py" --timeout "$TIMEOUT" --series "$OUT/series-$name.csv" --root-name forager \
    --stdout "$stdout" --stderr "$stderr" "$OUT/res-$name.json" -- "$@" || code=$?
  cpu_after="$(nginx_cpu)"
  "$PY" - "$OUT/res-$name.json" "$load_before" "$(loadavg)" "$cpu_before" "$cpu_after" <<'EOF'
import json, sys
path, lb, la, cb, ca = sys.argv[1:]
r = json.load(open(path))
r.update(load_before=lb, load_after=la, nginx_cpu_s=round(float(ca) - float(cb), 2))
json.dump(r, open(path, "w"), indent=1)
EOF
  RESULTS+=("$name")
  [ "$code" = 0 ] || log "$name exited with status $code"
  return 0
}

run_forager() {  # W
  local w="$1" name="forager-w$1"
  rm -f "$OUT/$name.db" "$OUT/$name.db-wal" "$OUT/$name.db-shm" "$OUT/$name.jsonl"
  measure "$name" /dev/null "$OUT/$name.log" -- "$FORAGER" crawl "$BASE/index.html" --db "$OUT/$name.db" \
    --workers "$w" --concurrency 32 --per-host 64 --quiet
  cat "$OUT/$name.log" >&2
  "$FORAGER" export --db "$OUT/$name.db" --format jsonl -o "$OUT/$name.jsonl" 2>/dev/null
  "$PY" "$HERE/verify.py" "$name" "$OUT/$name.jsonl" "$OUT/site.list" "$BASE" "$OUT/ver-$name.json" || true
}

run_scrapy() {
  local name=scrapy
  rm -f "$OUT/$name.jsonl"
  measure "$name" /dev/null "$OUT/$name.log" -- "$PY" -m scrapy runspider "$HERE/scrapy_spider.py" \
    -a "start_url=$BASE/index.html" -o "$OUT/$name.jsonl:jsonlines"
  grep -E 'ERROR|Traceback' "$OUT/$name.log" | head -5 >&2 || true
  "$PY" "$HERE/verify.py" "$name" "$OUT/$name.jsonl" "$OUT/site.list" "$BASE" "$OUT/ver-$name.json" || true
}

run_gumbo() {  # W
  local w="$1" name="gumbo-w$1"
  measure "$name" "$OUT/$name.log" /dev/null -- "$OUT/gumbo_parse" "$OUT/site.list" "$OUT/site" "$w"
  cat "$OUT/$name.log" >&2
  "$PY" - "$name" "$OUT/$name.log" "$OUT/ver-$name.json" "$PAGES" <<'EOF'
import json, re, sys
name, log, out, pages = sys.argv[1:]
m = re.search(r"gumbo: (\d+) pages, .* (\d+) links, (\d+) titles", open(log).read())
ok = bool(m) and int(m.group(1)) == int(pages) == int(m.group(3))
json.dump({"name": name, "expected": int(pages), "records": int(m.group(1)) if m else 0,
           "links_per_record": int(m.group(2)) / int(pages) if m else 0, "ok": ok}, open(out, "w"))
print("verify %-10s expected %s pages: %s parsed -> %s" % (name, pages, m.group(1) if m else 0, "OK" if ok else "INCOMPLETE"))
EOF
}

# ---------------------------------------------------------------- the run
MODE=main
[ "$SWEEP" = 1 ] && MODE=sweep
log "mode $MODE, $PAGES pages, workers $WORKERS, nproc $(nproc), load $(loadavg)"
if [ "$SWEEP" = 1 ]; then
  for w in 1 2 4; do
    run_gumbo "$w"
    run_forager "$w"
  done
else
  run_gumbo "$WORKERS"
  run_forager "$WORKERS"
  [ "$SCRAPY" = 1 ] && run_scrapy
fi
stop_nginx

"$PY" "$HERE/report.py" "$OUT" "$MODE" "$PAGES" "$WORKERS" "${RESULTS[@]}"
log "results in $OUT/results-$MODE.json; chart: $PY $HERE/chart.py $OUT $HERE/chart.svg"
