// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import Notebook
import RMT
import Testing

/// `powerlaw`, `layer`'s bulk spacing ratios and `randomize` on layers whose
/// answers are known: Gaussian (Marchenko–Pastur, β = 1 bulk), spiked (one
/// outlier that belongs to the arrangement of the entries), diagonal (levels
/// that do not repel), Pareto levels (a power-law tail).
@Suite("Layer analysis commands")
struct LayerAnalysisCommandTests {
    func save(_ elements: [Double], rows: Int, cols: Int, as name: String, in dir: String) throws {
        try NumpyArray.encode(elements, shape: [rows, cols]).write(to: URL(fileURLWithPath: dir + "/" + name))
    }

    static func gaussian(rows: Int, cols: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        return RandomMatrices.gaussian(rows: rows, cols: cols, sd: 0.5, using: &rng).elements
    }

    static func number(after prefix: String, in lines: [String]) -> Double? {
        guard let line = lines.first(where: { $0.contains(prefix) }), let r = line.range(of: prefix) else { return nil }
        return Double(line[r.upperBound...].prefix { "0123456789.-e".contains($0) })
    }

    @Test func bulkRatiosOfAGaussianLayerAreTheGOEs() throws {
        let (nb, dir) = try makeSession(seed: 2)
        try save(Self.gaussian(rows: 800, cols: 400, seed: 5), rows: 800, cols: 400, as: "g.npy", in: dir)
        nb.run("weights g.npy")
        let out = nb.run("layer g")
        let r = try #require(out.records.first { $0.quantity == "⟨r̃⟩ of the bulk of g" })
        let error = try #require(r.error)
        #expect(abs(r.value - SpacingRatioReference.goe) < 4 * error, "⟨r̃⟩ = \(r.value) ± \(error)")
        #expect(error < 0.03 && abs(r.value - SpacingRatioReference.poisson) > 4 * error)
        #expect(out.lines.contains { $0.hasPrefix("bulk spacing ratios ⟨r̃⟩ = ") && $0.contains("GOE 0.5307") })
    }

    /// A diagonal W (400 × 400, Gaussian diagonal): its levels d_i²/M are
    /// independent, so their ratios are Poisson's.
    @Test func bulkRatiosOfADiagonalLayerArePoissons() throws {
        let (nb, dir) = try makeSession(seed: 2)
        var rng = Xoshiro256StarStar(seed: 11)
        var w = [Double](repeating: 0, count: 400 * 400)
        for i in 0..<400 { w[i * 400 + i] = rng.nextNormal() }
        try save(w, rows: 400, cols: 400, as: "d.npy", in: dir)
        nb.run("weights d.npy")
        let r = try #require(nb.run("layer d").records.first { $0.quantity == "⟨r̃⟩ of the bulk of d" })
        let error = try #require(r.error)
        #expect(abs(r.value - SpacingRatioReference.poisson) < 4 * error, "⟨r̃⟩ = \(r.value) ± \(error)")
        #expect(abs(r.value - SpacingRatioReference.goe) > 4 * error)
    }

    /// Levels of a diagonal layer with Pareto entries: d_i² has P(X > x) ∝ x^{−(α−1)}
    /// for P(|d| > y) ∝ y^{−2(α−1)}; powerlaw gives α back within its error.
    @Test func powerlawFindsTheTailOfALayer() throws {
        let (nb, dir) = try makeSession(seed: 2)
        let alpha = 2.5, n = 600
        var rng = Xoshiro256StarStar(seed: 4)
        var w = [Double](repeating: 0, count: n * n)
        for i in 0..<n { w[i * n + i] = pow(1 - rng.nextUniform(), -1 / (2 * (alpha - 1))) }
        try save(w, rows: n, cols: n, as: "p.npy", in: dir)
        nb.run("weights p.npy")
        let out = nb.run("powerlaw replicas=40")
        let a = try #require(out.records.first { $0.quantity == "power-law exponent α of p" })
        let error = try #require(a.error)
        #expect(abs(a.value - alpha) < 4 * error && error < 0.3, "α = \(a.value) ± \(error)")
        #expect(out.figures.count == 1)
        #expect(out.lines.contains { $0.hasPrefix("x_min = ") })
        // The seed is recorded and replays: the same line gives the same error.
        let again = nb.run("powerlaw replicas=40 seed=7"), third = nb.run("powerlaw replicas=40 seed=7")
        #expect(again.records.first?.error == third.records.first?.error)
        #expect(nb.document.entries.contains { if case .command(let line, _, _, _) = $0 { return line.hasPrefix("powerlaw replicas=40 seed=") } else { return false } })
    }

