#!/usr/bin/env python3
"""Trains a small residual CNN on Fashion-MNIST in PyTorch and exports it as ONNX.

The kind of model a PyTorch user brings today, not a chain: input normalisation inside the graph
((x - 0.2860) / 0.3530, exported as Sub and Div, imported as a norm layer), a strided 3x3 stem,
two residual blocks (torchvision's BasicBlock: conv-BN-ReLU-conv-BN plus a 1x1 conv-BN shortcut,
each halving the resolution: 14x14, 7x7, 4x4), global average pooling and one Linear layer;
8-8-16 channels, about 4,000 parameters and 0.13 M multiply-adds per image, small on purpose so
that the L-BFGS attack on 1,000 images runs in minutes on the CPU accelerator.
BatchNorm is trained, and folded into the convolutions by the exporter in evaluation mode.
Trained on the 60,000 training images (pixels / 255) with SGD (momentum 0.9, weight decay 5e-4,
one-cycle schedule), seeded, on two CPU threads; EPOCHS (default 6) take a few minutes.

Writes
  models/fashion-resnet.onnx              opset 13, symbolic batch dimension
  models/fashion-resnet.predictions.txt   PyTorch's predicted class of each of the 10,000 test
                                          images, one per line, in file order
and prints the test error.

Reads the IDX gz files of data/fashion-mnist/ directly; needs only torch and numpy
(Debian's python3-torch):  nice /usr/bin/python3 scripts/train_fashion_resnet.py [EPOCHS]
"""
import sys
import time

import torch
from torch import nn

from mnist_torch import MODELS, Normalize, Recipe, export_with_predictions, train_epoch, training_and_test_sets

RECIPE = Recipe(name="fashion-resnet", opset=13, epochs=int(sys.argv[1]) if len(sys.argv) > 1 else 6, batch=128,
                learning_rate=0.1, momentum=0.9, weight_decay=5e-4)


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
        nn.Conv2d(1, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        Block(8, 8, 2), Block(8, 16, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def test_predictions(model, x):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])


def main():
    torch.manual_seed(RECIPE.seed)
    torch.set_num_threads(2)
    train_x, train_y, test_x, test_y = training_and_test_sets("fashion-mnist")

    model = build()
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    optimizer = RECIPE.sgd(model.parameters(), nesterov=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, RECIPE.learning_rate, epochs=RECIPE.epochs,
                                                   steps_per_epoch=RECIPE.steps_per_epoch(len(train_x)))
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(RECIPE.seed)
    clock = time.time()
    for epoch in range(RECIPE.epochs):
        train_loss = train_epoch(model, optimizer, schedule, loss_fn, train_x, train_y, RECIPE.batch, generator)
        error = (test_predictions(model, test_x) != test_y).float().mean().item()
        print(f"epoch {epoch + 1}/{RECIPE.epochs}: train loss {train_loss:.4f}, test error {100 * error:.2f}%, "
              f"{time.time() - clock:.0f} s", flush=True)

    predicted = test_predictions(model, test_x)
    export_with_predictions(model, test_x, test_y, predicted, MODELS, RECIPE.name, "logits", RECIPE.opset)


if __name__ == "__main__":
    main()
