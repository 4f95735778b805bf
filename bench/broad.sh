#!/usr/bin/env bash
# Broad-crawl benchmark (issue 18): many hosts, a polite delay, HTTP and HTTPS.
#
# N hosts on distinct loopback addresses (127.0.1.1 .. 127.0.1.N, then
# 127.0.2.x), all served by one nginx, each with the same small site
# (robots.txt, an index and P-1 pages). HTTPS uses a throwaway CA made by the
# script; forager trusts it with --cacert. Every crawler runs with one
# request in flight per host and DELAY ms between two requests to a host
# (forager: --per-host 1 --delay DELAY; Scrapy: CONCURRENT_REQUESTS_PER_DOMAIN
# 1, DOWNLOAD_DELAY). Reported per crawl and scheme: pages, wall time against
# the politeness bound (P pages x DELAY), CPU seconds (user+sys of the whole
# process tree) per page, and connections, TLS handshakes and resumed TLS
# sessions counted by nginx ($connection, $ssl_session_reused in its log),
# and how late requests started against what politeness allowed
# (bench/lateness.py on nginx's log: by kind of request, summed per host, and
# for forager split into receive / coordinator / send by its own timestamps;
# the tables go to bench/out/broad/lateness-NAME-SCHEME.md).
#
#   bench/broad.sh [--hosts N] [--pages P] [--delay MS] [--workers W]
#                  [--schemes "http https"] [--forager NAME=BINARY]... [--no-scrapy]
#                  [--keepalive-requests N] [--keepalive-timeout SECONDS]
#                  [--timeout SECONDS] [--skip-install]
#
# --keepalive-requests / --keepalive-timeout make nginx close a connection
# after N requests or after SECONDS idle (defaults 100000 and 65: never, in
# a crawl of this size), as many servers do (Apache: 100 requests, 5 s): the
# crawlers must then open connections again, and over HTTPS the "resumed"
# column shows whether they resume the host's TLS session.
#
# Defaults: 20 hosts, 21 pages, 500 ms, 2 workers, both schemes, forager
# built in Release into build-bench/, Scrapy when python3-scrapy is installed.
# A forager binary without --cacert (older than it) runs HTTPS with --insecure.
# --forager NAME=BINARY (repeatable) measures the given binaries instead, e.g.
# an older build to compare with, in the same run. Output goes to
# bench/out/broad/; nginx is always stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/broad"
BUILD="$ROOT/build-bench"
PY=/usr/bin/python3

HOSTS=20
PAGES=21
DELAY=500
WORKERS=2
SCHEMES="http https"
TIMEOUT=600
INSTALL=1
SCRAPY=1
KEEPALIVE_REQUESTS=100000
KEEPALIVE_TIMEOUT=65
FORAGERS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) HOSTS="$2"; shift 2 ;;
    --pages) PAGES="$2"; shift 2 ;;
    --delay) DELAY="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --schemes) SCHEMES="$2"; shift 2 ;;
    --forager) FORAGERS+=("$2"); shift 2 ;;
    --no-scrapy) SCRAPY=0; shift ;;
    --keepalive-requests) KEEPALIVE_REQUESTS="$2"; shift 2 ;;
    --keepalive-timeout) KEEPALIVE_TIMEOUT="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "broad.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 2500 ] || { echo "broad.sh: --hosts must be 1..2500" >&2; exit 2; }
[ "$PAGES" -ge 2 ] || { echo "broad.sh: --pages must be at least 2" >&2; exit 2; }

