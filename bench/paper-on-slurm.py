#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the paper costs at its authors' statistics, measured on this machine.

1. Per-run-step cost of every setting of sessions/paper-on-slurm.dyson (the paper's
   n = 2 teacher-student and n = 10 Gaussian RBM; the cost depends on the model and
   the batch size only): the CPU seconds of a short training less those of the same
   training for one step, per run-step (CPU time, so a busy machine counts less).
2. With a Slurm answering (scripts/with-slurm python3 bench/paper-on-slurm.py), the
   overhead per array task: a job of TASKS one-step tasks is submitted with dyson's
   submit; the time from submission to the first shard, and the core-seconds per task
   that the whole array took beyond its (negligible) training.
3. The table README's cluster section shows: per setting its runs x steps, cost, and
   core-hours; the total; the wall time on 1, 10 and 100 nodes of this machine's size
   (cores per node = this machine's), tasks spread evenly, overhead included.

    swift build -c release --product dyson
    scripts/with-slurm python3 bench/paper-on-slurm.py
"""
import glob
import heapq
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
dyson = os.path.join(root, ".build/release/dyson")
cores = os.cpu_count() or 1
TASKS = 20

# The trainings of sessions/paper-on-slurm.dyson at the authors' statistics: model, lr, batch, runs, steps.
# The scans: fourteen teacher-student settings (noise 0.05...0.1 at lr 0.1, |B| 16; lr 0.2...0.5; |B| 4, 8, 32, 64)
# and eleven RBM ones (lr 0.01...0.1 at |B| 16; |B| 4...64 at lr 0.1); then the three single trainings of
# each model that the spacing and density figures use.
ts = [("ts n=2", 0.1, 16, 3000, 5000)] * 6
ts += [("ts n=2", lr, 16, 3000, 5000) for lr in (0.2, 0.3, 0.4, 0.5)]
ts += [("ts n=2", 0.1, b, 3000, 5000) for b in (4, 8, 32, 64)]
ts += [("ts n=2", 0.1, 16, 3000, 5000)] * 3
rbm = [("rbm n=10", lr, 16, 7500, 100_000) for lr in (0.01, 0.02, 0.04, 0.06, 0.08, 0.1)]
rbm += [("rbm n=10", 0.1, b, 7500, 100_000) for b in (4, 8, 16, 32, 64)]
rbm += [("rbm n=10", lr, 16, 7500, 100_000) for lr in (0.01, 0.04, 0.08)]


def run_script(lines, folder):
    path = os.path.join(folder, "s%d.dyson" % time.monotonic_ns())
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([dyson, "--seed", "1", "--note", path[:-6] + ".md", path], cwd=folder,
                       capture_output=True, text=True, env=dict(os.environ, DYSON_SLURM_CONFIG="/nonexistent"))
    if r.returncode != 0:
        sys.exit("dyson failed:\n" + r.stdout + r.stderr)
    return r.stdout


def cpu_seconds(lines, folder):
    """CPU seconds (user + system) dyson spent on a script."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_script(lines, folder)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cost(model, batch, folder):
    """Core-seconds per run-step of `model` at `batch`: the CPU time of a training
    less that of the same training for one step (start-up, data, noise), per run-step.
    CPU time, not wall time, so that other work on the machine does not count."""
    runs, steps = (400, 2_000_000) if model.startswith("ts") else (cores, 4_000_000 // batch)
    train = "train lr=0.01 batch=%d steps=%d runs=%d every=%d"
    long = cpu_seconds(["model " + model, train % (batch, steps, runs, steps)], folder)
    short = cpu_seconds(["model " + model, train % (batch, 1, runs, 1)], folder)
    return (long - short) / (runs * (steps - 1))


def overhead(folder):
    """Seconds from submission to the first shard, and core-seconds per task of a job of TASKS one-step tasks."""
    if subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True).stdout.strip() not in ("idle", "mix"):
        return None
    start = time.time()
    run_script(["model dbm n=2", "submit lr=0.01 steps=1 runs=%d shards=%d time=5 as=o seed=1" % (TASKS, TASKS)], folder)
    shards = os.path.join(folder, "jobs/o/shards")
    while len(glob.glob(shards + "/task-*.shard")) < TASKS:
        if time.time() - start > 600:
            sys.exit("the overhead job did not finish in 10 minutes")
        time.sleep(0.05)
    ends = sorted(os.stat(p).st_mtime for p in glob.glob(shards + "/task-*.shard"))
    return ends[0] - start, (ends[-1] - start) * cores / TASKS


def hours(s):
    return "%.0f h" % (s / 3600) if s >= 36_000 else "%.1f h" % (s / 3600) if s >= 360 else "%.0f min" % (s / 60)


def main():
    folder = tempfile.mkdtemp(prefix="dyson-paper-cost-")
    costs = {}
    for model, _, batch, _, _ in ts + rbm:
        if (model, batch) not in costs:
            costs[model, batch] = cost(model, batch, folder)
    measured = overhead(folder)
    per_task = measured[1] if measured else 0.0
    print("machine: %d cores, load average %.1f; %s" % (cores, os.getloadavg()[0], subprocess.run([dyson, "--version"], capture_output=True, text=True).stdout.strip()))
    if measured:
        print("overhead: first shard %.2f s after submission; %d one-step tasks took %.2f core-s each" % (measured[0], TASKS, per_task))
    else:
        print("overhead: no Slurm answers here (run under scripts/with-slurm); not included")
    print()
    print("| settings | runs × steps each | core-µs per run-step | core-hours |")
    print("|---|---|---|---|")
    for name, group in (("teacher–student n = 2", ts), ("Gaussian RBM n = 10", rbm)):
        by_batch = {}
        for model, lr, batch, runs, steps in group:
            by_batch.setdefault(batch, []).append((model, runs, steps))
        for batch, items in sorted(by_batch.items()):
            model, runs, steps = items[0]
            c = costs[model, batch]
            core_seconds = len(items) * runs * steps * c
            print("| %s, \\|B\\| = %d: %d training%s | %d × %d | %.3g | %.3g |" % (
                name, batch, len(items), "" if len(items) == 1 else "s", runs, steps, c * 1e6, core_seconds / 3600))
    # Each training in tasks of about 20 minutes of work, as submit's default makes them, each
    # task with the measured overhead; the tasks spread over the cores longest first.
    task_seconds = []
    for model, lr, batch, runs, steps in ts + rbm:
        work = runs * steps * costs[model, batch]
        shards = max(1, min(runs, 1000, math.ceil(work / 1200)))
        task_seconds += [work / shards + per_task] * shards
    total_with_overhead = sum(task_seconds)
    print("| **all %d trainings**, in %d tasks (overhead included) | | | **%.1f** |" % (len(ts) + len(rbm), len(task_seconds), total_with_overhead / 3600))
    print()
    print("| nodes (%d cores each) | wall time |" % cores)
    print("|---|---|")
    for nodes in (1, 10, 100):
        busy = [0.0] * (nodes * cores)
        heapq.heapify(busy)
        for t in sorted(task_seconds, reverse=True):
            heapq.heappush(busy, heapq.heappop(busy) + t)
        print("| %d | %s |" % (nodes, hours(max(busy))))
    print()
    print(json.dumps({"costs": {"%s |B|=%d" % k: v for k, v in costs.items()}, "overhead": measured, "core_hours": total_with_overhead / 3600}))


main()
