"""Writes the PyTorch-made ONNX fixtures of OnnxTests and PyTorch's outputs on fixed inputs.

Run from this folder with PyTorch 1.13 (and the onnx package for the check):  python3 make_onnx_fixture.py
CI has no PyTorch, so the .onnx and .expected.json files it writes are committed beside it.
"""
import json

import onnx
import torch
from torch import nn


class MatMulAdd(nn.Module):
    """x @ W + b with W as [in, out]: torch.onnx.export writes MatMul and Add instead of Gemm."""

    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_in, fan_out) / fan_in ** 0.5)
        self.bias = nn.Parameter(torch.randn(fan_out) * 0.1)

    def forward(self, x):
        return x @ self.weight + self.bias


def sequential_mlp():
    return nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 10))


def activations_mlp():
    return nn.Sequential(
        nn.Linear(64, 16), nn.GELU(),
        nn.Linear(16, 12), nn.SiLU(),
        MatMulAdd(12, 12), nn.GELU(approximate="tanh"),
        nn.Linear(12, 12), nn.LeakyReLU(0.1),
        nn.Linear(12, 12), nn.ELU(0.5),
        nn.Linear(12, 12), nn.Softplus(),
        nn.Linear(12, 12), nn.Sigmoid(),
        nn.Linear(12, 10))


def write(name, model, inputs):
    model.eval()
    path = name + ".onnx"
    torch.onnx.export(model, inputs[:1], path, opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        outputs = model(inputs)
    # repr of a float32 widened to double is exact, so the C# side reads the very floats PyTorch computed.
    expected = {"inputs": [[float(v) for v in row] for row in inputs],
                "outputs": [[float(v) for v in row] for row in outputs]}
    with open(name + ".expected.json", "w", encoding="utf-8") as file:
        json.dump(expected, file, indent=1)
        file.write("\n")


def main():
    torch.manual_seed(1234)
    # Pixel-like inputs in [0, 1], the range of the scaled digits data set.
    inputs = torch.rand(6, 64)
    write("sequential_mlp", sequential_mlp(), inputs)
    write("activations_mlp", activations_mlp(), inputs)


if __name__ == "__main__":
    main()
