#!/usr/bin/env bash
# The demo: installs what is missing, builds forager and the demo server
# (not the tests: scripts/test.sh builds those), serves the bundled demo site
# on 127.0.0.1, crawls it with two workers, exports the records as JSON,
# writes a report, and stops the server. Everything stays on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "demo: $*" >&2; }

step "installing the Debian packages that are missing (scripts/install-deps.sh)"
scripts/install-deps.sh
step "building forager and forager-demo-server into build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFORAGER_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)" --target forager forager-demo-server >/dev/null

step "serving seeds/demo-site on 127.0.0.1"
mkdir -p out
rm -f out/demo.db out/demo.db-wal out/demo.db-shm out/port
build/forager-demo-server --root seeds/demo-site --port 0 --port-file out/port >/dev/null 2>out/demo-server.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s out/port ] && break; sleep 0.05; done
[ -s out/port ] || { echo "demo server did not start: $(cat out/demo-server.log)" >&2; exit 1; }
url="http://127.0.0.1:$(cat out/port)/"

step "crawling $url with 2 workers: build/forager crawl $url --db out/demo.db --job demo --workers 2 --rules seeds/demo-rules.json"
rules=()
[ -f seeds/demo-rules.json ] && rules=(--rules seeds/demo-rules.json)
build/forager crawl "$url" --db out/demo.db --job demo --workers 2 "${rules[@]}"
step "exporting: build/forager export --db out/demo.db --job demo --format json -o out/demo.json"
build/forager export --db out/demo.db --job demo --format json -o out/demo.json
step "reporting: build/forager report --db out/demo.db --job demo -o out/report.html"
build/forager report --db out/demo.db --job demo -o out/report.html
step "done: the scraped records are in out/demo.json, a report in out/report.html; try: build/forager status --db out/demo.db"
