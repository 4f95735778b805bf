#!/usr/bin/env bash
# The demo: installs what is missing, builds, serves the bundled demo site on
# 127.0.0.1, crawls it with two workers, exports the records as JSON, and
# stops the server. Everything stays on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null

mkdir -p out
rm -f out/demo.db out/demo.db-wal out/demo.db-shm out/port
build/forager-demo-server --root seeds/demo-site --port 0 --port-file out/port >/dev/null 2>out/demo-server.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s out/port ] && break; sleep 0.05; done
[ -s out/port ] || { echo "demo server did not start: $(cat out/demo-server.log)" >&2; exit 1; }
url="http://127.0.0.1:$(cat out/port)/"

echo "crawling the demo site at $url with 2 workers" >&2
rules=()
[ -f seeds/demo-rules.json ] && rules=(--rules seeds/demo-rules.json)
build/forager crawl "$url" --db out/demo.db --job demo --workers 2 "${rules[@]}"
build/forager export --db out/demo.db --job demo --format json -o out/demo.json
build/forager report --db out/demo.db --job demo -o out/report.html
echo "the scraped records are in out/demo.json, a report in out/report.html; try: build/forager status --db out/demo.db" >&2
