#!/usr/bin/env bash
# Big-page memory benchmark (issue 18): a forager worker's peak RSS (VmHWM)
# while it fetches and parses one page of N MB, against its base (the same
# crawl of a 20 KB page). Target: peak < base + 5 x N MB, on every path.
#
#   bench/bigpage.sh                         4 and 8 MB pages, the forager in build-bench/
#   bench/bigpage.sh --forager PATH --sizes "4 8 16" --runs 3
#
# The page: documentation-like (headings, paragraphs, lists, <pre>, tables,
# ~3 links per paragraph to a handful of small pages). It is crawled three
# ways, one per path a page can take in a worker (the table's "path"):
#   stream  no rules: the streaming extraction pass (workers/parse/html_scan.h),
#           no tree;
#   gumbo   --rules with a CSS field whose "match" selects the page: gumbo's
#           tree (HtmlDocument), which the selectors read;
#   xpath   the same plus an XPath field: gumbo's tree and libxml2's copy of
#           it (workers/rules/xpath.h), both alive while the field is read.
# Each path has its own base (base.html crawled with the same rules). The
# script checks that the rules rows did extract their fields. One worker,
# --max-depth 0. Each crawl runs RUNS times (default 3; the machine is
# shared); the table gives every run, and the ratio of the medians. Writes bench/out/bigpage/
# (pages, rules, nginx, logs, results.md). All traffic goes to 127.0.0.1;
# nginx is stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/bigpage"
PY=/usr/bin/python3
FORAGER=""
SIZES="4 8"
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --forager) FORAGER="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "bigpage.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bigpage %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
mkdir -p "$OUT/site"
if [ -z "$FORAGER" ]; then
  log "building forager (Release) in $ROOT/build-bench"
  build_forager "$ROOT/build-bench" "$OUT/build.log"
  FORAGER="$ROOT/build-bench/forager"
fi

# ---------------------------------------------------------------- pages
"$PY" - "$OUT/site" $SIZES <<'PYEOF'
import os, random, sys
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
rnd = random.Random(18)
words = "kernel memory page driver device buffer queue lock thread interrupt module table entry".split()
def para():
    parts = []
    for _ in range(rnd.randint(20, 60)):
        w = rnd.choice(words)
        if rnd.random() < 0.08:
            parts.append('<a href="small-%d.html#%s">%s</a>' % (rnd.randint(0, 9), w, w))
        elif rnd.random() < 0.05:
            parts.append("<code>%s_%d</code>" % (w, rnd.randint(0, 999)))
        else:
            parts.append(w)
    return "<p>" + " ".join(parts) + ".</p>\n"
def block(i):
    kind = i % 10
    if kind == 0:
        return "<h2 id=s%d>Section %d</h2>\n" % (i, i)
    if kind == 3:
        return "<pre>" + "\n".join("    %s(%d);" % (rnd.choice(words), n) for n in range(8)) + "</pre>\n"
    if kind == 6:
        rows = "".join("<tr><td>%s</td><td><a href=\"small-%d.html\">%d</a></td></tr>" % (rnd.choice(words), n % 10, n) for n in range(6))
        return "<table><tbody>" + rows + "</tbody></table>\n"
    if kind == 8:
        return "<ul>" + "".join("<li>%s</li>" % rnd.choice(words) for _ in range(5)) + "</ul>\n"
    return para()
head = ("<!DOCTYPE html><html><head><meta charset=utf-8><title>Big page</title>"
        "<meta name=description content='A long documentation page'></head><body>\n")
for n in range(10):
    with open(os.path.join(out, "small-%d.html" % n), "w") as f:
        f.write(head + "".join(para() for _ in range(3)) + "</body></html>\n")
with open(os.path.join(out, "base.html"), "w") as f:
    body, i = [], 0
    while sum(map(len, body)) < 20 * 1024:
        body.append(block(i)); i += 1
    f.write(head + "".join(body) + "</body></html>\n")
for mb in sizes:
    body, size, i = [], 0, 0
    while size < mb * 1024 * 1024 - 200:
        b = block(i); body.append(b); size += len(b); i += 1
    text = "".join(body) + "</body></html>\n"
    with open(os.path.join(out, "big-%d.html" % mb), "w") as f:
        f.write(head + text)
