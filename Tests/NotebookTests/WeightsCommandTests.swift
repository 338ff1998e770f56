// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import Notebook
import Testing

/// `weights FILE` and `layer NAME`: a network's layers read from files numpy
/// and safetensors wrote, listed with their spectra, one analysed in detail;
/// errors that say what to type; a note that replays.
@Suite("Weights commands")
struct WeightsCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("WeightsTests/Fixtures").path

    /// A session in a temporary folder holding a copy of `files` from the fixtures.
    func session(copying files: [String] = []) throws -> (Notebook, String) {
        let (nb, dir) = try makeSession(seed: 4)
        for f in files { try FileManager.default.copyItem(atPath: Self.fixtures + "/" + f, toPath: dir + "/" + f) }
        return (nb, dir)
    }

    /// W = G/√M·σ + σ·t·u vᵀ scaled as LayerSpectrumTests does, as a .npy (rows × cols, float64).
    static func spikedLayer(rows: Int, cols: Int, t: Double, seed: UInt64) -> Data {
        var rng = Xoshiro256StarStar(seed: seed)
        var w = RandomMatrices.gaussian(rows: rows, cols: cols, sd: 0.5, using: &rng)
        let u = (0..<rows).map { _ in rng.nextNormal() }, v = (0..<cols).map { _ in rng.nextNormal() }
        let nu = u.reduce(0) { $0 + $1 * $1 }.squareRoot(), nv = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scale = Double(max(rows, cols)).squareRoot() * 0.5 * t
        for i in 0..<rows { for j in 0..<cols { w.elements[i * cols + j] += scale * u[i] / nu * v[j] / nv } }
        return NumpyArray.encode(w.elements, shape: [rows, cols])
    }

    @Test func anArchiveIsListedLayerByLayer() throws {
        let (nb, _) = try session(copying: ["stored.npz"])
        let out = nb.run("weights stored.npz")
        #expect(out.lines[0] == "stored.npz (npz): 6 tensors — 4 layers, 1 vector (biases) not analysed, 1 skipped")
        for name in ["fc1.weight", "conv.weight", "head", "half"] { #expect(out.lines.contains { $0.hasPrefix("  \(name) ") }, "\(name)") }
        #expect(out.lines.contains { $0.hasPrefix("  conv.weight ") && $0.contains("4×2×3×3") && $0.contains("18×4") })
        #expect(out.lines.contains { $0.hasPrefix("skipped: steps (integer elements") })
        let set = try #require(nb.workspace.weightSets["stored"])
        #expect(set.layers.map(\.name) == ["fc1.weight", "conv.weight", "head", "half"])
        #expect(nb.workspace.lastWeights == "stored")
        #expect(out.records.contains { $0.quantity == "stable rank of fc1.weight" })
        // name= picks, as= names.
        let picked = nb.run("weights stored.npz name=fc1.* as=w")
        #expect(picked.lines[0].hasPrefix("stored.npz (npz): 2 tensors matching fc1.* — 1 layer, 1 vector"))
        #expect(nb.workspace.weightSets["w"]?.layers.map(\.name) == ["fc1.weight"])
        #expect(nb.run("layer fc1.weight of=stored").lines[0].hasPrefix("fc1.weight of stored.npz: 5×3 <f4"))
    }

    @Test func aSpikedLayerShowsItsOutlierWhereTheoryPutsIt() throws {
        let (nb, dir) = try session()
        try Self.spikedLayer(rows: 200, cols: 400, t: 2, seed: 9).write(to: URL(fileURLWithPath: dir + "/spiked.npy"))
        nb.run("weights spiked.npy")
        let out = nb.run("layer")
        #expect(out.lines[0].hasPrefix("spiked of spiked.npy: 200×400 <f8 as a 200×400 matrix; M×N = 400×200, γ = N/M = 0.5000"))
        let outliers = try #require(out.lines.first { $0.hasPrefix("outliers: 1: ") })
        // (1 + t²)(γ + t²)/t² σ² = 5·4.5/4·0.25 = 1.406; t read back near 2.
        let x = try #require(Double(outliers.dropFirst("outliers: 1: ".count).prefix { $0 != " " }))
        #expect(abs(x - 1.406) < 0.1, "\(outliers)")
        #expect(out.figures.count == 1)
        #expect(out.records.contains { $0.quantity == "outliers above the MP edge of spiked" && $0.value == 1 })
        // Below the threshold (t = 0.5 < γ^¼): none.
        try Self.spikedLayer(rows: 400, cols: 200, t: 0.5, seed: 9).write(to: URL(fileURLWithPath: dir + "/weak.npy"))
        nb.run("weights weak.npy")
        #expect(nb.run("layer weak").lines.contains { $0.hasPrefix("outliers: none") })
    }

    @Test func safetensorsAndShardedCheckpoints() throws {
        let (nb, dir) = try session(copying: ["mixed.safetensors", "bf16.safetensors"])
        try FileManager.default.copyItem(atPath: Self.fixtures + "/sharded", toPath: dir + "/sharded")
        let mixed = nb.run("weights mixed.safetensors")
        #expect(mixed.lines[0] == "mixed.safetensors (safetensors): 5 tensors — 3 layers, 1 vector (biases) not analysed, 1 skipped")
        #expect(mixed.lines.contains { $0.hasPrefix("skipped: position_ids (I64 elements") })
        #expect(nb.run("weights bf16.safetensors").lines.contains { $0.hasPrefix("  w.bf16 ") && $0.contains("BF16") })
        let sharded = nb.run("weights sharded")
        #expect(sharded.lines[0].hasPrefix("sharded (sharded safetensors): 3 tensors — 2 layers, 1 vector"))
        #expect(sharded.lines.contains { $0.hasPrefix("  model.embed.weight ") && $0.contains("6×3") })
    }

    @Test func errorsSayWhatToTypeInstead() throws {
        let (nb, dir) = try session(copying: ["stored.npz", "bias.npy"])
        #expect(nb.fail("layer")?.suggestion?.contains("weights FILE") == true)
        #expect(nb.fail("weights missing.npz")?.message == "missing.npz: no such file")
        #expect(nb.fail("weights stored.npz name=nothing*")?.suggestion?.contains("fc1.weight") == true)
        #expect(nb.fail("weights bias.npy")?.message.contains("has no matrices: 1 vector") == true)
        nb.run("weights stored.npz")
        #expect(nb.fail("layer")?.suggestion?.hasPrefix("layer fc1.weight") == true)
        #expect(nb.fail("layer fc1.weigth")?.suggestion == "did you mean layer fc1.weight?")
        #expect(nb.fail("layer fc1.weight of=nope")?.message == "there are no weights named 'nope'")
        // A hostile file: the error names it and the problem, and the workspace keeps what it had.
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count + 1), 0]
        bytes += Array((header + "\n").utf8) + [1, 2, 3]
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/liar.npy"))
        let lie = try #require(nb.fail("weights liar.npy"))
        #expect(lie.message.hasPrefix("liar.npy: shape [1000000, 1000000] of <f8 needs 8000000000000 bytes of data, the file has 3"))
        #expect(lie.suggestion == "the file is truncated")
        #expect(nb.workspace.lastWeights == "stored")
        // A layer with NaN entries is named, not analysed.
        var nan = [Double](repeating: 1, count: 12)
        nan[5] = .nan
        try NumpyArray.encode(nan, shape: [3, 4]).write(to: URL(fileURLWithPath: dir + "/nan.npy"))
        #expect(nb.fail("weights nan.npy")?.message == "nan.npy: tensor 'nan' holds 1 NaN or infinite entry")
    }

    @Test func aNoteWithWeightsReplays() throws {
        let (nb, dir) = try session(copying: ["stored.npz"])
        try Self.spikedLayer(rows: 300, cols: 100, t: 2, seed: 3).write(to: URL(fileURLWithPath: dir + "/spiked.npy"))
        nb.run("weights stored.npz name=fc1*")
        nb.run("weights spiked.npy")
        nb.run("layer spiked")
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.entries.count == 3)
        #expect(report.ok, "\(report.mismatches)")
    }
}
