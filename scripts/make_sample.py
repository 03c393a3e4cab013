#!/usr/bin/env python3
"""Writes data/sample/: the first 1,000 MNIST test digits and their labels as gzipped IDX files.

Reads data/mnist/ (run scripts/fetch-data.sh first). The output is deterministic (gzip header
without name or timestamp), so running this again leaves git with nothing to commit.
"""
import gzip
import os
import struct

COUNT = 1000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(root, "data", "mnist")
dst = os.path.join(root, "data", "sample")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return list(dims), data[4 + 4 * ndim :]


def write_idx(path, dims, payload):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    tmp = path + ".part"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + payload)
    os.replace(tmp, path)


os.makedirs(dst, exist_ok=True)
dims, pixels = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
per_image = dims[1] * dims[2]
write_idx(os.path.join(dst, "t10k-images-idx3-ubyte.gz"), [COUNT] + dims[1:], pixels[: COUNT * per_image])
dims, labels = read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
write_idx(os.path.join(dst, "t10k-labels-idx1-ubyte.gz"), [COUNT], labels[:COUNT])
print(f"data/sample: first {COUNT} MNIST test digits written")
