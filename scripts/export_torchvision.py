#!/usr/bin/env python3
"""Exports a full-size torchvision classifier with random weights from a fixed seed as ONNX.

  /usr/bin/python3 scripts/export_torchvision.py NAME HEIGHTxWIDTH OUT.onnx [OPSET]

NAME is resnet18, mobilenet_v2, squeezenet1_1, densenet121 or efficientnet_b0 (torchvision 0.14's
constructors, 1000 classes, weights=None); the seed is 0 for every model. Exported in eval mode
(BatchNorm after a conv folded by the exporter) at OPSET (default 13), batch axis symbolic.
Batch-norm statistics are randomised (as in make_graph_fixtures.py) so that folding them shows.
Beside OUT.onnx it writes OUT.input.bin (4 examples of 3xHxW, uniform in [0, 1], seed 1),
OUT.logits.bin (PyTorch's float32 logits for them) and OUT.grad.bin (autograd's gradient of each
example's cross-entropy w.r.t. its input, labels 3, 7, 1, 9), little-endian float32, and
OUT.grad64.bin, the same gradient from a float64 copy of the model (little-endian float64): for a
deep network float32 autograd itself may stray from the exact gradient by more than 1e-3 of its
largest value, and the float64 one says how far each float32 implementation is from it. For
`Bench graphs` to check the import against. The files are large (resnet18: 45 MB) and are not committed.
"""
import copy
import sys

import torch
import torchvision

from make_graph_fixtures import randomize_batch_norms

MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "densenet121", "efficientnet_b0"]
LABELS = [3, 7, 1, 9]


def seeded_model(name):
    """torchvision's NAME with the random weights and batch-norm statistics every export uses, in eval mode."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    with torch.no_grad():
        randomize_batch_norms(model, torch.Generator().manual_seed(2))
    return model.eval()


def seeded_inputs(height, width):
    """The 4 examples every export checks, uniform in [0, 1]."""
    return torch.rand(4, 3, height, width, generator=torch.Generator().manual_seed(1))


def logits_and_gradient(model, x):
    """The model's logits for x and autograd's gradient of the summed cross-entropy w.r.t. x."""
    xi = x.clone().requires_grad_(True)
    logits = model(xi)
    torch.nn.functional.cross_entropy(logits, torch.tensor(LABELS), reduction="sum").backward()
    return logits.detach(), xi.grad.detach()


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] not in MODELS:
        sys.exit(__doc__)
    name, size, out = sys.argv[1], sys.argv[2], sys.argv[3]
    opset = int(sys.argv[4]) if len(sys.argv) == 5 else 13
    height, width = (int(v) for v in size.lower().split("x"))
    model = seeded_model(name)
    x = seeded_inputs(height, width)
    logits, gradient = logits_and_gradient(model, x)
    _, gradient64 = logits_and_gradient(copy.deepcopy(model).double(), x.double())
    torch.onnx.export(model, x[:1], out, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    stem = out[:-5] if out.endswith(".onnx") else out
    x.numpy().astype("<f4").tofile(stem + ".input.bin")
    logits.numpy().astype("<f4").tofile(stem + ".logits.bin")
    gradient.numpy().astype("<f4").tofile(stem + ".grad.bin")
    gradient64.numpy().astype("<f8").tofile(stem + ".grad64.bin")
    print(f"{name} at 3x{height}x{width}, opset {opset}: {sum(p.numel() for p in model.parameters())} parameters, "
          f"wrote {out}; predictions {logits.argmax(1).tolist()}")


if __name__ == "__main__":
    main()
