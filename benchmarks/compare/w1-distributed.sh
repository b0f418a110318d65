#!/usr/bin/env bash
# W1 (784-256-128-10 ReLU, Adam, batch 128, Fashion-MNIST) trained data-parallel over Open MPI on this machine, beside
# one process on one and on two threads, in interleaved rounds. Run from anywhere:
#   bash benchmarks/compare/w1-distributed.sh        (ROUNDS=2 EPOCHS=5 by default)
# Prints each run's epoch seconds (epochs 2..E; the first holds start-up), samples/s from their median, the time each
# step spent communicating on rank 0, and the final test accuracy. Every run gets DOTNET_TieredCompilation=0: with two
# busy ranks on two cores, the JIT's background re-compilation otherwise takes a core from one rank while the other
# waits for it in every reduction (see README, "Distributed training").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-2}
epochs=${EPOCHS:-5}
for package in openmpi-bin libopenmpi-dev dataset-fashion-mnist; do
  dpkg -s "$package" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null; }
done
dotnet build "$root/src/Backprop.Cli" -c Release -nologo -v q >/dev/null
backprop="$root/src/Backprop.Cli/bin/Release/net10.0/backprop"
job=(train --data fashion-mnist --layers 256,128 --activation relu --optimizer adam --lr 0.001 --batch 128
  --epochs "$epochs" --seed 1)
export DOTNET_TieredCompilation=0

report() { # label, then the run's output on stdin
  sed 's/.*\r//' | python3 -c "$summary" "$1"
}
summary='
import re, statistics, sys
label, text = sys.argv[1], sys.stdin.read()
seconds = [float(s) for s in re.findall(r"^epoch (?:[2-9]|[0-9][0-9]+)/[0-9]+ .*  ([0-9.]+) s ", text, re.M)]
comm = re.search(r"([0-9.]+) ms per step communicating", text)
accuracy = re.search(r"test accuracy ([0-9.]+)", text)
median = statistics.median(seconds)
epochs = " ".join("%.2f" % s for s in seconds)
line = "%-34s epochs 2..: %s s, median %.3f s = %.0f samples/s" % (label, epochs, median, 60000 / median)
if comm: line += ", communication %s ms/step" % comm.group(1)
print(line + ", test accuracy " + accuracy.group(1))'

echo "machine: $(lscpu | sed -n 's/^Model name: *//p') (family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p')), $(nproc) cores; $("$backprop" --version); $(mpirun --version | head -n 1)"
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round"
  "$backprop" "${job[@]}" --threads 1 2>&1 | report "1 process x 1 thread"
  for reduction in all-reduce sharded overlapped; do
    mpirun --allow-run-as-root -np 2 --bind-to core -x DOTNET_TieredCompilation "$backprop" "${job[@]}" --distributed \
      --reduction "$reduction" 2>&1 | report "2 ranks x 1 thread ($reduction)"
  done
  "$backprop" "${job[@]}" --threads 2 2>&1 | report "1 process x 2 threads"
done