log() { printf '[broad %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

[ "$INSTALL" = 1 ] && install_bench_packages time openssl curl
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if [ "$SCRAPY" = 1 ] && ! "$PY" -c 'import scrapy' 2>/dev/null; then
  log "python3-scrapy is not installed: Scrapy is skipped"
  SCRAPY=0
fi
mkdir -p "$OUT"
if [ ${#FORAGERS[@]} -eq 0 ]; then
  log "building forager (Release) in $BUILD"
  build_forager "$BUILD" "$OUT/build.log"
  FORAGERS=("forager=$BUILD/forager")
fi

# The i-th host's address (1-based): 127.0.1.1 .. 127.0.1.250, 127.0.2.1, ...
address() { echo "127.0.$((1 + ($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }

# ---------------------------------------------------------------- site and CA
SITE="$OUT/site"
rm -rf "$SITE" && mkdir -p "$SITE"
printf 'User-agent: *\nDisallow: /private/\n' >"$SITE/robots.txt"
"$PY" - "$SITE" "$PAGES" <<'EOF'
import sys
site, pages = sys.argv[1], int(sys.argv[2])
filler = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40 + "</p>\n"
def page(i, links):
    return ("<!doctype html><html><head><title>Page %d</title>"
            "<meta name=description content='page %d'></head><body>\n" % (i, i) + filler +
            "".join("<a href=\"/p%d.html\">page %d</a>\n" % (j, j) for j in links) +
            "<a href=\"/private/x.html\">private</a></body></html>\n")
open(site + "/index.html", "w").write(page(0, range(1, pages)))
for i in range(1, pages):
    open(site + "/p%d.html" % i, "w").write(page(i, [(i % (pages - 1)) + 1]))
EOF

TLS="$OUT/tls"
rm -rf "$TLS" && mkdir -p "$TLS"
(
  cd "$TLS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=forager bench CA" -keyout ca.key -out ca.pem
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=bench" \
    -keyout server.key -out server.csr
  # One certificate per host naming only its address, as a real site's names
  # only its own (one certificate naming all N addresses made every handshake
  # parse and search N names). They share the key: its making is not measured.
  for i in $(seq "$HOSTS"); do
    printf 'subjectAltName=IP:%s\n' "$(address "$i")" >san.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile san.cnf -out "server-$i.pem"
  done
) >"$OUT/openssl.log" 2>&1 || { cat "$OUT/openssl.log" >&2; exit 1; }

# ---------------------------------------------------------------- nginx
NGX="$OUT/nginx"
NGINX_PID=""
stop_nginx() { stop_process "$NGINX_PID"; NGINX_PID=""; }
trap stop_nginx EXIT
trap 'stop_nginx; exit 130' INT TERM
HTTP_PORT="$(free_port)"
HTTPS_PORT="$(free_port)"
rm -rf "$NGX" && mkdir -p "$NGX/logs" "$NGX/tmp"
SERVERS=""
for i in $(seq "$HOSTS"); do
  SERVERS+="  server { listen $(address "$i"):$HTTP_PORT; listen $(address "$i"):$HTTPS_PORT ssl;"
  SERVERS+=" ssl_certificate $TLS/server-$i.pem; root $SITE; }"$'\n'
done
cat >"$NGX/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  log_format conn '\$scheme \$server_addr \$connection \$connection_requests \$ssl_session_reused \$status \$request_uri \$msec \$request_time';
  access_log $NGX/logs/access.log conn;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout $KEEPALIVE_TIMEOUT;
  keepalive_requests $KEEPALIVE_REQUESTS;
  ssl_certificate_key $TLS/server.key;
  ssl_session_cache shared:bench:10m;
  ssl_session_timeout 10m;
  types { text/html html; text/plain txt; }
  default_type application/octet-stream;
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
$SERVERS}
EOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" &
NGINX_PID=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://$(address 1):$HTTP_PORT/robots.txt" && break
  sleep 0.1
done
curl -sf --cacert "$TLS/ca.pem" -o /dev/null "https://$(address "$HOSTS"):$HTTPS_PORT/index.html" ||
  { log "nginx did not come up"; cat "$NGX/logs/error.log" >&2; exit 1; }
log "nginx $NGINX_PID: $HOSTS hosts, http :$HTTP_PORT, https :$HTTPS_PORT"

seeds() {  # SCHEME -> one seed per host
  local port="$HTTP_PORT" i
  [ "$1" = https ] && port="$HTTPS_PORT"
  for i in $(seq "$HOSTS"); do echo "$1://$(address "$i"):$port/index.html"; done
}

# ---------------------------------------------------------------- runs
ROWS="$OUT/rows.jsonl"
: >"$ROWS"
measure() {  # NAME SCHEME [DB] -- CMD...
  local name="$1" scheme="$2" db="" first
  shift 2
  [ "$1" = -- ] || { db="$1"; shift; }
  shift
  first=$(($(wc -l <"$NGX/logs/access.log") + 1))
  log "$name $scheme: $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
  export LOAD0="$(cut -d' ' -f1 /proc/loadavg)"
  "$PY" "$HERE/peak_rss.py" --timeout "$TIMEOUT" --stdout /dev/null --stderr "$OUT/$name-$scheme.log" \
    "$OUT/res-$name-$scheme.json" -- "$@" || log "$name $scheme exited with status $?"
  tail -n +"$first" "$NGX/logs/access.log" >"$OUT/access-$name-$scheme.log"
  "$PY" "$HERE/lateness.py" "$OUT/access-$name-$scheme.log" "$DELAY" ${db:+--db "$db"} \
    >"$OUT/lateness-$name-$scheme.md" || true
  "$PY" "$HERE/lateness.py" "$OUT/access-$name-$scheme.log" "$DELAY" --json >"$OUT/lateness-$name-$scheme.json" || true
  "$PY" - "$name" "$scheme" "$OUT/res-$name-$scheme.json" "$OUT/access-$name-$scheme.log" \
    "$HOSTS" "$PAGES" "$DELAY" "$OUT/lateness-$name-$scheme.json" >>"$ROWS" <<'EOF'
import json, os, sys
name, scheme, res, access, hosts, pages, delay, late = sys.argv[1:]
r = json.load(open(res))
lateness = json.load(open(late)) if os.path.getsize(late) else None
conns, resumed, ok, requests = set(), set(), 0, 0
for line in open(access):
    f = line.split()
    if len(f) < 7: continue
    requests += 1
    key = (f[1], f[2])
    conns.add(key)
    if f[4] == "r": resumed.add(key)
    if f[5] == "200" and f[6].endswith(".html"): ok += 1
cpu = r.get("user_s", 0) + r.get("sys_s", 0)
bound = int(pages) * int(delay) / 1000.0
print(json.dumps(dict(name=name, scheme=scheme, hosts=int(hosts), pages=ok, requests=requests,
                      connections=len(conns), handshakes=len(conns) if scheme == "https" else 0,
                      resumed=len(resumed), wall_s=r.get("wall_s"), bound_s=bound,
                      wall_over_bound=round(r.get("wall_s", 0) / bound, 3) if bound else None,
                      cpu_s=round(cpu, 2), cpu_ms_per_page=round(1000 * cpu / ok, 3) if ok else None,
                      peak_rss_mb=round(r.get("peak_tree_rss_kb", 0) / 1024, 1),
                      load=os.environ.get("LOAD0"),
                      late_first_page_ms=round(1000 * lateness["first_page"]["mean"]) if lateness else None,
                      late_page_ms=round(1000 * lateness["later_pages"]["mean"]) if lateness else None,
                      late_host_ms=round(1000 * lateness["per_host_total"]["mean"]) if lateness else None,
                      late_host_max_ms=round(1000 * lateness["per_host_total"]["max"]) if lateness else None)))
EOF
  tail -1 "$ROWS" >&2
}

for scheme in $SCHEMES; do
  seeds "$scheme" >"$OUT/seeds-$scheme.txt"
  for entry in "${FORAGERS[@]}"; do
    name="${entry%%=*}"
    bin="${entry#*=}"
    rm -f "$OUT/$name-$scheme.db"*
    # A build older than --cacert skips verification instead (the same handshakes).
    trust=(--cacert "$TLS/ca.pem")
    # (The help is read whole first: `grep -q` in a pipe under pipefail could
    # fail the check when forager got SIGPIPE after grep had matched.)
    help="$("$bin" crawl --help 2>/dev/null || true)"
    [[ "$help" == *--cacert* ]] || trust=(--insecure)
    measure "$name" "$scheme" "$OUT/$name-$scheme.db" -- "$bin" crawl "$OUT/seeds-$scheme.txt" --db "$OUT/$name-$scheme.db" --quiet \
      --workers "$WORKERS" --per-host 1 --delay "$DELAY" "${trust[@]}"
  done
  if [ "$SCRAPY" = 1 ]; then
    rm -f "$OUT/scrapy-$scheme.jsonl"
    measure scrapy "$scheme" -- "$PY" -m scrapy runspider "$HERE/scrapy_broad.py" \
      -a "seeds=$OUT/seeds-$scheme.txt" -a "delay_ms=$DELAY" -o "$OUT/scrapy-$scheme.jsonl:jsonlines"
  fi
done
stop_nginx

"$PY" - "$ROWS" "$HOSTS" "$PAGES" "$DELAY" "$WORKERS" <<'EOF'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
hosts, pages, delay, workers = sys.argv[2:]
print("\n%s hosts x %s pages, --per-host 1 --delay %s, %s workers, nproc %d, load %s" %
      (hosts, pages, delay, workers, os.cpu_count(), open("/proc/loadavg").read().split()[0]))
print("| crawler | scheme | load at start | pages | requests | connections | TLS handshakes | resumed | wall s | bound s | wall/bound | CPU s | CPU ms/page | late: first page ms | late: page ms | late: host sum ms (mean / max) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print("| %(name)s | %(scheme)s | %(load)s | %(pages)s | %(requests)s | %(connections)s | %(handshakes)s | %(resumed)s | "
          "%(wall_s).1f | %(bound_s).1f | %(wall_over_bound)s | %(cpu_s)s | %(cpu_ms_per_page)s | "
          "%(late_first_page_ms)s | %(late_page_ms)s | %(late_host_ms)s / %(late_host_max_ms)s |" % r)
for r in rows:
    path = os.path.join(os.path.dirname(sys.argv[1]), "lateness-%s-%s.md" % (r["name"], r["scheme"]))
    if os.path.exists(path):
        print("\nlateness, %s %s:\n%s" % (r["name"], r["scheme"], open(path).read().strip()))
EOF
