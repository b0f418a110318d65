"""Writes torch_sequential.safetensors and torch_sequential.json, the real-PyTorch fixture of PyTorchSequentialTests.

The state dict is a module holding nn.Sequential(Linear, ReLU, Dropout, Linear, Tanh, Linear) as the attribute `net`,
so its names are net.0.weight, net.0.bias, net.3.weight, net.3.bias, net.5.weight, net.5.bias: a prefix and a Dropout
gap, as PyTorch writes them. The safetensors bytes are written by hand (the `safetensors` package may be absent): an
8-byte little-endian header length, the JSON header padded with spaces to 8 bytes, then the raw float32 data. No
__metadata__, as torch's own save_file writes it. The JSON holds fixed inputs and the model's outputs in eval mode.

Run with a Python that has torch:  /usr/bin/python3 make_torch_sequential.py
"""
import json
import os
import struct

import torch
from torch import nn


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)


def safetensors_bytes(state):
    header, data, offset = {}, b"", 0
    for name, tensor in state.items():
        raw = tensor.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    torch.manual_seed(2026)
    model = Holder().eval()
    inputs = torch.randn(6, 4)
    with torch.no_grad():
        outputs = model(inputs)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "torch_sequential.safetensors"), "wb") as f:
        f.write(safetensors_bytes(model.state_dict()))
    with open(os.path.join(here, "torch_sequential.json"), "w") as f:
        json.dump({"torch": torch.__version__, "names": list(model.state_dict()), "inputs": inputs.tolist(),
                   "outputs": outputs.tolist()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
