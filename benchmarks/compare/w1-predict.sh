#!/usr/bin/env bash
# W1 prediction side by side: Backprop.Simd (float and bfloat16 weights) and ONNX Runtime 1.32 (Run and IoBinding) in one
# process, alternating call by call kind (OnnxRuntimeQuick), and PyTorch (`torch.inference_mode`, w1_torch.py) between
# them, round by round in the same minutes; one thread each, p50 / p99 per call at batch 1, 128 and 1024.
#
#   bash benchmarks/compare/w1-predict.sh            # ROUNDS=3 by default
#
# Installs Debian's python3-torch when absent. PyTorch runs with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset in its command
# only (with them Debian's OpenBLAS runs a slow kernel) and one BLAS and OpenMP thread.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-3}

dpkg -s python3-torch >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch >/dev/null || {
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch >/dev/null; }
dotnet build "$root/benchmarks/Backprop.Simd.Benchmarks" -c Release -nologo -v q >/dev/null

for round in $(seq 1 "$rounds"); do
  echo "== round $round: Backprop.Simd and ONNX Runtime"
  dotnet run -c Release --no-build --project "$root/benchmarks/Backprop.Simd.Benchmarks" -- --onnx-quick 1 | tail -n +2
  echo "== round $round: PyTorch"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 - "$root" <<'PY'
import json, subprocess, sys
report = json.loads(subprocess.check_output([sys.executable, sys.argv[1] + "/benchmarks/compare/w1_torch.py"]))
for batch in (1, 128, 1024):
    timing = report["predict_batch_%d" % batch]
    print("%5d  PyTorch %s  p50 %8.1f µs  p99 %8.1f µs" % (batch, report["torch"], timing["p50_seconds"] * 1e6, timing["p99_seconds"] * 1e6))
PY
done
