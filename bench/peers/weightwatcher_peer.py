#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""WeightWatcher against dyson, layer by layer, on the same .npy files.

    pip install weightwatcher        (runs without torch on flat .npy files)
    swift build -c release --product dyson
    python3 bench/peers/weightwatcher_peer.py [FILE.npy ...]

It prints both tools' numbers per layer, then both tools' times on the files.

Without arguments the layers of the last checkpoint of sessions/real-network
(scikit-learn's MLP on the digits data) are written as .npy files in a
temporary folder. WeightWatcher reads them as "flat files" (a folder of
*weight*.npy with its ww_config.json); dyson reads each with `load weights`
and fits its tail with `powerlaw NAME replicas=0`, and `export results` gives
the numbers. Conventions: WeightWatcher's eigenvalues are s² (dyson's are
s²/M), so its x_min is M times dyson's and its `spectral_norm` is s_max²
(dyson's ‖W‖₂ is s_max); α and the stable rank are the same quantities.
For layers with few levels WeightWatcher switches to its "small N" fit, which
may take a tail shorter than dyson's minimum of 10 levels.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
dyson = os.environ.get("DYSON", os.path.join(root, ".build/release/dyson"))

try:
    import weightwatcher as ww
    from weightwatcher.constants import DENSE
except ImportError:
    sys.exit("weightwatcher is not installed: pip install weightwatcher")
logging.disable(logging.WARNING)

with tempfile.TemporaryDirectory() as folder:
    files = sys.argv[1:]
    if not files:
        ckpt = np.load(os.path.join(root, "sessions/real-network/checkpoints/epoch-0160.npz"))
        for k in ckpt.files:
            path = os.path.join(folder, f"{k}.weight.npy")
            np.save(path, ckpt[k].T)  # PyTorch's out × in; the spectrum does not care
            files.append(path)
    flat = os.path.join(folder, "flat")
    os.makedirs(flat)
    layers = {}
    names = []
    for i, f in enumerate(files):
        w = np.load(f)
        name = os.path.splitext(os.path.basename(f))[0]
        names.append(name)
        np.save(os.path.join(flat, f"{name}.weight.npy"), w)
        layers[str(i)] = dict(key=name, name=name, longname=name, weightfile=f"{name}.weight.npy", biasfile=None,
                              type=DENSE, dims=json.dumps(list(w.shape)))
    with open(os.path.join(flat, "ww_config.json"), "w") as out:
        json.dump(dict(name="peer", weights_dir=flat, layers=layers), out)
    t0 = time.perf_counter()
    df = ww.WeightWatcher(model=flat).analyze()
    ww_seconds = time.perf_counter() - t0

    script = []
    for f, name in zip(files, names):
        script += [f"load weights {os.path.abspath(f)} as={name}", f"powerlaw {name} of={name} replicas=0"]
    results = os.path.join(folder, "results.json")
    script.append(f"export results {results}")
    with open(os.path.join(folder, "peer.dyson"), "w") as out:
        out.write("\n".join(script) + "\n")
    t0 = time.perf_counter()
    subprocess.run([dyson, os.path.join(folder, "peer.dyson")], cwd=folder, check=True, capture_output=True)
    dyson_seconds = time.perf_counter() - t0
    records = {r["quantity"]: r["value"] for r in json.load(open(results))}

print(f"WeightWatcher {ww.__version__} vs dyson, same .npy files")
print(f"{'layer':<18}{'α ww':>9}{'α dyson':>9}{'x_min ww':>11}{'M·x_min dyson':>15}{'s_max² ww':>11}{'‖W‖₂² dyson':>13}{'srank ww':>10}{'srank dyson':>12}")
for _, row in df.iterrows():
    name = row["name"]
    m = max(row["N"], row["M"])
    a = records.get(f"power-law exponent α of {name}", float("nan"))
    x = records.get(f"x_min of {name}", float("nan")) * m
    s = records.get(f"spectral norm of {name}", float("nan")) ** 2
    r = records.get(f"stable rank of {name}", float("nan"))
    print(f"{name:<18}{row['alpha']:>9.4f}{a:>9.4f}{row['xmin']:>11.4f}{x:>15.4f}{row['spectral_norm']:>11.4f}{s:>13.4f}{row['stable_rank']:>10.4f}{r:>12.4f}")
print(f"time: WeightWatcher analyze() {ww_seconds:.2f} s, dyson (whole process: load, fit, α, export) {dyson_seconds:.2f} s, "
      f"ratio {ww_seconds / dyson_seconds:.1f}× (BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
