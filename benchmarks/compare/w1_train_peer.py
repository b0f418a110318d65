"""One peer's W1 training epochs, for benchmarks/compare/w1-train.sh: the 784-256-128-10 ReLU MLP on Fashion-MNIST,
Adam lr 0.001, batch 128, float32, the mini-batches reshuffled every epoch, as `backprop train --data fashion-mnist
--layers 256,128 --activation relu --optimizer adam --lr 0.001 --batch 128 --seed 1` trains it. An epoch's time covers
what the CLI's does: drawing the order, gathering each mini-batch, forward, loss, backward and the update; not the
evaluation after it.

    python3 w1_train_peer.py torch|sklearn THREADS EPOCHS    ->  one JSON line {"peer", "threads", "epoch_seconds": [...]}

Run it with BLAS threads set to THREADS and OPENBLAS_CORETYPE unset (the script w1-train.sh does both).
"""
import gzip
import json
import sys
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist/"


def idx(name, offset):
    with gzip.open(DATA + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load():
    images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    labels = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return images, labels


def torch_epochs(threads, epochs, images, labels):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(1)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x), generator=generator)
        for first in range(0, len(x), 128):
            batch = order[first:first + 128]
            optimizer.zero_grad(set_to_none=False)
            loss_function(model(x[batch]), y[batch]).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds


def sklearn_epochs(epochs, images, labels):
    from sklearn.neural_network import MLPClassifier
    model = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam", learning_rate_init=1e-3,
                          batch_size=128, alpha=0.0, shuffle=True, random_state=1)
    classes = np.arange(10)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(images, labels, classes=classes)  # one epoch of shuffled mini-batches
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    peer, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    images, labels = load()
    seconds = torch_epochs(threads, epochs, images, labels) if peer == "torch" else sklearn_epochs(epochs, images, labels)
    print(json.dumps({"peer": peer, "threads": threads, "epoch_seconds": seconds}))


if __name__ == "__main__":
    main()
