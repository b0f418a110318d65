"""PyTorch beside `backprop bench`: the same W1 workload (784-256-128-10 ReLU MLP, float32, 1 thread) timed the same
way (warm-up, then every call's duration for a fixed time; p50 and p99), so the two reports can be read side by side.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/compare/w1_torch.py

Unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE in this command only: with them set Debian's PyTorch runs a slow kernel.
"""
import json
import time

import torch

MEASURE_SECONDS = 0.25


def timed(work):
    start = time.perf_counter()
    calls = 0
    while calls < 50 or time.perf_counter() - start < 2 * MEASURE_SECONDS:
        work()
        calls += 1
    durations = []
    start = time.perf_counter()
    while len(durations) < 5 or (time.perf_counter() - start < MEASURE_SECONDS and len(durations) < 100_000):
        before = time.perf_counter()
        work()
        durations.append(time.perf_counter() - before)
    durations.sort()
    def percentile(fraction):
        import math
        return durations[min(len(durations) - 1, math.ceil(fraction * len(durations)) - 1)]
    return {"p50_seconds": percentile(0.5), "p99_seconds": percentile(0.99), "samples": len(durations)}


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    x = torch.rand(128, 784) * 2 - 1
    large = torch.rand(1024, 784) * 2 - 1
    labels = torch.randint(0, 10, (128,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss_function(model(x), labels).backward()
        optimizer.step()

    report = {"torch": torch.__version__, "threads": torch.get_num_threads(), "training_step_adam": timed(step)}
    with torch.inference_mode():
        one = x[:1].contiguous()
        report["predict_batch_1"] = timed(lambda: model(one))
        report["predict_batch_128"] = timed(lambda: model(x))
        report["predict_batch_1024"] = timed(lambda: model(large))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
