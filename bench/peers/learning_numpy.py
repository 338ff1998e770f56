#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""numpy peer of bench/LearningBench: the same algorithms (docs/theory.md), vectorised
over the runs of an ensemble the way a competent numpy user would write them:
batched matmul with preallocated outputs, normals drawn in bulk with out=.

Prints one JSON object per line: case, seconds, run-steps per second and the same
physics check value as dyson prints. A step-count scale factor (--fraction) lets
slow cases run shorter; rates are per run-step, so they stay comparable.
"""
import argparse
import json
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("only", nargs="?")
ap.add_argument("--fraction", type=float, default=1.0, help="run this fraction of the steps")
args = ap.parse_args()
wanted = lambda name: args.only is None or name.startswith(args.only)


def report(name, seconds, run_steps, check):
    print(json.dumps({"case": name, "seconds": seconds, "run_steps_per_second": run_steps / seconds,
                      "threads": 1, "check": float(check)}), flush=True)


def haar(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def teacher_student(n=2, lr=0.1, eps=0.1, batch=16, batches=500, steps=5000, runs=3000, init=0.1, seed=1):
    rng = np.random.default_rng(seed)
    o = haar(n, rng)
    wt = o @ np.diag(np.full(n, 2.0)) @ o.T
    x = rng.standard_normal((batches, batch, n))                   # shared data
    c = np.einsum("jbi,jbk->jik", x, x) / batch                    # C_j
    p = wt @ c                                                     # W_t C_j
    w = init * rng.standard_normal((runs, n, n))
    g = rng.standard_normal((runs, batches, n, n)) * (eps / np.sqrt(batch))
    a = (g + np.swapaxes(g, -1, -2)) / np.sqrt(2)                  # ā_j: off-diag ε²/|B|, diag 2ε²/|B|
    t = np.empty_like(w)
    for step in range(steps):
        j = step % batches
        np.matmul(w, c[j], out=t)
        t -= p[j]
        t -= a[:, j]
        t *= lr
        w -= t
    s = np.linalg.svd(w, compute_uv=False)                         # descending
    return np.mean(s[:, 0] - s[:, 1])


def rbm(n=10, mu=3.0, mass=2.0, sigma_h=1.0, k=3, init=0.1, lr=0.01, batch=16, steps=20000, runs=200, seed=1):
    rng = np.random.default_rng(seed)
    kphi = (mass**2 + 2) * np.eye(n) - np.roll(np.eye(n), 1, axis=1) - np.roll(np.eye(n), -1, axis=1)
    kinv = np.linalg.inv(kphi)
    w = init * rng.standard_normal((runs, n, n))
    phi = np.ones((runs, batch, n))
    h = np.empty_like(phi)
    noise = np.empty_like(phi)
    tmp = np.empty_like(phi)
    c = np.empty((runs, n, n))
    g = np.empty((runs, n, n))
    for _ in range(steps):
        wt = np.swapaxes(w, -1, -2)
        for _ in range(k):
            rng.standard_normal(out=noise)
            np.matmul(phi, wt, out=h)                              # h | φ ~ N(σ_h² W φ, σ_h²)
            h *= sigma_h**2
            h += sigma_h * noise
            rng.standard_normal(out=noise)
            np.matmul(h, w, out=tmp)                               # φ | h ~ N(Wᵀh/μ², 1/μ²)
            np.multiply(tmp, 1 / mu**2, out=phi)
            phi += noise / mu
        np.matmul(np.swapaxes(phi, -1, -2), phi, out=c)
        c /= batch
        np.subtract(kinv, c, out=c)
        np.matmul(w, c, out=g)
        g *= lr * sigma_h**2
        w += g
    s = np.linalg.svd(w, compute_uv=False)
    return np.mean(np.sum(s**2, axis=1))


if wanted("ts"):
    t0 = time.perf_counter()
    check = teacher_student()
    report("ts n=2 3000 runs x 5000 steps", time.perf_counter() - t0, 3000 * 5000, check)

if wanted("rbm-ensemble"):
    steps = int(20000 * args.fraction)
    t0 = time.perf_counter()
    check = rbm(steps=steps)
    report("rbm n=10 200 runs x 2e4 steps, 1 thread", time.perf_counter() - t0, 200 * steps, check)

if wanted("rbm-large"):
    steps = int(10000 * args.fraction)
    t0 = time.perf_counter()
    check = rbm(n=100, batch=32, steps=steps, runs=1)
    report("rbm n=100 1 run x 1e4 steps", time.perf_counter() - t0, steps, check)
