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
import torch
from torch import nn

from mnist_torch import MODELS, Normalize, Recipe, export_with_predictions, train_epoch, training_and_test_sets

RECIPE = Recipe(name="pytorch-fc100-100-10", opset=14, epochs=30, batch=64, learning_rate=0.1, momentum=0.9, weight_decay=1e-4)


def main():
    torch.manual_seed(RECIPE.seed)
    torch.set_num_threads(1)
    train_x, train_y, test_x, test_y = training_and_test_sets("mnist")

    body = nn.Sequential(
        Normalize(0.1307, 0.3081), nn.Flatten(),
        nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 100), nn.Sigmoid(), nn.Linear(100, 10))
    optimizer = RECIPE.sgd(body.parameters())
    steps = RECIPE.epochs * RECIPE.steps_per_epoch(len(train_x))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(RECIPE.seed)
    for epoch in range(RECIPE.epochs):
        train_loss = train_epoch(body, optimizer, schedule, loss_fn, train_x, train_y, RECIPE.batch, generator)
        body.eval()
        with torch.no_grad():
            error = (body(test_x).argmax(1) != test_y).float().mean().item()
        print(f"epoch {epoch + 1}/{RECIPE.epochs}: train loss {train_loss:.4f}, test error {100 * error:.2f}%", flush=True)

    model = nn.Sequential(body, nn.Softmax(dim=1))
    model.eval()
    with torch.no_grad():
        predicted = model(test_x).argmax(1)
    export_with_predictions(model, test_x, test_y, predicted, MODELS, RECIPE.name, "probabilities", RECIPE.opset)


if __name__ == "__main__":
    main()
