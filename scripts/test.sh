#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, runs every test.
# FORAGER_CTEST_JOBS (default 2): how many tests run at once. Most tests wait
# on servers, timers and child processes rather than compute, so CI runs more
# of them than it has cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"${FORAGER_CTEST_JOBS:-2}" --timeout 300
