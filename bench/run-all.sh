#!/usr/bin/env bash
# All bench scripts of the measurements issue, one after the other (never in parallel: they
# would measure each other), each into its own directory under one output dir; their
# markdown sections are concatenated into $OUT/results.md for bench/RESULTS.md.
# The invoker throughput benchmark (bench/invoker/run.sh) is separate: it runs for minutes
# with wrk and needs its own pinning; run it on its own.
#
# Usage: bench/run-all.sh   (BENCH_ROUNDS=5; BENCH_OUT=dir; BENCH_ONLY="build coldstart builder images")
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${BENCH_OUT:-$(mktemp -d /tmp/kn-fn-bench-all.XXXXXX)}
mkdir -p "$OUT"
: >"$OUT/results.md"
for name in ${BENCH_ONLY:-build coldstart builder images}; do
  [[ -x $HERE/$name/run.sh ]] || { echo "no bench $name" >&2; exit 2; }
  printf '[bench %(%H:%M:%S)T] === %s ===\n' -1 "$name" >&2
  BENCH_OUT=$OUT/$name "$HERE/$name/run.sh" >"$OUT/$name.out"
  cat "$OUT/$name/results.md" >>"$OUT/results.md"
  echo >>"$OUT/results.md"
done
printf '[bench %(%H:%M:%S)T] all done: %s\n' -1 "$OUT/results.md" >&2
