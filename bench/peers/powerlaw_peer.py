#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Peer check of `powerlaw`: the same layers fitted by dyson and by the
`powerlaw` package (Alstott, Bullmore, Plenz; what WeightWatcher uses),
side by side. Not a dependency of dyson: `pip install powerlaw` to run it.

    python3 bench/peers/powerlaw_peer.py [--dyson .build/release/dyson]

Each case is written as a .npy layer W; the eigenvalues x = s²/M of WᵀW/M go
to powerlaw.Fit with dyson's conventions: continuous, x_min by the smallest KS
distance among the distinct values leaving at least 10 in the tail
(xmin=(min, 10th largest)), and the exponent unrestricted
(parameter_ranges={'alpha': [1, None]}: powerlaw 2 otherwise caps α at 3 and
fits numerically outside (1.5, 3]). Two differences remain and are printed:
powerlaw's D compares the fitted CDF with the empirical CDF's left limits only,
dyson's with both one-sided limits (the textbook KS distance), so x_min can
differ where two candidates' distances are within 1/n; the column `D(KS)`
recomputes the textbook distance at powerlaw's x_min and α.
"""
import argparse
import os
import re
import subprocess
import tempfile
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import powerlaw  # noqa: E402


def cases(rng):
    """(name, W, what is known) for a few layers."""
    out = []
    n = 600
    for alpha in (2.0, 2.5, 3.5):
        w = np.zeros((n, n))
        # |d| with P(|d| > y) ∝ y^{-2(α-1)}: x = d²/M has density ∝ x^{-α}.
        np.fill_diagonal(w, (1 - rng.random(n)) ** (-1 / (2 * (alpha - 1))))
        out.append((f"pareto{alpha}", w, f"α = {alpha}"))
    out.append(("student", rng.standard_t(2.5, (800, 400)), "t(2.5) entries"))
    g = rng.standard_normal((800, 400)) * 0.5
    out.append(("gaussian", g, "Marchenko–Pastur"))
    w = np.zeros((n, n))
    np.fill_diagonal(w, np.sqrt(rng.exponential(1.0, n)))
    out.append(("exponential", w, "exponential levels"))
    return out


def textbook_ks(x, xmin, alpha):
    t = np.sort(x[x >= xmin])
    n = len(t)
    f = 1 - (t / xmin) ** (1 - alpha)
    i = np.arange(n)
    return max(np.max(f - i / n), np.max((i + 1) / n - f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dyson", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "dyson"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        commands = []
        for name, w, known in cases(rng):
            np.save(os.path.join(tmp, name + ".npy"), w)
            m = max(w.shape)
            x = np.linalg.svd(w, compute_uv=False) ** 2 / m
            x = x[x > 0]
            fit = powerlaw.Fit(x, xmin=(x.min(), np.sort(x)[-10]), parameter_ranges={"alpha": [1, None]}, verbose=False)
            rows.append((name, known, fit.alpha, fit.xmin, int(np.sum(x >= fit.xmin)), fit.D, textbook_ks(x, fit.xmin, fit.alpha)))
            commands += [f"weights {name}.npy", f"powerlaw {name} replicas=100"]
        script = os.path.join(tmp, "session.txt")
        with open(script, "w") as f:
            f.write("\n".join(commands) + "\n")
        text = subprocess.run([args.dyson, "run", script], cwd=tmp, capture_output=True, text=True, check=True).stdout
    alphas = re.findall(r"^α = ([0-9.]+) ± ([0-9.]+)", text, re.M)
    tails = re.findall(r"^x_min = ([0-9.e+-]+)\s+tail (\d+) of \d+ levels\s+KS distance D = ([0-9.e+-]+)", text, re.M)
    print(f"{'layer':<12} {'known':<20} {'powerlaw α':>10} {'x_min':>9} {'tail':>5} {'D':>7} {'D(KS)':>7}   "
          f"{'dyson α':>14} {'x_min':>9} {'tail':>5} {'D':>7}")
    for (name, known, a, xmin, tail, d, dks), (da, de), (dx, dt, dd) in zip(rows, alphas, tails):
        print(f"{name:<12} {known:<20} {a:>10.4f} {xmin:>9.4g} {tail:>5} {d:>7.4f} {dks:>7.4f}   "
              f"{da + ' ± ' + de:>14} {float(dx):>9.4g} {dt:>5} {float(dd):>7.4f}")


if __name__ == "__main__":
    main()
