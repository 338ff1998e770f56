// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import RMT
import Testing

/// Fits given data they cannot use throw ``FitError`` with the reason; the
/// statistics around them accept any input. Nothing here may trap.
@Suite("Fit errors")
struct FitErrorTests {
    /// The reason of the FitError `body` throws (nil if it returns; any other
    /// error is recorded as an issue).
    func reason<T>(_ body: () throws -> T) -> FitError.Reason? {
        do {
            _ = try body()
            return nil
        } catch let error as FitError {
            #expect(!error.message.isEmpty)
            return error.reason
        } catch {
            Issue.record("not a FitError: \(error)")
            return nil
        }
    }

    @Test func goe2x2NeedsFourFiniteSpreadValues() {
        #expect(reason { try DensityFit.goe2x2([]) } == .tooFewValues(needed: 4, got: 0))
        #expect(reason { try DensityFit.goe2x2([1, 2]) } == .tooFewValues(needed: 4, got: 2))
        #expect(reason { try DensityFit.goe2x2([1, 2, .nan, 3]) } == .nonFinite)
        #expect(reason { try DensityFit.goe2x2([1, 2, .infinity, 3]) } == .nonFinite)
        #expect(reason { try DensityFit.goe2x2([0, 0, 0, 0, 0, 0]) } == .degenerate)
        #expect(reason { try DensityFit.goe2x2([5, 5, 5, 5]) } == .degenerate)
        // Four values are enough; the width is a valid 2×2 GOE width.
        let fit = try? DensityFit.goe2x2([0.9, 1.1, 0.95, 1.05])
        #expect(fit.map { $0.sigma.value > 0 && $0.sigma.value.isFinite } == true)
    }

    /// Pairs that are exact in all but a few runs: jackknife replicas without
    /// spread push log σ down; the fit still returns positive finite widths.
    @Test func goe2x2SurvivesReplicasWithoutSpread() throws {
        let values = [Double](repeating: 1, count: 38) + [1 + 1e-9, 1 - 1e-9]
        let fit = try DensityFit.goe2x2(values)
        #expect(fit.sigma.value > 0 && fit.sigma.value.isFinite)
        #expect(fit.center.value.isFinite)
    }

    @Test func goeBlockNeedsABlockAndSpread() {
        #expect(reason { try DensityFit.goeBlock([1, 2, 3], size: 1) } == .invalidParameter)
        #expect(reason { try DensityFit.goeBlock([1], size: 3) } == .tooFewValues(needed: 2, got: 1))
        #expect(reason { try DensityFit.goeBlock([1, .nan, 3], size: 3) } == .nonFinite)
        #expect(reason { try DensityFit.goeBlock([2, 2, 2], size: 3) } == .degenerate)
        let fit = try? DensityFit.goeBlock([1, 2, 3], size: 3)
        #expect(fit.map { $0.radius.value > 0 && $0.offDiagonalVariance.value > 0 } == true)
    }

    @Test func lineThroughOriginNeedsPointsErrorsAndANonZeroX() {
        #expect(reason { try LeastSquares.lineThroughOrigin(x: [], y: [], yErrors: []) } == .tooFewValues(needed: 1, got: 0))
        #expect(reason { try LeastSquares.lineThroughOrigin(x: [1, 2], y: [1], yErrors: [1, 1]) } == .mismatchedLengths)
        #expect(reason { try LeastSquares.lineThroughOrigin(x: [1, .nan], y: [1, 2], yErrors: [1, 1]) } == .nonFinite)
        #expect(reason { try LeastSquares.lineThroughOrigin(x: [1, 2], y: [1, 2], yErrors: [1, 0]) } == .degenerate)
        #expect(reason { try LeastSquares.lineThroughOrigin(x: [0, 0], y: [1, 2], yErrors: [1, 1]) } == .degenerate)
        // One point: a slope, and χ²/dof NaN (no degree of freedom).
        let one = try? LeastSquares.lineThroughOrigin(x: [2], y: [3], yErrors: [0.1])
        #expect(one?.slope.value == 1.5)
        #expect(one?.chi2PerDof.isNaN == true)
    }

