#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""dyson's layer analysis against numpy's eigvalsh, side by side, on the same files.

    swift build -c release --product dyson
    python3 bench/run-weights.py [--size 4096] [--layers 8 --layer-size 1024]

Cases (best of --repeat runs each; --threads BLAS threads on both sides, 1 by
default, as bench/run-linalg.py; dyson analyses --threads layers at once):
  layer N×N    dyson: `load weights layer.npy` + `powerlaw layer replicas=0` +
               `ratio layer=layer` (read, Gram matrix, dsyevd, Marchenko–Pastur
               fit, outliers, α, ⟨r̃⟩), timed as the whole dyson process;
               numpy: np.load + W.T @ W + np.linalg.eigvalsh (eigenvalues only).
  checkpoint   dyson: `load weights ckpt.npz` (every layer analysed, several at
               once); numpy: the same loads, Gram matrices and eigvalsh, layer by
               layer.
The ratio numpy/dyson > 1 means dyson is faster. Files are float32, as
checkpoints are; written to a temporary folder and removed afterwards.
"""
import argparse
import os
import subprocess
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
dyson = os.environ.get("DYSON", os.path.join(root, ".build/release/dyson"))
ap = argparse.ArgumentParser()
ap.add_argument("--size", type=int, default=4096)
ap.add_argument("--layers", type=int, default=8)
ap.add_argument("--layer-size", type=int, default=1024)
ap.add_argument("--repeat", type=int, default=2)
ap.add_argument("--threads", type=int, default=1,
                help="BLAS threads on both sides (default 1: an OpenBLAS with more threads than free cores spins)")
args = ap.parse_args()
# Read by numpy's OpenBLAS at import, and by dyson for its layer analyses.
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import numpy as np  # noqa: E402


def best(body):
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_dyson(folder, lines):
    script = os.path.join(folder, "bench.dyson")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run([dyson, script], cwd=folder, check=True, capture_output=True)


def eigvalsh_layers(path):
    data = np.load(path)
    arrays = [data] if isinstance(data, np.ndarray) else [data[k] for k in data.files]
    for w in arrays:
        w = w.astype(np.float64)
        if w.shape[0] < w.shape[1]:
            w = w.T
        np.linalg.eigvalsh(w.T @ w)


rng = np.random.default_rng(1)
with tempfile.TemporaryDirectory() as folder:
    n = args.size
    layer = os.path.join(folder, "layer.npy")
    np.save(layer, rng.standard_normal((n, n), dtype=np.float32))
    ckpt = os.path.join(folder, "ckpt.npz")
    m = args.layer_size
    np.savez(ckpt, **{f"layer{k}.weight": rng.standard_normal((m, m), dtype=np.float32) for k in range(args.layers)})

    rows = []
    t_d = best(lambda: run_dyson(folder, ["load weights layer.npy", "powerlaw layer replicas=0", "ratio layer=layer"]))
    t_n = best(lambda: eigvalsh_layers(layer))
    rows.append((f"layer {n}×{n}", t_d, t_n))
    t_d = best(lambda: run_dyson(folder, ["load weights ckpt.npz"]))
    t_n = best(lambda: eigvalsh_layers(ckpt))
    rows.append((f"checkpoint {args.layers}×{m}²", t_d, t_n))

print(f"dyson layer analysis vs numpy {np.__version__} eigvalsh(WᵀW), {args.threads} BLAS thread(s) each, {os.cpu_count()} cores, best of {args.repeat}")
print(f"{'case':<24}{'dyson (all)':>14}{'numpy eigvalsh':>16}{'numpy/dyson':>13}")
for case, d, p in rows:
    print(f"{case:<24}{d:>12.3g} s{p:>14.3g} s{p / d:>12.2f}×")
