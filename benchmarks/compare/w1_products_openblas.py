"""OpenBLAS sgemm (through numpy) on W1's eight training products, shaped and transposed as training has them, timed
like `--matmul-quick` (median and best of 15 runs), to read beside
`dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --matmul-quick`:

    OPENBLAS_NUM_THREADS=1 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/compare/w1_products_openblas.py
"""
import time, numpy as np
shapes = [("fwd 128x256x784",128,256,784),("fwd 128x128x256",128,128,256),("fwd 128x10x128",128,10,128),
          ("dW 784x256x128",784,256,128),("dW 256x128x128",256,128,128),("dW 128x10x128",128,10,128),
          ("dX 128x128x10",128,128,10),("dX 128x256x128",128,256,128)]
rng = np.random.default_rng(1)
for name, m, n, k in shapes:
    if name.startswith("dW"):  # A = X^T (transposed view), as in training
        a = rng.standard_normal((k, m), dtype=np.float32).T; b = rng.standard_normal((k, n), dtype=np.float32)
    elif name.startswith("dX"):  # B = W^T
        a = rng.standard_normal((m, k), dtype=np.float32); b = rng.standard_normal((n, k), dtype=np.float32).T
    else:
        a = rng.standard_normal((m, k), dtype=np.float32); b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    for _ in range(200): np.matmul(a, b, out=c)
    times = []
    for _ in range(15):
        reps = max(20, int(2e8 / (2*m*n*k)))
        s = time.perf_counter()
        for _ in range(reps): np.matmul(a, b, out=c)
        times.append((time.perf_counter() - s) / reps)
    times.sort()
    print(f"{name:18} median {2*m*n*k/times[7]/1e9:7.1f} GFLOP/s  best {2*m*n*k/times[0]/1e9:7.1f}")
