#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs dyson's Linalg benchmark and its numpy peer in one go, single-threaded, and
prints each pair with the ratio numpy/dyson (> 1 means dyson is faster).

    make bench-linalg            (builds, then runs this)
    python3 bench/run-linalg.py [case-prefix]
"""
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
extra = sys.argv[1:]


def run(cmd):
    out = subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    return {d["case"]: d["seconds"] for d in map(json.loads, filter(None, out.splitlines()))}


dyson = run([os.path.join(root, ".build/release/LinalgBench"), *extra])
numpy = run([sys.executable, os.path.join(root, "bench/peers/linalg_numpy.py"), *extra])

import numpy as np  # noqa: E402  (only for the version line)

core = os.environ.get("OPENBLAS_CORETYPE", "auto")
print(f"Linalg vs numpy {np.__version__}, one thread each, OPENBLAS_CORETYPE={core}")
print(f"{'case':<22}{'dyson':>12}{'numpy':>12}{'numpy/dyson':>13}")


def fmt(s):
    if s is None:
        return "—"
    for unit, f in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= f:
            return f"{s / f:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


for case, t in dyson.items():
    if case.startswith("small"):
        continue
    # numpy has one generator: the lanes cases are compared with its normals too.
    p = numpy.get(case) or numpy.get(case.removeprefix("lanes "))
    ratio = f"{p / t:.2f}×" if p else "—"
    print(f"{case:<22}{fmt(t):>12}{fmt(p):>12}{ratio:>13}")

print()
print("small products in a loop: dyson's loop kernel vs a dgemm call (and numpy's a @ b)")
print(f"{'n':<6}{'loop':>10}{'dgemm':>10}{'dgemm/loop':>12}{'numpy @':>10}")
for n in (2, 10, 16):
    loop, blas = dyson.get(f"small loop n={n}"), dyson.get(f"small dgemm n={n}")
    if loop is None:
        continue
    print(f"{n:<6}{fmt(loop):>10}{fmt(blas):>10}{blas / loop:>11.1f}×{fmt(numpy.get(f'small dgemm n={n}')):>10}")
