#!/usr/bin/env bash
# Builds forager and its whole test suite with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/, and runs ctest there.
# Fails when a test fails or when any process (a test binary, or a forager
# coordinator or worker that a test started) wrote a sanitizer report.
#
#   scripts/sanitize.sh            # build + every test
#   scripts/sanitize.sh -R Faults  # extra arguments go to ctest
#
# With SANITIZE_WITH_FUZZERS=1 the same build also carries the libFuzzer
# targets (-DFORAGER_FUZZ=ON: the libraries get the fuzzer's coverage
# instrumentation as well), and `FUZZ_BUILD=build-asan scripts/fuzz.sh` then
# runs them without a clang build of its own. CI does that: one clang build
# instead of two.
#
# FORAGER_CTEST_JOBS (default 2): how many tests run at once, as in
# scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
source scripts/clang-tools.sh
install_clang_tools

build=build-asan
reports="$PWD/$build/sanitizer-reports"
jobs=$(nproc)

probe_leak_sanitizer

fuzzers=OFF
[ "${SANITIZE_WITH_FUZZERS:-0}" = 1 ] && fuzzers=ON
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DFORAGER_SANITIZE=address,undefined -DFORAGER_FUZZ=$fuzzers >/dev/null
cmake --build "$build" -j"$jobs"

# Every process writes its reports to $reports/report.<pid>; a report in a
# worker would otherwise only show as a crashed, replaced worker.
# handle_segv=0: tests kill workers with SIGSEGV on purpose, which ASan would
# report as a bug of its own. A real invalid access is still caught by ASan's
# checks, and a null dereference still kills the process.
rm -rf "$reports"
mkdir -p "$reports"
# (The runtimes share log_path: the last one set, UBSan's, names the files.)
export ASAN_OPTIONS="detect_leaks=$detect_leaks:halt_on_error=1:handle_segv=0:log_path=$reports/report"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/report"

status=0
(cd "$build" && ctest --output-on-failure -j"${FORAGER_CTEST_JOBS:-2}" --timeout 600 "$@") || status=$?

if compgen -G "$reports/*" >/dev/null; then
  for f in "$reports"/*; do
    echo "==== $f" >&2
    cat "$f" >&2
  done
  echo "sanitize.sh: sanitizer reports above" >&2
  exit 1
fi
[ "$status" -eq 0 ] || { echo "sanitize.sh: ctest failed" >&2; exit "$status"; }
echo "sanitize.sh: no sanitizer reports; every test passed (leak checks: $([ $detect_leaks = 1 ] && echo on || echo OFF))"
