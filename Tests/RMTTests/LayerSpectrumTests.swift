// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import Testing
@testable import RMT

/// The Marchenko–Pastur analysis of a layer against exact answers: Gaussian
/// layers give back their entry variance within the quoted error and no
/// outliers; a spike above the BBP threshold gives its outlier where
/// Benaych-Georges and Nadakuditi put it, and none below.
@Suite("Layer spectrum")
struct LayerSpectrumTests {
    /// A rows × cols Gaussian matrix of entry standard deviation `sd`, plus
    /// √M·sd·t·u vᵀ (M the larger dimension), so that X = WᵀW/M is the spiked
    /// model of strength t in units of σ = sd.
    static func layer(rows: Int, cols: Int, sd: Double, spike t: Double = 0, seed: UInt64) -> Matrix {
        var rng = Xoshiro256StarStar(seed: seed)
        var w = RandomMatrices.gaussian(rows: rows, cols: cols, sd: sd, using: &rng)
        if t > 0 {
            func unit(_ k: Int) -> [Double] {
                let v = (0..<k).map { _ in rng.nextNormal() }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return v.map { $0 / norm }
            }
            let u = unit(rows), v = unit(cols)
            let scale = Double(max(rows, cols)).squareRoot() * sd * t
            for i in 0..<rows { for j in 0..<cols { w.elements[i * cols + j] += scale * u[i] * v[j] } }
        }
        return w
    }

    static func spectrum(_ w: Matrix) throws -> LayerSpectrum {
        try LayerSpectrum(singularValues: w.singularValues(), rows: w.rows, cols: w.cols)
    }

    @Test(arguments: [(400, 200), (300, 300), (150, 450), (1000, 100)])
    func gaussianLayersGiveTheirVarianceAndNoOutliers(shape: (Int, Int)) throws {
        let sd = 0.3
        var pulls = [Double]()
        for seed in 1...6 as ClosedRange<UInt64> {
            let s = try Self.spectrum(Self.layer(rows: shape.0, cols: shape.1, sd: sd, seed: seed))
            #expect(s.m == max(shape.0, shape.1) && s.n == min(shape.0, shape.1))
            #expect(s.outliers.isEmpty, "\(shape) seed \(seed): outliers \(s.outliers) above \(s.outlierThreshold)")
            pulls.append(s.variance.pull(from: sd * sd))
            #expect(s.bulkDistance < 0.05)
            #expect(s.stableRank > 1 && s.stableRank < Double(s.n))
            // The largest level sits within a few Tracy–Widom scales of the edge.
            #expect(abs(s.eigenvalues.last! - s.bulkEdge) < 6 * s.tracyWidomScale)
        }
        // Each within 3.5 errors, and the errors not grossly too large either.
        #expect(pulls.allSatisfy { abs($0) < 3.5 }, "\(shape): pulls \(pulls)")
        #expect(pulls.map { $0 * $0 }.reduce(0, +) / Double(pulls.count) > 0.02, "\(shape): errors too large, pulls \(pulls)")
    }

    /// t = 1.5 and 2 above the threshold γ^{1/4} = 0.84 (γ = ½): one outlier per
    /// layer, at (1 + t²)(γ + t²)/t² on average within three standard errors of
    /// the mean over ten layers; t = 0.6 below: none.
    @Test(arguments: [1.5, 2.0])
    func aSpikeAboveTheThresholdLeavesTheBulkWhereTheoryPutsIt(t: Double) throws {
        let (rows, cols, sd) = (400, 200, 0.5)
        let gamma = 0.5
        var tops = [Double]()
        for seed in 1...10 as ClosedRange<UInt64> {
            let s = try Self.spectrum(Self.layer(rows: rows, cols: cols, sd: sd, spike: t, seed: seed))
            #expect(s.outliers.count == 1, "t = \(t) seed \(seed): \(s.outliers)")
            tops.append(s.eigenvalues.last!)
            // σ² is fitted without being pulled up by the spike.
            #expect(abs(s.variance.pull(from: sd * sd)) < 3.5)
        }
        let predicted = SpikedWishart.outlierLocation(strength: t, variance: sd * sd, ratio: gamma)
        let mean = tops.reduce(0, +) / Double(tops.count)
        let spread = (tops.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(tops.count - 1)).squareRoot()
        #expect(abs(mean - predicted) < 3 * spread / Double(tops.count).squareRoot(), "mean \(mean) ± \(spread / 10.0.squareRoot()) vs \(predicted)")
        // Read back, the outlier gives the spike's strength.
        let strength = try #require(SpikedWishart.strength(ofOutlierAt: mean, variance: sd * sd, ratio: gamma))
        #expect(abs(strength - t) < 0.1)
    }

    @Test func aSpikeBelowTheThresholdStaysInTheBulk() throws {
        #expect(abs(SpikedWishart.threshold(ratio: 0.5) - 0.8409) < 1e-4)
        for seed in 1...10 as ClosedRange<UInt64> {
            let s = try Self.spectrum(Self.layer(rows: 400, cols: 200, sd: 0.5, spike: 0.6, seed: seed))
            #expect(s.outliers.isEmpty, "seed \(seed): \(s.outliers) above \(s.outlierThreshold)")
        }
    }

    @Test func quantilesInvertTheMarchenkoPasturCDF() {
        for gamma in [0.01, 0.25, 0.5, 1.0] {
            let q = MarchenkoPasturQuantiles(ratio: gamma)
            let law = MarchenkoPastur(variance: 1, ratio: gamma)
            for p in stride(from: 0.01, through: 0.99, by: 0.07) {
                #expect(abs(law.cdf(q.quantile(p)) - p) < 1e-5, "γ = \(gamma), p = \(p)")
            }
        }
    }

    @Test func outlierLocationAndStrengthAreInverse() {
        for gamma in [0.1, 0.5, 1.0] {
            for t in [1.1, 1.5, 3.0] where t > SpikedWishart.threshold(ratio: gamma) {
                let x = SpikedWishart.outlierLocation(strength: t, variance: 2, ratio: gamma)
                #expect(abs((SpikedWishart.strength(ofOutlierAt: x, variance: 2, ratio: gamma) ?? 0) - t) < 1e-12)
            }
            // At the threshold the outlier meets the edge.
            let c = SpikedWishart.threshold(ratio: gamma)
            let atEdge = 1 * (1 + c * c) * (gamma + c * c) / (c * c)
            #expect(abs(atEdge - SpikedWishart.bulkEdge(variance: 1, ratio: gamma)) < 1e-12)
        }
    }

    @Test func layersWithoutABulkAreRefused() {
        #expect(throws: FitError.self) { try LayerSpectrum(singularValues: [0, 0, 0], rows: 5, cols: 3) }
        // Rank 2 of 50: the lower nine tenths are zero.
        #expect(throws: FitError.self) { try LayerSpectrum(singularValues: [3, 2] + Array(repeating: 0, count: 48), rows: 60, cols: 50) }
        #expect(throws: FitError.self) { try LayerSpectrum(singularValues: [1, .nan], rows: 2, cols: 2) }
        #expect(throws: FitError.self) { try LayerSpectrum(singularValues: [1], rows: 2, cols: 2) }
    }
}
