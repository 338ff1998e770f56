#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes reference.json: matrices and their spectra computed independently with
numpy/scipy (scipy.linalg uses LAPACK's dsyevr / dgesdd from its own OpenBLAS build;
the symmetric eigenvalues are cross-checked against mpmath at 30 digits).

Run from this folder:  python3 make_reference.py
"""
import json

import mpmath
import numpy as np
import scipy.linalg

mpmath.mp.dps = 30
rng = np.random.default_rng(20261129)
cases = {"symmetric": [], "singular": [], "spd": []}


def mp_eigvalsh(a):
    m = mpmath.matrix(a.tolist())
    e = mpmath.eigsy(m, eigvals_only=True)
    return sorted(float(x) for x in e)


for n in (1, 2, 3, 5, 10, 16):
    g = rng.standard_normal((n, n))
    h = (g + g.T) / 2
    ref = scipy.linalg.eigvalsh(h, driver="evr")
    hi = mp_eigvalsh(h)
    assert np.allclose(ref, hi, rtol=0, atol=1e-13), (ref, hi)
    cases["symmetric"].append({"n": n, "matrix": h.ravel().tolist(), "eigenvalues": hi})

for (m, n) in ((1, 4), (3, 3), (4, 7), (7, 4), (10, 10), (12, 5)):
    w = rng.standard_normal((m, n))
    s = scipy.linalg.svdvals(w)  # descending
    x = mp_eigvalsh(w.T @ w) if n <= m else mp_eigvalsh(w @ w.T)
    assert np.allclose(np.sort(s**2), x, rtol=1e-11, atol=1e-12)
    cases["singular"].append({"rows": m, "cols": n, "matrix": w.ravel().tolist(), "singularValues": s.tolist()})

for n in (1, 4, 9):
    g = rng.standard_normal((n, n))
    a = g @ g.T + n * np.eye(n)
    inv = scipy.linalg.inv(a)
    cases["spd"].append({"n": n, "matrix": a.ravel().tolist(), "inverse": inv.ravel().tolist()})

with open("reference.json", "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
print("wrote reference.json:", {k: len(v) for k, v in cases.items()})
