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
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
build=build-fuzz
scratch=${FUZZ_SCRATCH:-$PWD/$build/finds}
timeout=${FUZZ_TIMEOUT:-10}

missing=()
for p in clang-14 libclang-rt-14-dev libfuzzer-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  scripts/install-deps.sh
  echo "installing: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in fuzz/*_fuzzer.cc; do
    name=$(basename "$source" _fuzzer.cc)
    targets+=("$name")
  done
fi

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFORAGER_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target forager_fuzzers

# LeakSanitizer needs ptrace; where it cannot run, fuzz without leak checks.
detect_leaks=1
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '#include <stdlib.h>\nvoid* volatile p;\nint main(void) { p = malloc(7); p = 0; return 0; }\n' \
  >"$probe_dir/leak.c"
clang-14 -g -fsanitize=address "$probe_dir/leak.c" -o "$probe_dir/leak"
probe=$(ASAN_OPTIONS=detect_leaks=1 "$probe_dir/leak" 2>&1 || true)
if ! grep -q "detected memory leaks" <<<"$probe"; then
  detect_leaks=0
  echo "fuzz.sh: LeakSanitizer cannot run here (ptrace is restricted?): leak checks are OFF" >&2
fi
export ASAN_OPTIONS="detect_leaks=$detect_leaks"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

failed=()
for name in "${targets[@]}"; do
  binary="$build/fuzz/fuzz_$name"
  corpus="tests/fuzz/corpus/$name"
  [ -x "$binary" ] || { echo "fuzz.sh: no target $name" >&2; exit 2; }
  [ -d "$corpus" ] || { echo "fuzz.sh: no seed corpus $corpus" >&2; exit 2; }
  mkdir -p "$scratch/$name" "$build/crashes/$name"
  log="$build/fuzz-$name.log"
  echo "== $name: ${seconds}s"
  if "$binary" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
       -detect_leaks="$detect_leaks" -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$name/" "$scratch/$name" "$corpus" >"$log" 2>&1; then
    grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/   /'
  else
    failed+=("$name")
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $name FAILED; reproducer(s):" >&2
    ls -1 "$build/crashes/$name"/* >&2 2>/dev/null || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each, no crash"