PYEOF
printf 'User-agent: *\nAllow: /\n' >"$OUT/site/robots.txt"
# The rules of the tree paths: "match" selects base.html and big-*.html.
printf '%s\n' '{"rules":[{"match":"(base|big)","fields":{"heading":"h2::text"}}]}' >"$OUT/rules-gumbo.json"
printf '%s\n' '{"rules":[{"match":"(base|big)","fields":{"heading":"h2::text","cell":{"xpath":"//td/a/text()"}}}]}' >"$OUT/rules-xpath.json"

# ---------------------------------------------------------------- nginx
NGX="$OUT/nginx"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
NGINX_PID=""
trap 'stop_process "$NGINX_PID"' EXIT
PORT="$(free_port)"
mkdir -p "$NGX/logs" "$NGX/tmp"
cat >"$NGX/nginx.conf" <<NGXEOF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  gzip off;
  types { text/html html; text/plain txt; }
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  server { listen 127.0.0.1:$PORT; root $OUT/site; }
}
NGXEOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" &
NGINX_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/robots.txt" && break; sleep 0.1; done

# ---------------------------------------------------------------- crawls
# Prints the worker's VmHWM in kB for one crawl of PAGE along PATH_NAME.
crawl_peak() {
  local page="$1" path="$2" run="$3" db="$OUT/crawl.db" rules=()
  [ "$path" = stream ] || rules=(--rules "$OUT/rules-$path.json")
  rm -f "$db" "$db-wal" "$db-shm"
  "$PY" "$HERE/worker_peak.py" "$OUT/peak-$page-$path-$run.json" -- "$FORAGER" crawl "$BASE/$page" --db "$db" \
    --workers 1 --max-depth 0 --max-bytes 64M --quiet "${rules[@]}" 2>>"$OUT/crawl.log" || true
  # The rules rows must have taken the tree: their fields are in the record.
  "$PY" - "$db" "$path" "$page" <<'PYEOF' || exit 1
import json, sqlite3, sys
db, path, page = sys.argv[1:]
rows = sqlite3.connect(db).execute("SELECT fields_json, error FROM pages WHERE url LIKE ?", ("%/" + page,)).fetchall()
if len(rows) != 1 or rows[0][1] is not None:
    sys.exit("bigpage.sh: %s (%s): no record, or an error: %r" % (page, path, rows))
fields = json.loads(rows[0][0] or "{}")
want = {"stream": set(), "gumbo": {"heading"}, "xpath": {"heading", "cell"}}[path]
if set(fields) != want or any(fields[k] is None for k in want):
    sys.exit("bigpage.sh: %s (%s): fields %r, expected %s" % (page, path, fields, sorted(want)))
PYEOF
  "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['max_worker_hwm_kb'])" "$OUT/peak-$page-$path-$run.json"
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
mb_list() { printf '%s ' "$@" | awk '{for(i=1;i<=NF;i++) printf "%.1f ", $i/1024}'; }

RESULT="$OUT/results.md"
{
  echo "forager: $FORAGER, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| page | path | MB | worker VmHWM MB (runs) | base MB (median) | (median peak - base) / size |"
  echo "| --- | --- | ---: | --- | ---: | ---: |"
} >"$RESULT"
for path in stream gumbo xpath; do
  base_runs=()
  for run in $(seq "$RUNS"); do base_runs+=("$(crawl_peak base.html "$path" "$run")"); done
  base_kb=$(median "${base_runs[@]}")
  echo "| base.html (20 KB) | $path | 0.02 | $(mb_list "${base_runs[@]}")| $(awk -v b="$base_kb" 'BEGIN{printf "%.1f", b/1024}') | |" >>"$RESULT"
  for mb in $SIZES; do
    page="big-$mb.html"
    runs=()
    for run in $(seq "$RUNS"); do runs+=("$(crawl_peak "$page" "$path" "$run")"); done
    best=$(median "${runs[@]}")
    size_mb=$(awk -v s="$(stat -c %s "$OUT/site/$page")" 'BEGIN{printf "%.2f", s/1048576}')
    echo "| $page | $path | $size_mb | $(mb_list "${runs[@]}")| $(awk -v b="$base_kb" 'BEGIN{printf "%.1f", b/1024}') | $(awk -v p="$best" -v b="$base_kb" -v s="$size_mb" 'BEGIN{printf "%.1f x", (p-b)/1024/s}') |" >>"$RESULT"
  done
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULT"
cat "$RESULT"
