#!/usr/bin/env python3
"""Trains a small residual CNN on Fashion-MNIST in PyTorch and exports it as ONNX.

The kind of model a PyTorch user brings today, not a chain: input normalisation inside the graph
((x - 0.2860) / 0.3530, exported as Sub and Div, imported as a norm layer), a 3x3 stem, three
residual blocks (conv-BN-ReLU-conv-BN plus the skip, a strided block with a 1x1 conv-BN shortcut),
global average pooling and one Linear layer; 16-32-64 channels, about 75,000 parameters.
BatchNorm is trained, and folded into the convolutions by the exporter in evaluation mode.
Trained on the 60,000 training images (pixels / 255) with SGD (momentum 0.9, weight decay 5e-4,
one-cycle schedule), seeded, on two CPU threads; EPOCHS (default 3) takes about 10 minutes.

Writes
  models/fashion-resnet.onnx              opset 13, symbolic batch dimension
  models/fashion-resnet.predictions.txt   PyTorch's predicted class of each of the 10,000 test
                                          images, one per line, in file order
and prints the test error.

Reads the IDX gz files of data/fashion-mnist/ directly; needs only torch and numpy
(Debian's python3-torch):  nice /usr/bin/python3 scripts/train_fashion_resnet.py [EPOCHS]
"""
import gzip
import os
import sys
import time

import numpy as np
import torch
from torch import nn

SEED = 1
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
BATCH = 128
LEARNING_RATE = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
OPSET = 13
NAME = "fashion-resnet"

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fashion = os.path.join(root, "data", "fashion-mnist")
models = os.path.join(root, "models")


def read_idx(name):
    """An unsigned-byte IDX file as a numpy array of its dimensions."""
    with gzip.open(os.path.join(fashion, name), "rb") as f:
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


class Block(nn.Module):
    """torchvision's BasicBlock: conv-BN-ReLU-conv-BN, plus the input (through a 1x1 conv-BN when the shape changes), ReLU."""

    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = nn.Identity() if stride == 1 and inputs == outputs else nn.Sequential(
            nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


def build():
    return nn.Sequential(
        Normalize(0.2860, 0.3530),
        nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def test_predictions(model, x):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    train_x, train_y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    test_x, test_y = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")

    model = build()
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY, nesterov=True)
    steps_per_epoch = (len(train_x) + BATCH - 1) // BATCH
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LEARNING_RATE, epochs=EPOCHS, steps_per_epoch=steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    clock = time.time()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        total = 0.0
        for start in range(0, len(train_x), BATCH):
            idx = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        error = (test_predictions(model, test_x) != test_y).float().mean().item()
        print(f"epoch {epoch + 1}/{EPOCHS}: train loss {total / len(train_x):.4f}, test error {100 * error:.2f}%, "
              f"{time.time() - clock:.0f} s", flush=True)

    predicted = test_predictions(model, test_x)
    errors = int((predicted != test_y).sum())
    os.makedirs(models, exist_ok=True)
    onnx_path = os.path.join(models, f"{NAME}.onnx")
    model.eval()
    torch.onnx.export(model, test_x[:1], onnx_path, input_names=["input"], output_names=["logits"],
                      opset_version=OPSET, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with open(os.path.join(models, f"{NAME}.predictions.txt"), "w") as f:
        f.writelines(f"{int(p)}\n" for p in predicted)
    print(f"{NAME}: test error {100 * errors / len(test_y):.2f}% ({errors}/{len(test_y)}), torch {torch.__version__}, "
          f"wrote {onnx_path} and its predictions")


if __name__ == "__main__":
    main()
