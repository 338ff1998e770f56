#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs bench/ScalingBench (every analysis command and export on results of two
sizes) and prints, per case, the time at each size and their ratio: ≈ 2 when
the work grows linearly with the doubled size, ≈ 4 when it is quadratic. Then
the CSV export's rate beside numpy's savetxt writing the same rows (run, step,
index, value, target) in the same run.

    make bench-scaling                              (builds, then runs this)
    python3 bench/run-scaling.py [--runs N] [--snapshots M] [--only PREFIX]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
load = os.getloadavg()[0]  # other work on the machine slows the bootstrap's threads
out = subprocess.run([os.path.join(root, ".build/release/ScalingBench"), *sys.argv[1:]],
                     cwd=root, check=True, capture_output=True, text=True).stdout
cases = {}
for line in out.splitlines():
    if line.startswith("#"):
        print(line)
        continue
    d = json.loads(line)
    if d["case"].startswith("ks "):
        if load is not None:
            print(f"{'(load average before the run)':<60}{load:>9.2f}")
            load = None
        cpu = f"   (CPU {d['cpu']:.3f} s)" if "cpu" in d else ""
        print(f"{d['case']:<60}{d['seconds']:>9.3f}s   p = {d['p']:.3f}{cpu}")
        continue
    cases.setdefault(d["case"], []).append(d)

if any(line.startswith('{"case": "ks ') for line in out.splitlines()):
    # numpy peer: the same bootstrap, vectorised (draw by inversion, sort, D
    # against the surmise at the replica's mean), timed on 10 replicas.
    import numpy as np
    rng = np.random.default_rng(1)
    n, replicas = 1_000_000, 10
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(replicas):
        s = np.sort(np.sqrt(-4 / np.pi * np.log1p(-rng.random(n))))
        f = -np.expm1(-np.pi * (s / s.mean()) ** 2 / 4)
        i = np.arange(n)
        d = max((f - i / n).max(), ((i + 1) / n - f).max())
    seconds = (time.perf_counter() - start) * 500 / replicas
    cpu = (time.process_time() - cpu) * 500 / replicas
    print(f"{'numpy, the same bootstrap (10 replicas timed, x 50)':<60}{seconds:>9.3f}s   (CPU {cpu:.3f} s)")
    print()

print(f"{'case':<46}{'size':>8}{'time':>10}{'size':>8}{'time':>10}{'ratio':>8}")
for case, (a, b) in ((c, v) for c, v in cases.items() if len(v) == 2):
    status = "" if a["status"] == "ok" else "  (" + a["status"][:50] + ")"
    ratio = b["seconds"] / a["seconds"] if a["seconds"] > 0 else float("nan")
    print(f"{case:<46}{a['size']:>8}{a['seconds']:>9.3f}s{b['size']:>8}{b['seconds']:>9.3f}s{ratio:>7.2f}×{status}")

print()
for target in ("s.csv", "/dev/null"):
    csv = [d for v in cases.values() for d in v if d["case"].endswith("export spectra " + target) and d["rows"] > 0]
    if not csv:
        continue
    import numpy as np
    big = max(csv, key=lambda d: d["rows"])
    rows = big["rows"]
    rng = np.random.default_rng(1)
    a = np.column_stack([np.arange(rows) % 1000, np.arange(rows) // 1000, np.arange(rows) % 10,
                         rng.random(rows) * 5, np.full(rows, 2.0)])
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        np.savetxt(os.path.join(d, "s.csv") if target == "s.csv" else target, a, delimiter=",",
                   header="run,step,index,value,target", comments="")
        seconds = time.perf_counter() - start
    dyson_rate, numpy_rate = rows / big["seconds"], rows / seconds
    print(f"CSV export to {target} of {rows} rows ({big['case'].split(':')[0]}): dyson {big['seconds']:.3f} s = {dyson_rate:.3g} rows/s, "
          f"numpy savetxt {seconds:.3f} s = {numpy_rate:.3g} rows/s, ratio {dyson_rate / numpy_rate:.1f}×")
