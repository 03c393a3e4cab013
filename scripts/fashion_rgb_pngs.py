#!/usr/bin/env python3
"""Writes Fashion-MNIST test images as colour PNGs of another size: inputs for a 3-channel model.

  /usr/bin/python3 scripts/fashion_rgb_pngs.py COUNT SIZE OUT_FOLDER

The first COUNT test images of data/fashion-mnist, upscaled from 28x28 to SIZExSIZE (bilinear,
PIL) and replicated to three channels (R = G = B), as OUT_FOLDER/NNN.png. A PNG input is labelled
by the model's own prediction in `blindspots attack`.
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    count, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with gzip.open(os.path.join(root, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz"), "rb") as f:
        data = f.read()
    images = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        grey = Image.fromarray(images[i], mode="L").resize((size, size), Image.BILINEAR)
        grey.convert("RGB").save(os.path.join(out, f"{i:03d}.png"))
    print(f"wrote {count} images of 3x{size}x{size} to {out}")


if __name__ == "__main__":
    main()