    @Test func randomizeRemovesASpikeAndLeavesAGaussianLayer() throws {
        let (nb, dir) = try makeSession(seed: 2)
        try WeightsCommandTests.spikedLayer(rows: 400, cols: 200, t: 2, seed: 9).write(to: URL(fileURLWithPath: dir + "/spiked.npy"))
        try save(Self.gaussian(rows: 400, cols: 200, seed: 6), rows: 400, cols: 200, as: "g.npy", in: dir)
        nb.run("weights spiked.npy")
        let spiked = nb.run("randomize")
        #expect(spiked.records.first { $0.quantity == "outliers above the MP edge before shuffling of spiked" }?.value == 1)
        #expect(spiked.records.first { $0.quantity == "outliers above the MP edge after shuffling of spiked" }?.value == 0)
        #expect(spiked.lines.contains { $0.hasPrefix("the outlier goes with the shuffle") })
        nb.run("weights g.npy")
        let g = nb.run("randomize")
        let d = try #require(g.records.first { $0.quantity == "KS distance between the spectra before and after shuffling of g" }?.value)
        // Below what two independent i.i.d. samples of 200 exceed with probability 0.1 %
        // (1.95·√(2/200) = 0.195), and in fact far below: spectra are rigid.
        #expect(d < KolmogorovSmirnov.twoSampleCriticalDistance(200, 200, level: 0.001) / 3, "D = \(d)")
        #expect(g.records.first { $0.quantity == "outliers above the MP edge after shuffling of g" }?.value == 0)
        #expect(g.figures.count == 1)
        #expect(nb.fail("randomize nope")?.suggestion?.contains("layers of g") == true)
    }

    @Test func twoSampleDistanceIsExact() {
        #expect(KolmogorovSmirnov.twoSampleDistance([1, 2, 3], [1, 2, 3]) == 0)
        #expect(KolmogorovSmirnov.twoSampleDistance([1, 2], [3, 4]) == 1)
        #expect(abs(KolmogorovSmirnov.twoSampleDistance([1, 2, 3, 4], [2.5]) - 0.5) < 1e-15)
        #expect(KolmogorovSmirnov.twoSampleDistance([], [1]).isNaN)
    }

    @Test func aNoteWithTheNewCommandsReplays() throws {
        let (nb, dir) = try makeSession(seed: 2)
        try WeightsCommandTests.spikedLayer(rows: 300, cols: 100, t: 2, seed: 3).write(to: URL(fileURLWithPath: dir + "/spiked.npy"))
        nb.run("weights spiked.npy")
        nb.run("layer spiked")
        nb.run("powerlaw spiked replicas=20")
        nb.run("randomize spiked")
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.entries.count == 4)
        #expect(report.ok, "\(report.mismatches)")
    }
}

/// `ratio layer=` and `spacing layer=`: a Gaussian layer's bulk against the
/// β = 1 laws, a diagonal one's against Poisson.
@Suite("Layer bulk statistics")
struct LayerBulkTests {
    func session(_ w: [Double], rows: Int, cols: Int) throws -> Notebook {
        let (nb, dir) = try makeSession(seed: 2)
        try NumpyArray.encode(w, shape: [rows, cols]).write(to: URL(fileURLWithPath: dir + "/g.npy"))
        nb.run("load weights g.npy")
        return nb
    }

    @Test(arguments: [(1200, 600), (600, 600)])
    func aGaussianLayersBulkIsGOE(shape: (Int, Int)) throws {
        let nb = try session(LayerAnalysisCommandTests.gaussian(rows: shape.0, cols: shape.1, seed: 5), rows: shape.0, cols: shape.1)
        let r = try #require(nb.run("ratio layer=g").records.first { $0.quantity == "⟨r̃⟩ of the bulk of g" })
        let re = try #require(r.error)
        #expect(abs(r.value - SpacingRatioReference.goe) < 4 * re, "⟨r̃⟩ = \(r.value) ± \(re)")
        #expect(abs(r.value - SpacingRatioReference.poisson) > 4 * re)
        let out = nb.run("spacing layer=g replicas=200")
        let v = try #require(out.records.first { $0.quantity == "Var(s) of the bulk of g" })
        let ve = try #require(v.error)
        let goe = GaudinSpacing(beta: 1).moment(2) - 1
        #expect(abs(v.value - goe) < 4 * ve, "Var(s) = \(v.value) ± \(ve), GOE \(goe)")
        #expect(abs(v.value - 1) > 4 * ve)
        let ks = try #require(out.records.first { $0.quantity == "KS p vs surmise, bulk of g" })
        #expect(ks.value > 1e-3, "KS p = \(ks.value)")
    }

    @Test func aDiagonalLayersSpacingsArePoissons() throws {
        var rng = Xoshiro256StarStar(seed: 11)
        let n = 600
        var w = [Double](repeating: 0, count: n * n)
        for i in 0..<n { w[i * n + i] = rng.nextNormal() }
        let nb = try session(w, rows: n, cols: n)
        let v = try #require(nb.run("spacing layer=g replicas=100").records.first { $0.quantity == "Var(s) of the bulk of g" })
        let ve = try #require(v.error)
        #expect(abs(v.value - 1) < 4 * ve, "Var(s) = \(v.value) ± \(ve)")
        #expect(abs(v.value - 0.2855) > 4 * ve)
        #expect(nb.fail("ratio layer=nope")?.message.contains("no layer 'nope'") == true)
    }
}
