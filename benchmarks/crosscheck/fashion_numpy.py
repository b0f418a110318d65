"""Replays a Fashion-MNIST run of the issue recipe in float32 numpy, step for step.

784-256-128-10 ReLU, mean softmax cross-entropy, torch.optim.Adam(lr=1e-3) written from PyTorch's documentation,
batch 128, the last batch of an epoch partial. The initial parameters and the sample order of every epoch come from
the files that `dotnet run -c Release --project benchmarks/Backprop.Simd.Benchmarks -- --fashion-crosscheck DIR`
writes, so both implementations train from the same draw. Prints the same per-epoch line as that command.

    python3 benchmarks/crosscheck/fashion_numpy.py DIR
"""
import gzip
import os
import struct
import sys

import numpy as np

DATA = os.environ.get("BACKPROP_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
SIZES = [784, 256, 128, 10]


def images(name):
    raw = gzip.open(os.path.join(DATA, name)).read()
    count = struct.unpack(">I", raw[4:8])[0]
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, 784).astype(np.float32) / np.float32(255)


def labels(name):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read(), np.uint8, offset=8).astype(np.int64)


def cross_entropy(logits, y):
    top = logits.max(1, keepdims=True)
    return np.log(np.exp(logits - top).sum(1)) + top[:, 0] - logits[np.arange(len(y)), y]


def main(folder):
    x_train, y_train = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    flat = np.fromfile(os.path.join(folder, "parameters.f32"), np.float32)
    orders = np.fromfile(os.path.join(folder, "orders.i32"), np.int32).reshape(-1, len(x_train))
    params, offset = [], 0
    for fan_in, fan_out in zip(SIZES, SIZES[1:]):
        params.append(flat[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out).copy())
        offset += fan_in * fan_out
        params.append(flat[offset:offset + fan_out].copy())
        offset += fan_out
    assert offset == len(flat), "parameters.f32 does not hold a 784-256-128-10 network"

    def forward(x):
        activations = [x]
        for layer in range(3):
            z = activations[-1] @ params[2 * layer] + params[2 * layer + 1]
            activations.append(np.maximum(z, 0) if layer < 2 else z)
        return activations

    exp_avg = [np.zeros_like(p) for p in params]
    exp_avg_sq = [np.zeros_like(p) for p in params]
    lr, beta1, beta2, eps, step = 1e-3, 0.9, 0.999, 1e-8, 0
    for epoch, order in enumerate(orders, start=1):
        loss_sum = 0.0
        for start in range(0, len(x_train), 128):
            rows = order[start:start + 128]
            x, y = x_train[rows], y_train[rows]
            activations = forward(x)
            logits = activations[-1]
            loss_sum += float(cross_entropy(logits.astype(np.float64), y).sum())
            e = np.exp(logits - logits.max(1, keepdims=True))
            delta = e / e.sum(1, keepdims=True)
            delta[np.arange(len(y)), y] -= 1
            delta /= np.float32(len(y))
            grads = [None] * 6
            for layer in (2, 1, 0):
                grads[2 * layer] = activations[layer].T @ delta
                grads[2 * layer + 1] = delta.sum(0)
                if layer > 0:
                    delta = (delta @ params[2 * layer].T) * (activations[layer] > 0)
            step += 1
            correction1, correction2 = 1 - beta1 ** step, 1 - beta2 ** step
            for i, g in enumerate(grads):
                exp_avg[i] += (g - exp_avg[i]) * np.float32(1 - beta1)
                exp_avg_sq[i] = exp_avg_sq[i] * np.float32(beta2) + g * g * np.float32(1 - beta2)
                denominator = np.sqrt(exp_avg_sq[i]) / np.float32(np.sqrt(correction2)) + np.float32(eps)
                params[i] -= exp_avg[i] / denominator * np.float32(lr / correction1)
        logits = forward(x_test)[-1]
        print(f"epoch {epoch}: train loss {loss_sum / len(x_train):.6f}  "
              f"test loss {cross_entropy(logits.astype(np.float64), y_test).mean():.6f}  "
              f"acc {(logits.argmax(1) == y_test).mean():.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
