#!/usr/bin/env bash
# W1 training side by side: Backprop.Simd, PyTorch and scikit-learn train the 784-256-128-10 ReLU MLP on Fashion-MNIST
# (Adam lr 0.001, batch 128) on one and on two threads, interleaved round by round in the same minutes, and the script
# prints each run's epoch times, the median epoch (epochs 2 on: the first pays for start-up) and the ratios.
#
#   bash benchmarks/compare/w1-train.sh            # ROUNDS=2 EPOCHS=5 by default
#
# Installs Debian's python3-torch, python3-sklearn, OpenBLAS (pthread build) and the data set when absent. The peers run
# at their best settings, in their commands only: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (with them Debian's OpenBLAS
# runs a slow kernel), BLAS threads = the run's threads, and glibc's malloc told to keep freed memory (without that,
# PyTorch maps and zeroes fresh pages for every mini-batch's tensors: about 1.5× slower epochs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-2}
epochs=${EPOCHS:-5}

missing=()
for package in python3-torch python3-sklearn libopenblas0-pthread dataset-fashion-mnist; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null || {
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
dotnet build "$root/src/Backprop.Cli" -c Release -nologo -v q >/dev/null

results=$(mktemp)
metrics=$(mktemp)
trap 'rm -f "$results" "$metrics"' EXIT

backprop() { # threads
  dotnet "$root/src/Backprop.Cli/bin/Release/net10.0/backprop.dll" train --data fashion-mnist --layers 256,128 \
    --activation relu --optimizer adam --lr 0.001 --batch 128 --epochs "$epochs" --seed 1 --threads "$1" --quiet \
    --metrics "$metrics" >/dev/null
  /usr/bin/python3 -c 'import json, sys; print(json.dumps({"peer": "backprop", "threads": int(sys.argv[2]),
    "epoch_seconds": [json.loads(line)["epoch_seconds"] for line in open(sys.argv[1])]}))' "$metrics" "$1"
}

peer() { # name threads
  OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$2 MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 \
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/benchmarks/compare/w1_train_peer.py" "$1" "$2" "$epochs"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(dotnet "$root/src/Backprop.Cli/bin/Release/net10.0/backprop.dll" --version)"
for ((round = 1; round <= rounds; round++)); do
  for run in "backprop 1" "torch 1" "sklearn 1" "backprop 2" "torch 2"; do
    if [[ $run == backprop* ]]; then line=$(backprop "${run#* }"); else line=$(peer $run); fi
    echo "$line" | tee -a "$results"
  done
done

/usr/bin/python3 - "$results" <<'EOF'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
medians = {}
for run in runs:
    medians.setdefault((run["peer"], run["threads"]), []).append(statistics.median(run["epoch_seconds"][1:] or run["epoch_seconds"]))
def span(key):
    values = medians.get(key)
    return f"{min(values):.3f}–{max(values):.3f} s" if values else "—"
print("\nmedian epoch (range over rounds)   1 thread            2 threads")
for peer in ("backprop", "torch", "sklearn"):
    print(f"{peer:34} {span((peer, 1)):19} {span((peer, 2))}")
for threads in (1, 2):
    ours = medians.get(("backprop", threads))
    for peer in ("torch", "sklearn"):
        theirs = medians.get((peer, threads))
        if ours and theirs:
            print(f"{peer} / backprop, {threads} thread(s): {min(theirs) / max(ours):.2f}–{max(theirs) / min(ours):.2f}×")
ones, twos = medians.get(("backprop", 1)), medians.get(("backprop", 2))
if ones and twos:
    print(f"backprop two-thread speed-up: {min(ones) / max(twos):.2f}–{max(ones) / min(twos):.2f}×")
EOF
