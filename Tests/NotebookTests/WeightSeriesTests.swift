// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import Notebook
import RMT
import Testing
import Weights

/// `load weights` for one file and for a checkpoint series, `flow` over the
/// series (a spike that grows through the BBP threshold detaches where theory
/// puts it), and `export weights FILE.safetensors` read back by dyson and by
/// Python's `safetensors` package.
@Suite("Weight series and safetensors export")
struct WeightSeriesTests {
    static func write(_ data: Data, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func loadWeightsIsWeightsAndIsRecordedSo() throws {
        let (nb, dir) = try makeSession(seed: 4)
        try Self.write(WeightsCommandTests.spikedLayer(rows: 300, cols: 100, t: 2, seed: 3), dir + "/w.npy")
        let a = nb.run("weights w.npy as=a"), b = nb.run("load weights w.npy as=b")
        // Equal up to the rounding of a threaded BLAS (its sums depend on the thread count).
        #expect(a.records.count == b.records.count && !a.records.isEmpty)
        for (x, y) in zip(a.records, b.records) { #expect(x.quantity == y.quantity && abs(x.value - y.value) <= 1e-9 * max(1, abs(y.value))) }
        #expect(b.recordedPositional == ["weights", "w.npy"])
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("\nload weights w.npy as=b\n"))
        #expect(nb.fail("load weights")?.message.contains("needs a file") == true)
        #expect(nb.fail("load note.md name=x")?.message.contains("name= is for weights") == true)
        #expect(nb.fail("load weights w.npy only=scans") != nil)
    }

    /// Three checkpoints of a 400 × 200 layer (γ = ½, BBP threshold γ^¼ ≈ 0.84)
    /// whose spike grows: t = 0, 0.5 (below: no outlier), 3 (above: one, at the
    /// BBP location). Named so that name order is not step order.
    func series(in dir: String) throws {
        for (step, t) in [(2, 0.0), (10, 0.5), (100, 3.0)] {
            try Self.write(WeightsCommandTests.spikedLayer(rows: 400, cols: 200, t: t, seed: 7), dir + "/ckpt/model-step\(step).npy")
        }
    }

    @Test func aSeriesIsOrderedByStepAndFlowSeesTheSpikeDetach() throws {
        let (nb, dir) = try makeSession(seed: 4)
        try series(in: dir)
        let out = nb.run("load weights ckpt/ as=run")
        #expect(out.lines[0].contains("a series of 3 checkpoints, ordered by the step in the file name"))
        let series = try #require(nb.workspace.weightSeries["run"])
        #expect(series.steps == [2, 10, 100] && series.byStep)
        #expect(nb.workspace.weightSets["run@10"] != nil && nb.workspace.lastWeights == "run@100")

        let flow = nb.run("flow of=run")
        let outliers = flow.records.filter { $0.quantity.hasPrefix("outliers above the MP edge of model-step") }
        // Layer names come from the file (model-step2, …): one layer per checkpoint here.
        #expect(outliers.count == 3)
        #expect(outliers.map(\.value) == [0, 0, 1], "\(outliers.map(\.value))")
        let top = try #require(flow.records.first { $0.quantity == "largest level of model-step100 at step 100" })
        let sigma2 = 0.25, gamma = 0.5
        let predicted = SpikedWishart.outlierLocation(strength: 3, variance: sigma2, ratio: gamma)
        // The outlier fluctuates by O(M^{−1/2}) around its location: 5 % covers it.
        #expect(abs(top.value / predicted - 1) < 0.05, "x₁ = \(top.value), BBP \(predicted)")
        #expect(flow.figures.count == 4)  // one per layer name (3) + α
    }

    @Test func aGlobIsASeriesAndNamesWithoutStepsKeepNameOrder() throws {
        let (nb, dir) = try makeSession(seed: 4)
        try series(in: dir)
        let out = nb.run("load weights ckpt/model-step1*.npy")
        #expect(out.lines[0].contains("a series of 2 checkpoints"))
        #expect(nb.workspace.weightSeries["ckpt"]?.steps == [10, 100])
        for name in ["b.npy", "a.npy"] {
            try Self.write(WeightsCommandTests.spikedLayer(rows: 40, cols: 20, t: 0, seed: 1), dir + "/plain/" + name)
        }
        nb.run("load weights plain/ as=p")
        let p = try #require(nb.workspace.weightSeries["p"])
        #expect(!p.byStep && p.steps == [0, 1] && p.sets.map(\.file) == ["plain/a.npy", "plain/b.npy"])
        #expect(nb.fail("load weights nothing/*.npy")?.message.contains("not a folder") == true)
        #expect(nb.fail("load weights ckpt/*.npz")?.message.contains("nothing in ckpt matches") == true)
        #expect(LoadWeights.step(in: "run3-step0200.npz") == 200 && LoadWeights.step(in: "final.safetensors") == nil)
        // A folder holding model.safetensors.index.json is one (sharded) checkpoint, slash or not.
        try FileManager.default.copyItem(atPath: WeightsCommandTests.fixtures + "/sharded", toPath: dir + "/sharded")
        let sharded = nb.run("load weights sharded/ as=s")
        #expect(nb.workspace.weightSeries["s"] == nil && nb.workspace.weightSets["s"] != nil, "\(sharded.lines)")
    }

    @Test func aNoteWithASeriesReplays() throws {
        let (nb, dir) = try makeSession(seed: 4)
        try series(in: dir)
        nb.run("load weights ckpt/ as=run")
        nb.run("flow of=run")
        nb.run("ratio layer=model-step2 of=run@2")
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.entries.count == 3)
        #expect(report.ok, "\(report.mismatches)")
    }

