#!/usr/bin/env python3
"""Writes the graph-model ONNX fixtures under Tests/Fixtures/graphs/ from a fixed seed.

Reduced-width variants of torchvision's resnet18, mobilenet_v2, squeezenet1_1, densenet121 and
efficientnet_b0 (the same module classes, so the exporter emits the same op patterns: residual Add,
depthwise Conv, Clip, Concat, BatchNormalization after Concat, AveragePool, Sigmoid/Mul
squeeze-excitation, GlobalAveragePool, MaxPool with ceil_mode), random weights and batch-norm
statistics, 10 classes, input 3x32x32, exported at opsets 13 and 17 in eval mode.

Beside them: input.bin (2 examples, float32 NCHW), and per model NAME.logits.bin (PyTorch's
float32 logits) and NAME.grad.bin (PyTorch autograd's gradient of each example's own
cross-entropy w.r.t. its input, labels 3 and 7). All little-endian float32.

Run once with the system python that has torch and torchvision:
  /usr/bin/python3 scripts/make_graph_fixtures.py
"""
import os

import torch
from torch import nn
from torchvision.models import resnet, mobilenetv2, squeezenet, densenet, efficientnet

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "Tests", "Fixtures", "graphs")
LABELS = [3, 7]
CLASSES = 10


class NarrowResNet(resnet.ResNet):
    """torchvision's ResNet with every width divided by 8 and one BasicBlock per stage."""

    def __init__(self):
        super().__init__(resnet.BasicBlock, [1, 1, 1, 1], num_classes=CLASSES)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if planes == 64:
            self.inplanes = 8
        return super()._make_layer(block, planes // 8, blocks, stride, dilate)


def narrow_resnet18():
    m = NarrowResNet()
    m.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(8)
    m.fc = nn.Linear(64, CLASSES)
    return m


def narrow_mobilenet_v2():
    setting = [[1, 8, 1, 1], [6, 8, 2, 2], [6, 16, 2, 2], [6, 16, 1, 2]]
    m = mobilenetv2.MobileNetV2(num_classes=CLASSES, width_mult=0.5, inverted_residual_setting=setting)
    return m


def narrow_squeezenet1_1():
    m = squeezenet.SqueezeNet(version="1_1", num_classes=CLASSES)
    m.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        squeezenet.Fire(16, 4, 8, 8), squeezenet.Fire(16, 4, 8, 8),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        squeezenet.Fire(16, 8, 16, 16))
    m.classifier = nn.Sequential(nn.Dropout(p=0.5), nn.Conv2d(32, CLASSES, kernel_size=1), nn.ReLU(inplace=True),
                                 nn.AdaptiveAvgPool2d((1, 1)))
    return m


def narrow_densenet121():
    return densenet.DenseNet(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16, bn_size=2, num_classes=CLASSES)


def narrow_efficientnet_b0():
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return efficientnet.EfficientNet(setting, dropout=0.2, num_classes=CLASSES, last_channel=last)


MODELS = {
    "resnet18": narrow_resnet18,
    "mobilenet_v2": narrow_mobilenet_v2,
    "squeezenet1_1": narrow_squeezenet1_1,
    "densenet121": narrow_densenet121,
    "efficientnet_b0": narrow_efficientnet_b0,
}


def randomize_batch_norms(model, gen):
    """Non-trivial statistics, so that folding a batch norm (or not) shows in the logits."""
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            mod.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            mod.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            mod.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)


def write(path, tensor):
    with open(path, "wb") as f:
        f.write(tensor.detach().contiguous().numpy().astype("<f4").tobytes())


def main():
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(12)
    x = torch.rand(2, 3, 32, 32, generator=gen)
    write(os.path.join(out_dir, "input.bin"), x)
    for i, (name, make) in enumerate(MODELS.items()):
        torch.manual_seed(100 + i)
        model = make()
        with torch.no_grad():
            randomize_batch_norms(model, gen)
        model.eval()
        xi = x.clone().requires_grad_(True)
        logits = model(xi)
        loss = nn.functional.cross_entropy(logits, torch.tensor(LABELS), reduction="sum")
        loss.backward()
        write(os.path.join(out_dir, f"{name}.logits.bin"), logits)
        write(os.path.join(out_dir, f"{name}.grad.bin"), xi.grad)
        for opset in (13, 17):
            torch.onnx.export(model, x[:1], os.path.join(out_dir, f"{name}_op{opset}.onnx"), opset_version=opset,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        print(name, sum(p.numel() for p in model.parameters()), "parameters")


if __name__ == "__main__":
    main()
