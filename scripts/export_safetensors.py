#!/usr/bin/env python3
"""Exports a PyTorch nn.Sequential as a safetensors model file this project loads.

Tensor names are the state_dict names ("0.weight", "0.bias", "4.weight", ...; Linear weights
[out, in], Conv2d weights [out, in, kh, kw]), stored as float32. The __metadata__ holds
  arch:    the architecture spec, e.g. "conv:32x5x5p2,relu,maxpool:2,fc:10"
  input:   the input shape CxHxW, e.g. "1x28x28"
  modules: the nn.Sequential index of each parameterised (fc/conv) layer, in spec order, e.g. "0,4"
See docs/pytorch-export.md for the grammar and the module-index rule.

Use it from Python:
    from export_safetensors import export
    export(model, (1, 28, 28), "model.safetensors")
or on a whole model saved with torch.save(model, "model.pt"):
    python3 scripts/export_safetensors.py model.pt --input 1x28x28 --output model.safetensors
Needs only torch (and numpy, which torch brings).
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
from torch import nn


class ExportError(Exception):
    """The model cannot be written in the spec: the message says which module and why."""


def _pair(value, what, index):
    """An int, or a tuple of two equal ints, as one int; the spec has one value for both sides."""
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        if value[0] != value[1]:
            raise ExportError(f"module {index}: {what} {tuple(value)} differs between height and width; "
                              f"the spec has one {what} for both")
        return value[0]
    raise ExportError(f"module {index}: {what} {value!r} is not an integer or a pair of integers")


def _conv_out(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def spec_of(model, input_shape):
    """(arch, modules, outputs): the spec string of an nn.Sequential, the module index of each fc/conv
    layer in spec order, and the number of outputs.

    Checks that the model is one the spec describes exactly: supported modules only, one nn.Flatten
    placed immediately before the first nn.Linear (the spec's implicit flatten) and nowhere else,
    shapes that fit together, and a flat output (the logits).
    """
    if not isinstance(model, nn.Sequential):
        raise ExportError(f"the model is a {type(model).__name__}; only nn.Sequential can be exported")
    if len(input_shape) != 3 or not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise ExportError(f"input shape {input_shape!r} must be three positive integers C, H, W")
    shape = tuple(input_shape)  # (C, H, W) until flattened, then (features,)
    layers, modules = [], []
    children = list(model.children())
    seen_linear = False
    for index, m in enumerate(children):
        name = type(m).__name__
        if isinstance(m, nn.Flatten):
            following = children[index + 1] if index + 1 < len(children) else None
            if seen_linear or not isinstance(following, nn.Linear):
                raise ExportError(f"module {index}: nn.Flatten must come immediately before the first nn.Linear "
                                  f"and nowhere else (the spec flattens implicitly there)")
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError(f"module {index}: nn.Flatten must use the defaults start_dim=1, end_dim=-1")
            shape = (math.prod(shape),)
        elif isinstance(m, nn.Linear):
            if len(shape) != 1:
                raise ExportError(f"module {index}: nn.Linear gets a {'x'.join(map(str, shape))} input; "
                                  f"put an nn.Flatten immediately before the first nn.Linear")
            if m.in_features != shape[0]:
                raise ExportError(f"module {index}: nn.Linear expects {m.in_features} inputs but gets {shape[0]}")
            if m.bias is None:
                raise ExportError(f"module {index}: nn.Linear without bias is not supported")
            layers.append(f"fc:{m.out_features}")
            modules.append(index)
            shape = (m.out_features,)
            seen_linear = True
        elif isinstance(m, nn.Conv2d):
            if len(shape) != 3:
                raise ExportError(f"module {index}: nn.Conv2d after the flatten; convolutions must come before it")
            if m.in_channels != shape[0]:
                raise ExportError(f"module {index}: nn.Conv2d expects {m.in_channels} channels but gets {shape[0]}")
            if m.groups != 1 or _pair(m.dilation, "dilation", index) != 1:
                raise ExportError(f"module {index}: nn.Conv2d with groups or dilation is not supported")
            if m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise ExportError(f"module {index}: nn.Conv2d padding must be zero padding given as numbers")
            if m.bias is None:
                raise ExportError(f"module {index}: nn.Conv2d without bias is not supported")
            kh, kw = m.kernel_size
            stride = _pair(m.stride, "stride", index)
            padding = _pair(m.padding, "padding", index)
            h, w = _conv_out(shape[1], kh, stride, padding), _conv_out(shape[2], kw, stride, padding)
            if h < 1 or w < 1:
                raise ExportError(f"module {index}: nn.Conv2d {kh}x{kw} leaves no output from a {shape[1]}x{shape[2]} input")
            text = f"conv:{m.out_channels}x{kh}x{kw}"
            if stride != 1:
                text += f"s{stride}"
            if padding != 0:
                text += f"p{padding}"
            layers.append(text)
            modules.append(index)
            shape = (m.out_channels, h, w)
        elif isinstance(m, nn.MaxPool2d):
            if len(shape) != 3:
                raise ExportError(f"module {index}: nn.MaxPool2d after the flatten; pooling must come before it")
            kernel = _pair(m.kernel_size, "kernel_size", index)
            stride = kernel if m.stride is None else _pair(m.stride, "stride", index)
            if _pair(m.padding, "padding", index) != 0 or _pair(m.dilation, "dilation", index) != 1 \
                    or m.ceil_mode or m.return_indices:
                raise ExportError(f"module {index}: nn.MaxPool2d with padding, dilation, ceil_mode or return_indices "
                                  f"is not supported")
            h, w = _conv_out(shape[1], kernel, stride, 0), _conv_out(shape[2], kernel, stride, 0)
            if h < 1 or w < 1:
                raise ExportError(f"module {index}: nn.MaxPool2d {kernel} leaves no output from a {shape[1]}x{shape[2]} input")
            layers.append(f"maxpool:{kernel}" if stride == kernel else f"maxpool:{kernel}x{kernel}/{stride}")
            shape = (shape[0], h, w)
        elif isinstance(m, nn.ReLU):
            layers.append("relu")
        elif isinstance(m, nn.Sigmoid):
            layers.append("sigmoid")
        elif isinstance(m, nn.Tanh):
            layers.append("tanh")
        elif isinstance(m, nn.Dropout):
            if not 0.0 <= m.p < 1.0:
                raise ExportError(f"module {index}: dropout probability {m.p} is outside [0, 1)")
            layers.append(f"dropout:{float(m.p)!r}")
        else:
            raise ExportError(f"module {index}: {name} is not supported; the spec knows Linear, Conv2d, MaxPool2d, "
                              f"ReLU, Sigmoid, Tanh, Dropout and one Flatten before the first Linear")
    if len(shape) != 1:
        raise ExportError("the model must end flat (the logits): finish with an nn.Linear")
    if not modules:
        raise ExportError("the model has no nn.Linear or nn.Conv2d layer")
    # The rule a loader may rely on without the modules entry (docs/pytorch-export.md): spec layer k
    # is module k, plus one from the first fc on, for the Flatten just before it.
    first_fc = next(k for k, layer in enumerate(layers) if layer.startswith("fc:"))
    by_rule = [k + (1 if k >= first_fc else 0) for k, layer in enumerate(layers) if layer.startswith(("fc:", "conv:"))]
    assert by_rule == modules, (by_rule, modules)
    return ",".join(layers), modules, shape[0]


def _write_safetensors(path, tensors, metadata):
    """Writes float32 tensors sorted by name, contiguous, header padded with spaces to 8 bytes."""
    import numpy as np

    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name].detach().cpu().to(torch.float32).numpy(), dtype="<f4")
        if not np.isfinite(array).all():
            raise ExportError(f"tensor {name} holds NaN or Inf")
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def export(model, input_shape, path, metadata=None):
    """Writes `model` (an nn.Sequential taking inputs of `input_shape` = (C, H, W)) to `path`.

    Returns the metadata written. Extra string entries in `metadata` are kept.
    """
    arch, modules, outputs = spec_of(model, tuple(input_shape))
    state = model.state_dict()
    expected = {f"{i}.{p}" for i in modules for p in ("weight", "bias")}
    if set(state) != expected:
        raise ExportError(f"state_dict has {sorted(state)}, expected exactly {sorted(expected)}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, *input_shape))
    finally:
        model.train(was_training)
    if tuple(out.shape) != (1, outputs):
        raise ExportError(f"the model gives output {tuple(out.shape)}, the spec says (1, {outputs})")
    meta = dict(metadata or {})
    meta.update(arch=arch, input="x".join(str(d) for d in input_shape), modules=",".join(map(str, modules)))
    _write_safetensors(path, state, meta)
    return meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a whole nn.Sequential saved with torch.save(model, path)")
    parser.add_argument("--input", required=True, help="input shape CxHxW, e.g. 1x28x28")
    parser.add_argument("--output", required=True, help="the safetensors file to write")
    args = parser.parse_args()
    try:
        input_shape = tuple(int(d) for d in args.input.split("x"))
    except ValueError:
        sys.exit(f"export_safetensors: --input {args.input!r} is not CxHxW")
    # A whole pickled model, not only weights: load only files you trust.
    model = torch.load(args.model, map_location="cpu", weights_only=False)
    try:
        meta = export(model, input_shape, args.output)
    except ExportError as e:
        sys.exit(f"export_safetensors: {args.model}: {e}")
    print(f"{args.output}: arch {meta['arch']}, input {meta['input']}, modules {meta['modules']}")


if __name__ == "__main__":
    main()
