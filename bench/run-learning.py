#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs dyson's trainer benchmark and its numpy peer in one go and prints, per
case, both times, both rates in run-steps per second and the ratio. numpy runs
single-threaded (OPENBLAS_NUM_THREADS=1; it has no run-level parallelism); dyson
runs on all cores unless the case says one thread. The slow numpy RBM cases run
a fraction of the steps (rates are per run-step, so they stay comparable).

    make bench-learning            (builds, then runs this)
    python3 bench/run-learning.py [case-prefix]
"""
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
only = sys.argv[1:2]
env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def run(cmd):
    out = subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    return {d["case"]: d for d in map(json.loads, filter(None, out.splitlines()))}


dyson = run([os.path.join(root, ".build/release/LearningBench"), *only])
numpy = {}
fractions = {}
for case, fraction in (("ts", 1.0), ("rbm-ensemble", 0.05), ("rbm-large", 0.3)):
    if only and not case.startswith(only[0]):
        continue
    part = run([sys.executable, os.path.join(root, "bench/peers/learning_numpy.py"), case, "--fraction", str(fraction)])
    numpy.update(part)
    fractions.update({name: fraction for name in part})

print(f"{'case':<44}{'dyson':>10}{'numpy':>10}{'dyson rate':>14}{'numpy rate':>14}{'ratio':>8}")
for case, d in dyson.items():
    p = numpy.get(case) or numpy.get(case.replace(", all cores", ", 1 thread"))
    rate = lambda r: f"{r:.3g}/s"
    if p:
        ratio = d["run_steps_per_second"] / p["run_steps_per_second"]
        numpy_time = 0 if p is None else p["seconds"] / (p["run_steps_per_second"] * p["seconds"]) * (d["run_steps_per_second"] * d["seconds"])
        print(f"{case:<44}{d['seconds']:>9.3f}s{numpy_time:>9.2f}s{rate(d['run_steps_per_second']):>14}{rate(p['run_steps_per_second']):>14}{ratio:>7.1f}×")
    else:
        print(f"{case:<44}{d['seconds']:>9.3f}s{'—':>10}{rate(d['run_steps_per_second']):>14}{'—':>14}{'—':>8}")
print()
print("numpy time is extrapolated to the full step count from its measured rate;")
print("check values (same physics, different random numbers; where numpy ran a fraction")
print("of the steps its value is at that earlier time, so only the full-length ones compare):")
for case, d in dyson.items():
    name = case if case in numpy else case.replace(", all cores", ", 1 thread")
    p = numpy.get(name)
    if p is None:
        print(f"  {case:<44} dyson {d['check']:.5g}")
        continue
    f = fractions.get(name, 1.0)
    when = "" if f == 1.0 else f"  (numpy after {f:g} of the steps)"
    print(f"  {case:<44} dyson {d['check']:.5g}   numpy {p['check']:.5g}{when}")
