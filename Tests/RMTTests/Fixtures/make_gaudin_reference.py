#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes gaudin_reference.json: the exact large-n GOE and GUE spacing density
p(s) = E''(0; s) and CDF F(s) = 1 + E'(0; s), computed independently of dyson's
Chebyshev method: Gauss-Legendre Fredholm determinants (numpy, m = 50 nodes)
differentiated by 7-point finite differences with h = 2e-3 (truncation ~h^6,
round-off ~1e-10). Also Var(s) by quadrature of the GOE density (its small-s
end from the Taylor term p(s) = (pi^2/6) s).

Run from this folder:  python3 make_gaudin_reference.py
"""
import json

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.integrate import quad

X, W = leggauss(50)


def D(s, sign):
    t = s / 2
    x, w = (X + 1) * t / 2, W * t / 2
    a, b = np.meshgrid(x, x, indexing="ij")
    k = np.sinc(a - b) + sign * np.sinc(a + b)
    sw = np.sqrt(w)
    return np.linalg.det(np.eye(len(x)) - sw[:, None] * k * sw[None, :])


E = {1: lambda s: D(s, 1.0), 2: lambda s: D(s, 1.0) * D(s, -1.0)}
h = 2e-3
c1 = np.array([-1, 9, -45, 0, 45, -9, 1]) / 60.0
c2 = np.array([2, -27, 270, -490, 270, -27, 2]) / 180.0


def derivs(f, s):
    v = np.array([f(s + k * h) for k in range(-3, 4)])
    return float(v @ c1 / h), float(v @ c2 / h**2)


out = {}
for beta in (1, 2):
    rows = []
    for s in np.arange(0.25, 4.01, 0.25):
        d1, d2 = derivs(E[beta], s)
        rows.append({"s": float(s), "pdf": d2, "cdf": 1 + d1})
    out[f"beta{beta}"] = rows
# Below s = 0.01 the stencil would leave [0, oo): there p(s) = (pi^2/6) s + O(s^3).
a = np.pi**2 / 6
m1 = quad(lambda s: s * derivs(E[1], s)[1], 0.01, 6, limit=200)[0] + a * 0.01**3 / 3
m2 = quad(lambda s: s * s * derivs(E[1], s)[1], 0.01, 6, limit=200)[0] + a * 0.01**4 / 4
out["goeVariance"] = m2 - m1 * m1
with open("gaudin_reference.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("GOE p(1) =", [r for r in out["beta1"] if r["s"] == 1.0][0]["pdf"], " Var =", out["goeVariance"])
