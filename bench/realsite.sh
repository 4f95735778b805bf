#!/usr/bin/env bash
# Real-site benchmark (issue 18): a large documentation site from a Debian
# package, served by nginx on loopback, crawled by forager, wget and Scrapy
# in one run.
#
# The site is the HTML of a Debian documentation package: linux-doc-6.1 (the
# kernel's Sphinx documentation, ~3,200 pages; default) or python3.11-doc
# (~530 pages). nginx serves it on 127.0.0.1 with a robots.txt that allows
# everything. Each crawler starts at the index and follows every link on the
# host, with robots.txt obeyed and no delay:
#   forager  crawl INDEX --workers W --concurrency 32 --per-host 64
#            (url, title, description and links extracted, as always)
#   wget     -r -l inf --no-parent -e robots=on, HTML only (-R for images,
#            styles, scripts, archives), --no-verbose (wget extracts links
#            with its own tokenizer and saves each page to disk)
#   Scrapy   bench/scrapy_spider.py (url, title, links; 64 in flight)
# Reported per crawler: HTML pages fetched, wall seconds, pages/s, CPU
# seconds of the whole process tree, peak RSS (largest process, and the
# sum over the tree), and whether each found the same pages as the others
# (the paths of the HTML pages with status 200, compared as sets), and the
# 1-minute load average when it started. --rounds N runs the three N times
# in turn (forager, wget, Scrapy, forager, ...): on a shared machine only the
# ratios within one round mean much.
#
#   bench/realsite.sh [--site linux|python] [--workers W] [--forager NAME=BINARY]...
#                     [--rounds N] [--timeout SECONDS] [--skip-install] [--no-netns]
#
# Runs inside a private network namespace with only loopback (unshare -n,
# as root) unless --no-netns. Output goes to bench/out/realsite/; nginx is
# always stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/realsite"
BUILD="$ROOT/build-bench"
PY=/usr/bin/python3

SITE=linux
WORKERS=2
TIMEOUT=900
ROUNDS=1
INSTALL=1
NETNS=1
FORAGERS=()
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --site) SITE="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --forager) FORAGERS+=("$2"); shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    --no-netns) NETNS=0; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "realsite.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$SITE" in
  linux) PACKAGE=linux-doc-6.1; DOCROOT=/usr/share/doc/linux-doc-6.1/html ;;
  python) PACKAGE=python3.11-doc; DOCROOT=/usr/share/doc/python3.11/html ;;
  *) echo "realsite.sh: --site is linux or python" >&2; exit 2 ;;
esac