    @Test func polynomialFitNeedsMorePointsThanTheDegree() {
        #expect(reason { try LeastSquares.polynomialFit(x: [1, 2], y: [1, 2], degree: -1) } == .invalidParameter)
        #expect(reason { try LeastSquares.polynomialFit(x: [1, 2], y: [1], degree: 1) } == .mismatchedLengths)
        #expect(reason { try LeastSquares.polynomialFit(x: [1, 2, 3], y: [1, 2, 3], degree: 3) } == .tooFewValues(needed: 4, got: 3))
        #expect(reason { try LeastSquares.polynomialFit(x: [1, 2], y: [1, .infinity], degree: 1) } == .nonFinite)
        // Degree 0 of one point is its value.
        let constant = try? LeastSquares.polynomialFit(x: [4], y: [7], degree: 0)
        #expect(constant?.evaluate(10) == 7)
    }

    /// Unfolding by a polynomial with too few levels gives nothing, not a trap.
    @Test func polynomialUnfoldingOfTooFewLevelsIsEmpty() {
        #expect(Spacings.unfolded([[0, 1], [0.5, 1.5]], method: .polynomial(degree: 9)).isEmpty)
    }

    /// Histograms bin any range: zero width (all values equal), infinite ends,
    /// NaN values, a tiny interquartile range (span/width beyond Int).
    @Test func histogramsBinAnyInput() {
        let equal = Histogram([5, 5, 5], bins: 10, range: 5...5)
        #expect(equal.counts.reduce(0, +) == 3 && equal.densities.allSatisfy(\.isFinite))
        let wide = Histogram([0, 1, .nan, .infinity], bins: 4, range: -Double.infinity...Double.infinity)
        #expect(wide.edges.allSatisfy(\.isFinite) && wide.counts.reduce(0, +) == 2 && wide.total == 4)
        let zero = Histogram([1, 2], bins: 0, range: 0...3)
        #expect(zero.counts == [2])
        // IQR = one ulp of 1, span 10⁶: span/width ≈ 10²² bins before clamping.
        let spiky = Histogram(freedmanDiaconis: [Double](repeating: 1, count: 50) + [Double](repeating: 1.0.nextUp, count: 50) + [1e6])
        #expect(spiky.counts.count == 200 && spiky.counts.reduce(0, +) == 101)
        let same = Histogram(freedmanDiaconis: [3, 3, 3])
        #expect(same.counts.reduce(0, +) == 3 && same.densities.allSatisfy(\.isFinite))
        let empty = Histogram(freedmanDiaconis: [])
        #expect(empty.total == 0)
    }

    /// KS of an empty sample is NaN; spacings that are all zero are compared
    /// (D = 1) rather than scaled by a zero mean.
    @Test func kolmogorovSmirnovOfDegenerateSamples() {
        let empty = KolmogorovSmirnov.testSpacings([], law: WignerSurmise(beta: 1), replicas: 10)
        #expect(empty.distance.isNaN && empty.pValue.isNaN && empty.sampleSize == 0)
        let zeros = KolmogorovSmirnov.testSpacings([0, 0, 0, 0], law: WignerSurmise(beta: 1), replicas: 10)
        #expect(zeros.distance == 1)
    }
}

/// The 2×2 GOE fit's objective computes long samples' terms on several
/// threads: its value must be the serial sum in sample order, bit for bit.
@Suite("GOE 2×2 likelihood")
struct GOE2x2LikelihoodTests {
    @Test(arguments: [5, GOE2x2NegativeLogLikelihood.chunk, GOE2x2NegativeLogLikelihood.chunk + 1, 3 * GOE2x2NegativeLogLikelihood.chunk + 17])
    func chunkedSumEqualsSerialSum(count: Int) {
        // Values of many magnitudes around the centre, some far in the tails (terms at the 1e-300 floor).
        let values = (0..<count).map { i -> Double in
            let x = Double(i)
            let spread: Double = 0.05 * sin(1.3 * x) * exp(2 * cos(0.7 * x))
            return 1 + spread + (i % 997 == 0 ? 40 : 0)
        }
        let likelihood = GOE2x2NegativeLogLikelihood(values)
        for (center, sigma) in [(1.0, 0.05), (1.02, 0.2), (0.5, 3.0)] {
            let law = GOE2x2Density(center: center, sigma: sigma)
            var serial = 0.0
            for v in values { serial -= log(max(law.pdf(v), 1e-300)) }
            #expect(likelihood(law).bitPattern == serial.bitPattern)
        }
    }
}
