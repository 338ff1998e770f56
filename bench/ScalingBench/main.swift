// SPDX-License-Identifier: GPL-3.0-or-later
//
// Runs every analysis command and every export on results of two sizes — many
// runs (N and 2N) and many snapshots (M and 2M) — and prints one JSON object
// per line: case, size, seconds. bench/run-scaling.py prints the ratio of the
// two sizes (≈ 2 for linear work, ≈ 4 for quadratic) and the CSV export's rate
// beside numpy's savetxt of the same array (to a file, which is replaced
// atomically and flushed to disk, and to /dev/null: the formatting alone). Run by `make bench-scaling`.
//
//     ScalingBench [--runs N] [--snapshots M] [--only PREFIX]
import Foundation
import Linalg
import Notebook
import RMT

var runs = 50_000, snapshots = 5_000
var only: String?
var args = Array(CommandLine.arguments.dropFirst())
while let flag = args.first {
    args.removeFirst()
    guard let value = args.first else { break }
    args.removeFirst()
    switch flag {
    case "--runs": runs = Int(value) ?? runs
    case "--snapshots": snapshots = Int(value) ?? snapshots
    case "--only": only = value
    default: break
    }
}

let folder = NSTemporaryDirectory() + "dyson-scaling-\(getpid())"
try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }

/// The commands timed on every result (what fails on a model is reported, not fatal).
let analyses = ["spectrum", "spacing", "semicircle", "ratio", "flow", "mp", "show",
                "export spectra s.csv", "export spectra /dev/null", "export spectra s.npy", "export weights w.npy"]

/// Trains `training` after `model` in a fresh notebook, then times each analysis.
@MainActor func measure(_ label: String, size: Int, model: String, training: String) {
    let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: folder)
    for line in [model, training] {
        for r in nb.execute(line) { if case .failure(let e) = r { print("# \(label): \(line): \(e.message)"); return } }
    }
    for line in analyses where only.map({ line.hasPrefix($0) }) ?? true {
        let start = DispatchTime.now().uptimeNanoseconds
        let failure = nb.execute(line).compactMap { r -> String? in if case .failure(let e) = r { return e.message } else { return nil } }.first
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var rows = 0
        if line.hasPrefix("export spectra"), !line.hasSuffix(".npy"), let result = nb.workspace.last {
            rows = result.runCount * result.snapshotSteps.count * result.spectrumSize
        }
        let status = failure.map { "\"refused: \($0.prefix(80).replacingOccurrences(of: "\"", with: "'"))\"" } ?? "\"ok\""
        print("{\"case\": \"\(label): \(line)\", \"size\": \(size), \"seconds\": \(seconds), \"rows\": \(rows), \"status\": \(status)}")
        fflush(nil)
    }
}

/// The KS bootstrap that `spacing` runs: a sample of 10⁶ surmise spacings
/// against the surmise with 500 replicas (each drawn, normalised by its mean
/// and compared), on all cores and on one.
if only == nil || only == "ks" {
    var rng = Xoshiro256StarStar(seed: 3)
    let spacings = WignerSurmise(beta: 1).sample(count: 1_000_000) { rng.nextUniform() }
    /// CPU time of the process (all threads), to tell a loaded machine from a slow bootstrap.
    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    for threads in [ProcessInfo.processInfo.activeProcessorCount, 1] {
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
        let ks = KolmogorovSmirnov.testSpacings(spacings, law: WignerSurmise(beta: 1), replicas: 500, seed: 1, threads: threads)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu = cpuSeconds() - cpuStart
        print("{\"case\": \"ks bootstrap, 1e6 spacings x 500 replicas, \(threads) thread\(threads == 1 ? "" : "s")\", \"seconds\": \(seconds), \"cpu\": \(cpu), \"p\": \(ks.pValue)}")
        fflush(nil)
    }
    if only == "ks" { exit(0) }
}

for k in [1, 2] {
    let r = runs * k
    measure("ts n=2, runs", size: r, model: "model ts n=2", training: "train lr=0.1 batch=16 steps=20 every=10 runs=\(r)")
    measure("rbm n=10, runs", size: r / 10, model: "model rbm n=10", training: "train lr=0.01 batch=16 steps=20 every=10 runs=\(r / 10)")
}
for k in [1, 2] {
    let m = snapshots * k
    measure("ts n=2, snapshots", size: m, model: "model ts n=2", training: "train lr=0.1 batch=16 steps=\(m) every=1 runs=4")
    measure("dbm n=10, snapshots", size: m, model: "model dbm n=10", training: "train lr=0.01 steps=\(m) every=1 runs=2")
}
