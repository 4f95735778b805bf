#!/usr/bin/env bash
# forager memory soak (issue 7): crawls the endless generated site (see
# bench/scale.sh) for --minutes minutes while sampling the resident memory of
# every process once a second, with workers recycled every --worker-max-pages
# pages, then stops the crawl with SIGTERM and reports whether memory stayed flat.
#
#   bench/soak.sh [--minutes 30] [--workers W] [--worker-max-pages 20000]
#                 [--skip-install] [--no-build]
#
# Writes bench/out/soak/ (processes.csv: every process, every second). The
# report (bench/soak_report.py) gives, per 5-minute window: the coordinator's
# RSS and known URLs, the largest worker RSS, the workers started; and the
# coordinator's growth per known URL (its seen set grows with every URL it
# knows: ~11-23 bytes each; anything above that would be a leak).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MINUTES=30
WORKERS="$(nproc)"
RECYCLE=20000
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --worker-max-pages) RECYCLE="$2"; shift 2 ;;
    --skip-install|--no-build) PASS+=("$1"); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
OUT="$HERE/out/soak"
SECONDS_TOTAL=$((MINUTES * 60))
# An endless site and no page budget: the crawl runs until peak_rss.py stops it
# (SIGTERM at --timeout), which is also a test of the clean stop.
"$HERE/scale.sh" "${PASS[@]}" --out "$OUT" --workers "$WORKERS" --max-pages 1000000000 \
  --timeout "$SECONDS_TOTAL" --forager-args "--worker-max-pages $RECYCLE" || true
/usr/bin/python3 "$HERE/soak_report.py" "$OUT" "$RECYCLE"
