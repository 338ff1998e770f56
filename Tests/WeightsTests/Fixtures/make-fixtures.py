#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the weight-file fixtures of WeightsTests and expected.json, the values
each tensor must read as (float64, C order, after rounding to its dtype).

.npy and .npz files are written by numpy (np.save, np.lib.format.write_array for
the version 2.0 and 3.0 headers, np.savez, np.savez_compressed); .safetensors by
the `safetensors` package (safetensors.numpy.save_file) for F16, F32 and F64,
and by hand (struct + json, the format's whole definition) for BF16, which numpy
has no type for. Run from this folder:  python3 make-fixtures.py
"""
import json
import os
import struct

import numpy as np
from safetensors.numpy import save_file

rng = np.random.default_rng(20261212)
expected = {}


def matrix(*shape):
    # Values of both signs over a few decades, plus exact zeros and small numbers.
    x = rng.standard_normal(shape) * np.exp(rng.uniform(-3, 3, shape))
    x.flat[0] = 0.0
    x.flat[-1] = -1.5e-5
    return x


def expect(key, array):
    a = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
    expected[key] = {"shape": list(a.shape), "values": a.ravel(order="C").tolist()}


# --- .npy: every float dtype, both orders, both byte orders, all header versions
base = matrix(3, 4)
for code in ("f2", "f4", "f8"):
    a = base.astype("<" + code)
    np.save(f"{code}-c.npy", a)
    expect(f"{code}-c.npy", a)
    np.save(f"{code}-f.npy", np.asfortranarray(a))
    expect(f"{code}-f.npy", a)
big = base.astype(">f8")
np.save("f8-big-endian.npy", big)
expect("f8-big-endian.npy", big)
big4 = base.astype(">f4")
np.save("f4-big-endian.npy", big4)
expect("f4-big-endian.npy", big4)
cube = matrix(2, 3, 4).astype("<f4")
np.save("f4-3d-fortran.npy", np.asfortranarray(cube))
expect("f4-3d-fortran.npy", cube)
for version in ((2, 0), (3, 0)):
    name = f"f8-v{version[0]}.npy"
    with open(name, "wb") as f:
        np.lib.format.write_array(f, base, version=version)
    expect(name, base)
bias = matrix(5).astype("<f4")
np.save("bias.npy", bias)
expect("bias.npy", bias)

# --- .npz: stored and deflated, with a bias, a conv kernel and a Fortran array
members = {
    "fc1.weight": matrix(5, 3).astype(np.float32),
    "fc1.bias": matrix(5).astype(np.float32),
    "conv.weight": matrix(4, 2, 3, 3).astype(np.float32),
    "head": np.asfortranarray(matrix(2, 5)),
    "half": matrix(3, 3).astype(np.float16),
    "steps": np.arange(3, dtype=np.int64),
}
np.savez("stored.npz", **members)
np.savez_compressed("deflated.npz", **members)
# Sizes and offsets past 4 GB get Zip64 records in the central directory and a
# Zip64 end record; a tiny limit makes zipfile write them for a small archive.
import zipfile

limit = zipfile.ZIP64_LIMIT
zipfile.ZIP64_LIMIT = 64
np.savez_compressed("zip64.npz", **members)
zipfile.ZIP64_LIMIT = limit
for k, v in members.items():
    if v.dtype.kind == "f":
        expect(f"npz/{k}", v)

# --- .safetensors: F16, F32, F64 by the safetensors package
st = {
    "layer.f16": matrix(4, 3).astype(np.float16),
    "layer.f32": matrix(3, 5).astype(np.float32),
    "layer.f64": matrix(2, 2),
    "layer.bias": matrix(3).astype(np.float32),
    "position_ids": np.arange(4, dtype=np.int64).reshape(1, 4),
}
save_file(st, "mixed.safetensors", metadata={"format": "np"})
for k, v in st.items():
    if v.dtype.kind == "f":
        expect(f"mixed/{k}", v)


def to_bf16_bits(x):
    """float32 → bfloat16 bits, rounding to nearest, ties to even (NaN kept NaN)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def write_safetensors(path, tensors, pad=0):
    """The format by hand: u64 header length, JSON header, data buffer."""
    header, buffer = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(buffer), len(buffer) + len(raw)]}
        buffer += raw
    text = json.dumps(header, separators=(",", ":")).encode() + b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buffer)


bf = matrix(3, 4).astype(np.float32)
bits = to_bf16_bits(bf)
write_safetensors("bf16.safetensors", {"w.bf16": ("BF16", bf.shape, bits.astype("<u2").tobytes())}, pad=5)
expect("bf16/w.bf16", (bits.astype(np.uint32) << 16).view(np.float32))

# --- a sharded checkpoint: two shards and the index that maps tensors to them
os.makedirs("sharded", exist_ok=True)
shard1 = {"model.embed.weight": matrix(6, 3).astype(np.float32)}
shard2 = {"model.out.weight": matrix(3, 6).astype(np.float32), "model.out.bias": matrix(3).astype(np.float32)}
save_file(shard1, "sharded/model-00001-of-00002.safetensors")
save_file(shard2, "sharded/model-00002-of-00002.safetensors")
index = {"metadata": {"total_size": 0}, "weight_map": {}}
for shard, tensors in (("model-00001-of-00002.safetensors", shard1), ("model-00002-of-00002.safetensors", shard2)):
    for k, v in tensors.items():
        index["weight_map"][k] = shard
        index["metadata"]["total_size"] += v.nbytes
        expect(f"sharded/{k}", v)
with open("sharded/model.safetensors.index.json", "w") as f:
    json.dump(index, f, indent=2)

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
