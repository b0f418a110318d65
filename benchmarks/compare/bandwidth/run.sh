#!/usr/bin/env bash
# One core's streaming speed over a block it re-reads (batch-1 prediction's pattern), from 235 KB to 4 MB, alone and with
# both cores streaming at once: the figures in docs/performance.md (2026-12-03) behind batch 1's limits. Needs AVX-512.
# Run: bash benchmarks/compare/bandwidth/run.sh
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -mavx512f stream.c -o "$out/stream"
lscpu | grep -E '^Model name|^L2 cache|^L3 cache'
for kilobytes in 235 470 700 940 1200 4000; do
  echo "one core   $(taskset -c 0 "$out/stream" "$kilobytes")"
done
for kilobytes in 470 940 4000; do
  taskset -c 0 "$out/stream" "$kilobytes" > "$out/a" & taskset -c 1 "$out/stream" "$kilobytes" > "$out/b"; wait
  echo "both cores $(cat "$out/a") | $(cat "$out/b")"
done
