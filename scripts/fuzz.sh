#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzzer.cc; clang with ASan + UBSan)
# into build-fuzz/ and runs each for SECONDS seconds (default 30) on its seed
# corpus tests/fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh                 # every target, 30 s each
#   scripts/fuzz.sh 600 url robots  # those two, 10 minutes each
#
# The seed corpus is only read: new inputs go to a scratch directory
# ($FUZZ_SCRATCH, default build-fuzz/finds/<target>/). A crash, leak, timeout
# (-timeout, default 10 s per input) or sanitizer report stops that target and
# fails the script; the reproducer is build-fuzz/crashes/<target>/crash-*
# (replay: build-fuzz/fuzz/fuzz_<target> FILE). Once the bug is fixed, copy
# the reproducer into the target's corpus as a regression input.
#
# FUZZ_BUILD=DIR runs the targets of another build tree that has them, such
# as build-asan after `SANITIZE_WITH_FUZZERS=1 scripts/sanitize.sh` (what CI
# does, to build with clang once): that tree is brought up to date but not
# configured again; finds and crashes then go under DIR instead.
#
# FUZZ_JOBS=N (default 1) runs N targets at once, each on its own core for
# its SECONDS: CI runs as many as it has cores.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
scratch=${FUZZ_SCRATCH:-$PWD/$build/finds}
timeout=${FUZZ_TIMEOUT:-10}

scripts/install-deps.sh
source scripts/clang-tools.sh
install_clang_tools

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in fuzz/*_fuzzer.cc; do
    name=$(basename "$source" _fuzzer.cc)
    targets+=("$name")
  done
fi

if [ -z "${FUZZ_BUILD:-}" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFORAGER_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
elif ! grep -qs '^FORAGER_FUZZ:BOOL=ON$' "$build/CMakeCache.txt"; then
  echo "fuzz.sh: FUZZ_BUILD=$build is not a build configured with -DFORAGER_FUZZ=ON" \
       "(e.g. SANITIZE_WITH_FUZZERS=1 scripts/sanitize.sh makes build-asan one)" >&2
  exit 2
fi
cmake --build "$build" -j"$(nproc)" --target forager_fuzzers

probe_leak_sanitizer
export ASAN_OPTIONS="detect_leaks=$detect_leaks"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

for name in "${targets[@]}"; do
  [ -x "$build/fuzz/fuzz_$name" ] || { echo "fuzz.sh: no target $name" >&2; exit 2; }
  [ -d "tests/fuzz/corpus/$name" ] || { echo "fuzz.sh: no seed corpus tests/fuzz/corpus/$name" >&2; exit 2; }
done

# Runs one target; prints its stats, or its log's end and reproducers.
fuzz_target() {
  local name=$1 log="$build/fuzz-$1.log"
  mkdir -p "$scratch/$name" "$build/crashes/$name"
  if "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
       -detect_leaks="$detect_leaks" -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$name/" "$scratch/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    echo "== $name: ${seconds}s"$'\n'"$(grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/   /')"
  else
    echo "$(tail -n 60 "$log")"$'\n'"fuzz.sh: $name FAILED; reproducer(s):"$'\n'"$(ls -1 "$build/crashes/$name"/* 2>/dev/null)" >&2
    return 1
  fi
}

jobs=${FUZZ_JOBS:-1}
declare -A running=()  # pid -> target
failed=()
collect_one() {
  local pid
  wait -n -p pid "${!running[@]}" || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
for name in "${targets[@]}"; do
  [ ${#running[@]} -lt "$jobs" ] || collect_one
  fuzz_target "$name" &
  running[$!]=$name
done
while [ ${#running[@]} -gt 0 ]; do collect_one; done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each, no crash"
