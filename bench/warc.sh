#!/usr/bin/env bash
# What --warc costs (issue 17): the bench site (bench/generate_site.py,
# served by nginx on 127.0.0.1 as bench/run.sh serves it) crawled without and
# with --warc, alternately, ROUNDS times each; prints pages/s of each crawl,
# the CPU time it took (user + system, coordinator and workers) per page, and
# the WARC bytes written per page. Results go to bench/out/warc-*. On a
# shared machine pages/s swings with the load; CPU per page much less.
#
#   bench/warc.sh [--forager PATH] [--pages N] [--rounds R] [--workers W]
#
# Defaults: build-bench/forager if it exists, else build/forager; 10000
# pages; 3 rounds; 2 workers.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
PAGES=10000
ROUNDS=3
WORKERS=2
SEED=20240606
FORAGER="$ROOT/build-bench/forager"
[ -x "$FORAGER" ] || FORAGER="$ROOT/build/forager"
while [ $# -gt 0 ]; do
  case "$1" in
    --forager) FORAGER="$2"; shift 2 ;;
    --pages) PAGES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "warc.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { printf '[warc-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
mkdir -p "$OUT"

SITE="$OUT/warc-site-$PAGES"
if [ ! -f "$SITE/index.html" ]; then
  log "generating $PAGES pages into $SITE"
  python3 "$HERE/generate_site.py" --pages "$PAGES" --seed "$SEED" --out "$SITE" --list "$SITE.list"
fi
find "$SITE" -type f -exec cat {} + >/dev/null

NGX="$OUT/warc-nginx"
mkdir -p "$NGX/logs" "$NGX/tmp"
PORT="$(free_port)"
cat >"$NGX/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 65; keepalive_requests 1000000; gzip off;
  types { text/html html; text/plain txt; }
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi; uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  server { listen 127.0.0.1:$PORT; root $SITE; }
}
CONF
/usr/sbin/nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" &
NGINX_PID=$!
trap 'stop_process "$NGINX_PID"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/index.html" && break; sleep 0.1; done

# Runs a command; writes the CPU seconds of its process tree (RUSAGE_CHILDREN:
# the crawl's coordinator and the workers it reaps) to the file first named.
RUSAGE_PY='import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f" % (r.ru_utime + r.ru_stime))
sys.exit(code)'

RESULTS="$OUT/warc-results.tsv"
printf 'round\tmode\tpages\tseconds\tpages_per_s\tcpu_ms_per_page\twarc_bytes\tbytes_per_page\tload\n' >"$RESULTS"
crawl() {  # ROUND MODE
  local round="$1" mode="$2" db="$OUT/warc-$2.db" dir="$OUT/warc-$2-files" extra=() line pages secs bytes=0
  rm -rf "$db" "$db-wal" "$db-shm" "$dir"
  [ "$mode" = warc ] && extra=(--warc "$dir")
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  line="$(python3 -c "$RUSAGE_PY" "$OUT/warc-cpu" "$FORAGER" crawl "$BASE/index.html" --db "$db" --workers "$WORKERS" --concurrency 32 --per-host 64 \
          --quiet "${extra[@]}" 2>&1 | grep 'pages fetched')"
  pages="$(sed -E 's/.*: ([0-9]+) pages fetched.*/\1/' <<<"$line")"
  secs="$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")"
  [ "$mode" = warc ] && bytes="$(du -cb "$dir"/*.warc.gz | tail -1 | cut -f1)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$pages" "$secs" \
    "$(python3 -c "print(round($pages / $secs, 1))")" "$(python3 -c "print(round(1000 * $(cat "$OUT/warc-cpu") / $pages, 3))")" \
    "$bytes" "$(python3 -c "print(round($bytes / $pages))")" "$load" >>"$RESULTS"
  log "round $round $mode: $line (load before $load)"
}
log "forager $FORAGER, $PAGES pages, $WORKERS workers, $ROUNDS rounds, nproc $(nproc)"
for round in $(seq "$ROUNDS"); do
  crawl "$round" plain
  crawl "$round" warc
done
column -t "$RESULTS"
