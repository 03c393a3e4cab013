#!/usr/bin/env python3
"""Trains the paper's fc100-100-10 (784-100-100-10, sigmoid) in PyTorch and exports it as ONNX.

The model a PyTorch user would bring to this project: input normalisation inside the graph
((x - 0.1307) / 0.3081, as torchvision's MNIST examples do), Flatten from a [batch, 1, 28, 28]
input, three Linear layers with sigmoids between them, and a trailing Softmax, so the importer's
normalisation mapping and Softmax drop are both exercised. Trained on the 60,000 MNIST training
digits (pixels / 255) with SGD (momentum 0.9, weight decay 1e-4, cosine schedule), seeded, on one
CPU thread; about 3 minutes.

Writes
  models/pytorch-fc100-100-10.onnx              opset 14, symbolic batch dimension
  models/pytorch-fc100-100-10.predictions.txt   PyTorch's predicted class of each of the 10,000
                                                test digits, one per line, in file order
and prints the test error.

Reads the IDX gz files of data/mnist/ directly (scripts/fetch-data.sh puts them there); needs only
torch and numpy (Debian's python3-torch):  /usr/bin/python3 scripts/train_pytorch_fc100.py
torch.onnx.export needs no onnx package.
"""
import gzip
import os

import numpy as np
import torch
from torch import nn

SEED = 1
EPOCHS = 30
BATCH = 64
LEARNING_RATE = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4
OPSET = 14
NAME = "pytorch-fc100-100-10"

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
mnist = os.path.join(root, "data", "mnist")
models = os.path.join(root, "models")


def read_idx(name):
    """An unsigned-byte IDX file as a numpy array of its dimensions."""
    with gzip.open(os.path.join(mnist, name), "rb") as f:
        data = f.read()
    assert data[0] == 0 and data[1] == 0 and data[2] == 0x08, f"{name}: not an unsigned-byte IDX file"
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def images(name):
    x = read_idx(name).astype(np.float32) / 255.0
    return torch.from_numpy(x).unsqueeze(1)  # [N, 1, 28, 28]


def labels(name):
    return torch.from_numpy(read_idx(name).astype(np.int64))


class Normalize(nn.Module):
    """(x - mean) / std by scalars: exported as Sub and Div by constants."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    train_x, train_y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    test_x, test_y = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")

    body = nn.Sequential(
        Normalize(0.1307, 0.3081), nn.Flatten(),
        nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 100), nn.Sigmoid(), nn.Linear(100, 10))
    optimizer = torch.optim.SGD(body.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    steps = EPOCHS * ((len(train_x) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        body.train()
        order = torch.randperm(len(train_x), generator=generator)
        total = 0.0
        for start in range(0, len(train_x), BATCH):
            idx = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(body(train_x[idx]), train_y[idx])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        body.eval()
        with torch.no_grad():
            error = (body(test_x).argmax(1) != test_y).float().mean().item()
        print(f"epoch {epoch + 1}/{EPOCHS}: train loss {total / len(train_x):.4f}, test error {100 * error:.2f}%", flush=True)

    model = nn.Sequential(body, nn.Softmax(dim=1))
    model.eval()
    with torch.no_grad():
        predicted = model(test_x).argmax(1)
    errors = int((predicted != test_y).sum())
    os.makedirs(models, exist_ok=True)
    onnx_path = os.path.join(models, f"{NAME}.onnx")
    torch.onnx.export(model, test_x[:1], onnx_path, input_names=["input"], output_names=["probabilities"],
                      opset_version=OPSET, dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}})
    with open(os.path.join(models, f"{NAME}.predictions.txt"), "w") as f:
        f.writelines(f"{int(p)}\n" for p in predicted)
    print(f"{NAME}: test error {100 * errors / len(test_y):.2f}% ({errors}/{len(test_y)}), torch {torch.__version__}, "
          f"wrote {onnx_path} and its predictions")


if __name__ == "__main__":
    main()