    /// A training's final weights written as .safetensors and read back, by
    /// dyson's reader (bit for bit) and by Python's safetensors (skipped
    /// without it).
    @Test func exportedSafetensorsOpenInDysonAndInPython() throws {
        let (nb, dir) = try makeSession(seed: 4)
        nb.run("model ts n=3")
        nb.run("train lr=0.1 batch=16 steps=200 runs=2")
        nb.run("export weights w.safetensors")
        let r = try #require(nb.workspace.last)
        let file = try WeightFile.open(dir + "/w.safetensors")
        #expect(file.tensors.map(\.name).sorted() == ["run.0.weight", "run.1.weight"])
        let size = r.weightRows * r.weightCols
        for (k, run) in r.runIndices.enumerated() {
            let t = try #require(file.tensors.first { $0.name == "run.\(run).weight" })
            #expect(t.shape == [r.weightRows, r.weightCols])
            #expect(try t.values() == Array(r.finalWeights[(k * size)..<((k + 1) * size)]))
        }
        // Loaded layers go out under their names, as the matrices analysed.
        try Self.write(WeightsCommandTests.spikedLayer(rows: 30, cols: 20, t: 0, seed: 1), dir + "/l.npy")
        nb.run("load weights l.npy")
        nb.run("export weights l.safetensors of=l")
        let back = try WeightFile.open(dir + "/l.safetensors")
        let original = try WeightFile.open(dir + "/l.npy")
        #expect(try back.tensors[0].values() == original.tensors[0].values() && back.tensors[0].name == "l")

        let script = """
        import sys
        try:
            from safetensors.numpy import load_file
        except ImportError:
            sys.exit(77)
        t = load_file(sys.argv[1])
        print(" ".join(f"{k}:{'x'.join(map(str, v.shape))}:{v.dtype}:{v.sum()!r}" for k, v in sorted(t.items())))
        """
        guard let python = Self.python(script, arguments: [dir + "/w.safetensors"]) else {
            Swift.print("skipped: python3 with safetensors is not available")
            return
        }
        let expected = r.runIndices.enumerated().map { k, run in
            "run.\(run).weight:\(r.weightRows)x\(r.weightCols):float64:\(r.finalWeights[(k * size)..<((k + 1) * size)].reduce(0, +))"
        }
        let got = python.split(separator: " ").map(String.init)
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) {
            // numpy sums pairwise: the sums agree to rounding, names, shapes and types exactly.
            let gp = g.split(separator: ":"), ep = e.split(separator: ":")
            #expect(gp.prefix(3) == ep.prefix(3), "\(g) vs \(e)")
            if let a = Double(gp[3]), let b = Double(ep[3]) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b))) }
        }
    }

    /// Runs `python3 -c script`; nil when python3 or the module is missing (exit 77).
    static func python(_ script: String, arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
