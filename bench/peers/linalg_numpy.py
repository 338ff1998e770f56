#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""numpy peer of bench/LinalgBench: the same cases, the same timing method
(repeat until a batch takes >= 0.1 s, best per-call time of 5 batches).
Prints one JSON object per line. Run with OPENBLAS_NUM_THREADS=1 for the
single-threaded comparison (bench/run-linalg.py does)."""
import json
import sys
import time

import numpy as np


def measure(body):
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            body()
        if time.perf_counter() - t0 >= 0.1:
            break
        reps *= 2
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            body()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def report(name, seconds):
    print(json.dumps({"case": name, "seconds": seconds}), flush=True)


only = sys.argv[1] if len(sys.argv) > 1 else None
wanted = lambda name: only is None or name.startswith(only)
rng = np.random.default_rng(1)

for n in (10, 100, 400, 1000):
    if not wanted("eigvalsh"):
        break
    g = rng.standard_normal((n, n)) / np.sqrt(n)
    h = (g + g.T) / np.sqrt(2)
    report(f"eigvalsh n={n}", measure(lambda: np.linalg.eigvalsh(h)))

for n in (16, 100, 1000):
    if not wanted("dgemm"):
        break
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    c = np.empty((n, n))
    report(f"dgemm n={n}", measure(lambda: np.matmul(a, b, out=c)))

if wanted("normals"):
    out = np.empty(10_000_000)
    report("normals 1e7", measure(lambda: rng.standard_normal(out=out)))
    small = np.empty(4096)

    def in_l1():
        for _ in range(10_000_000 // 4096):
            rng.standard_normal(out=small)

    report("normals 1e7 in L1", measure(in_l1) * 10_000_000 / ((10_000_000 // 4096) * 4096))

for n in (2, 10, 16):
    if not wanted("small"):
        break
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    c = np.empty((n, n))
    report(f"small dgemm n={n}", measure(lambda: np.matmul(a, b, out=c)))