log() { printf '[realsite %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

if [ "$INSTALL" = 1 ]; then
  install_bench_packages python3-scrapy time curl wget "$PACKAGE"
fi

# Into a network namespace of our own: only loopback, nothing leaves.
if [ "$NETNS" = 1 ] && [ -z "${FORAGER_BENCH_NETNS:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
    log "re-running inside a private network namespace (unshare -n)"
    exec unshare --net env FORAGER_BENCH_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@" --skip-install' \
      "$0" "${ARGS[@]}"
  fi
  log "not root or no unshare: running in the machine's network namespace"
fi

[ -d "$DOCROOT" ] || { log "$DOCROOT is missing: install $PACKAGE (or drop --skip-install)"; exit 1; }
mkdir -p "$OUT"
if [ ${#FORAGERS[@]} -eq 0 ]; then
  log "building forager (Release) in $BUILD"
  build_forager "$BUILD" "$OUT/build.log"
  FORAGERS=("forager=$BUILD/forager")
fi
# Same starting point for everyone: the site in the page cache.
find -L "$DOCROOT" -type f -name '*.html' -exec cat {} + >/dev/null

# ---------------------------------------------------------------- nginx
start_static_nginx "$OUT/nginx" "$DOCROOT" \
  '    location = /robots.txt { default_type text/plain; return 200 "User-agent: *\nAllow: /\n"; }'

# ---------------------------------------------------------------- runners
# Each writes $OUT/res-NAME.json (timing, CPU, RSS: bench/peak_rss.py) and
# $OUT/pages-NAME.txt (the paths of the HTML pages it fetched with status 200).
RESULTS=()
measure() {  # NAME -- CMD...
  local name="$1" code=0
  shift 2
  log "$name: $* (load $(loadavg))"
  cut -d' ' -f1 /proc/loadavg >"$OUT/load-$name.txt"
  "$PY" "$HERE/peak_rss.py" --timeout "$TIMEOUT" --stdout "$OUT/$name.out" --stderr "$OUT/$name.log" \
    "$OUT/res-$name.json" -- "$@" || code=$?
  RESULTS+=("$name")
  [ "$code" = 0 ] || log "$name exited with status $code"
}

run_forager() {  # NAME BINARY
  local name="$1$SUFFIX" bin="$2"
  rm -f "$OUT/$name.db" "$OUT/$name.db-wal" "$OUT/$name.db-shm"
  measure "$name" -- "$bin" crawl "$BASE/index.html" --db "$OUT/$name.db" \
    --workers "$WORKERS" --concurrency 32 --per-host 64 --quiet
  "$bin" export --db "$OUT/$name.db" --format jsonl -o "$OUT/$name.jsonl" 2>/dev/null || true
  "$PY" - "$OUT/$name.jsonl" "$BASE" >"$OUT/pages-$name.txt" <<'EOF'
import json, sys
base = sys.argv[2]
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("status") == 200 and (r.get("content_type") or "").startswith("text/html"):
        print(r["final_url"][len(base):])
EOF
}

run_wget() {
  local name=wget$SUFFIX dir="$OUT/wget-site"
  rm -rf "$dir"
  measure "$name" -- wget -r -l inf --no-parent -e robots=on --no-verbose --no-host-directories -P "$dir" \
    -R '*.png,*.jpg,*.jpeg,*.gif,*.svg,*.css,*.js,*.txt,*.gz,*.zip,*.bz2,*.xz,*.pdf,*.ico,*.woff,*.woff2,*.ttf,*.rst,*.py' \
    "$BASE/index.html"
  (cd "$dir" && find . -type f \( -name '*.html' -o -name '*.htm' \) | sed 's|^\./|/|' | sort) >"$OUT/pages-$name.txt"
}

run_scrapy() {
  local name=scrapy$SUFFIX
  rm -f "$OUT/$name.jsonl"
  measure "$name" -- "$PY" -m scrapy runspider "$HERE/scrapy_spider.py" \
    -a "start_url=$BASE/index.html" -o "$OUT/$name.jsonl:jsonlines"
  "$PY" - "$OUT/$name.jsonl" "$BASE" >"$OUT/pages-$name.txt" <<'EOF'
import json, sys
base = sys.argv[2]
for line in open(sys.argv[1]):  # HTML pages only (Scrapy keeps an item for every response)
    path = json.loads(line)["url"][len(base):]
    if path.endswith((".html", ".htm", "/")):
        print(path)
EOF
}

# ---------------------------------------------------------------- the run
log "site $SITE ($DOCROOT, $(find -L "$DOCROOT" -name '*.html' | wc -l) HTML files), workers $WORKERS, nproc $(nproc), load $(loadavg)"
SCRAPY=1
"$PY" -c 'import scrapy' 2>/dev/null || { SCRAPY=0; log "python3-scrapy is not installed: Scrapy is skipped"; }
for round in $(seq "$ROUNDS"); do
  SUFFIX=""
  [ "$ROUNDS" = 1 ] || SUFFIX="-r$round"
  for spec in "${FORAGERS[@]}"; do
    run_forager "${spec%%=*}" "${spec#*=}"
  done
  run_wget
  [ "$SCRAPY" = 0 ] || run_scrapy
done

# ---------------------------------------------------------------- report
"$PY" - "$OUT" "$SITE" "${RESULTS[@]}" <<'EOF'
import json, os, re, sys
out, site, names = sys.argv[1], sys.argv[2], sys.argv[3:]
pages = {n: set(l.strip() for l in open(os.path.join(out, "pages-%s.txt" % n)) if l.strip()) for n in names}
def round_of(n):
    m = re.search(r"-r(\d+)$", n)
    return m.group(1) if m else ""
def base(n):
    return re.sub(r"-r\d+$", "", n)
print("| round | crawler | load (1 min) | HTML pages | same as wget | only here | only wget's | wall s | pages/s | CPU s | CPU ms/page | peak RSS MB (largest process) | peak tree RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rates = {}
for n in names:
    r = json.load(open(os.path.join(out, "res-%s.json" % n)))
    suffix = "-r" + round_of(n) if round_of(n) else ""
    ref = pages.get("wget" + suffix, set())
    count = len(pages[n])
    wall = r["wall_s"]
    cpu = r.get("user_s", 0) + r.get("sys_s", 0)
    rates[n] = count / wall if wall else 0
    load = open(os.path.join(out, "load-%s.txt" % n)).read().strip()
    print("| %s | %s | %s | %d | %d | %d | %d | %.1f | %.0f | %.1f | %.2f | %.0f | %.0f |" % (
        round_of(n) or "1", base(n), load, count, len(pages[n] & ref), len(pages[n] - ref), len(ref - pages[n]),
        wall, rates[n], cpu, 1000 * cpu / max(count, 1), r.get("max_single_rss_kb", 0) / 1024,
        r["peak_tree_rss_kb"] / 1024))
for n in names:
    if base(n) not in ("wget", "scrapy"):
        suffix = "-r" + round_of(n) if round_of(n) else ""
        for peer in ("wget", "scrapy"):
            if rates.get(peer + suffix):
                print("round %s: %s %.2fx %s's pages/s" % (round_of(n) or "1", base(n), rates[n] / rates[peer + suffix], peer))
EOF
