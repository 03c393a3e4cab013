"""What the PyTorch training scripts share: the repository's data and model folders, a training
recipe, MNIST-style IDX files as tensors, the in-graph input normalisation, one shuffled epoch of
SGD, and the ONNX export with PyTorch's test predictions.

Reads the gzipped IDX files that scripts/fetch-data.sh puts under data/ directly; needs only torch and
numpy (Debian's python3-torch).
"""
import gzip
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")


def training_and_test_sets(name):
    """The IDX files of data/name (e.g. mnist) as (train_x, train_y, test_x, test_y)."""
    folder = os.path.join(ROOT, "data", name)
    return (images(folder, "train-images-idx3-ubyte.gz"), labels(folder, "train-labels-idx1-ubyte.gz"),
            images(folder, "t10k-images-idx3-ubyte.gz"), labels(folder, "t10k-labels-idx1-ubyte.gz"))


@dataclass(frozen=True)
class Recipe:
    """What a training script fixes: the model's file name and ONNX opset, and its SGD run."""
    name: str
    opset: int
    epochs: int
    batch: int
    learning_rate: float
    momentum: float
    weight_decay: float
    seed: int = 1

    def sgd(self, parameters, nesterov=False):
        return torch.optim.SGD(parameters, lr=self.learning_rate, momentum=self.momentum,
                               weight_decay=self.weight_decay, nesterov=nesterov)

    def steps_per_epoch(self, examples):
        return (examples + self.batch - 1) // self.batch


def read_idx(folder, name):
    """An unsigned-byte IDX file as a numpy array of its dimensions."""
    with gzip.open(os.path.join(folder, name), "rb") as f:
        data = f.read()
    assert data[0] == 0 and data[1] == 0 and data[2] == 0x08, f"{name}: not an unsigned-byte IDX file"
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def images(folder, name):
    """Pixels / 255 as [N, 1, 28, 28] float32."""
    x = read_idx(folder, name).astype(np.float32) / 255.0
    return torch.from_numpy(x).unsqueeze(1)


def labels(folder, name):
    """Class numbers as int64."""
    return torch.from_numpy(read_idx(folder, name).astype(np.int64))


class Normalize(nn.Module):
    """(x - mean) / std by scalars: exported as Sub and Div by constants."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def train_epoch(model, optimizer, schedule, loss_fn, x, y, batch, generator):
    """One pass over (x, y) in an order drawn from generator, a scheduler step per batch; the mean loss."""
    model.train()
    order = torch.randperm(len(x), generator=generator)
    total = 0.0
    for start in range(0, len(x), batch):
        idx = order[start : start + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(idx)
    return total / len(x)


def export_with_predictions(model, test_x, test_y, predicted, folder, name, output, opset):
    """folder/name.onnx (symbolic batch) and folder/name.predictions.txt (one class per test input); prints the test error."""
    errors = int((predicted != test_y).sum())
    os.makedirs(folder, exist_ok=True)
    onnx_path = os.path.join(folder, f"{name}.onnx")
    model.eval()
    torch.onnx.export(model, test_x[:1], onnx_path, input_names=["input"], output_names=[output],
                      opset_version=opset, dynamic_axes={"input": {0: "batch"}, output: {0: "batch"}})
    with open(os.path.join(folder, f"{name}.predictions.txt"), "w") as f:
        f.writelines(f"{int(p)}\n" for p in predicted)
    print(f"{name}: test error {100 * errors / len(test_y):.2f}% ({errors}/{len(test_y)}), torch {torch.__version__}, "
          f"wrote {onnx_path} and its predictions")
