#!/usr/bin/env bash
# Open MPI's collectives on W1's gradient block (235,146 floats, padded), two ranks bound to two cores: the figures in
# docs/performance.md (2026-12-03, night) behind DataParallel's choices. Run: bash benchmarks/compare/mpi/run.sh
set -euo pipefail
cd "$(dirname "$0")"
dpkg -s libopenmpi-dev >/dev/null 2>&1 || apt-get install -y -q openmpi-bin libopenmpi-dev >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null && apt-get install -y -q openmpi-bin libopenmpi-dev >/dev/null; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for program in allreduce reduce_scatter sendrecv_ring; do
  mpicc -O3 -march=native "$program.c" -o "$out/$program"
  echo "$program: $(mpirun --allow-run-as-root -np 2 --bind-to core "$out/$program")"
done
