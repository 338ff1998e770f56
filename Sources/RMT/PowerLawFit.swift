// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// A power-law tail ρ(x) ∝ x^{−α} for x ≥ x_min, fitted by the method of
/// Clauset, Shalizi and Newman (SIAM Review 51, 661 (2009)).
///
/// Given x_min, the continuous maximum-likelihood exponent of the n values
/// x_i ≥ x_min is
///
///     α̂ = 1 + n / Σ ln(x_i / x_min),
///
/// whose asymptotic standard error is (α̂ − 1)/√n. x_min is chosen among the
/// distinct sample values, each leaving at least `minimumTail` values in the
/// tail, as the one whose fitted law P(X ≤ x) = 1 − (x/x_min)^{1−α̂} is closest
/// to the tail's empirical distribution in Kolmogorov–Smirnov distance D
/// (sup over x of |F_n(x) − F(x)|, both one-sided limits at every jump; ties
/// jump by their multiplicity). The smallest such x_min wins a tie in D.
///
/// Conventions against the `powerlaw` package (what WeightWatcher uses):
/// continuous, the same MLE, the same candidates (distinct values; the
/// largest is never a candidate there either). powerlaw 2's D compares F with
/// the empirical CDF's left limits only ((i−1)/n at the i-th value), so its D
/// can be smaller than this one by up to 1/n, which can move x_min by a few
/// values when two candidates' distances are that close. α̂ does not depend
/// on the scale of x, so the eigenvalues of WᵀW/M (dyson) and of WᵀW
/// (WeightWatcher, `normalize` off) give the same α̂, x_min differing by M.
///
/// What D says. D is minimised over x_min and α̂ is fitted, so D·√n is
/// smaller than the textbook KS statistic: for samples of a Pareto law it
/// stays well below 1.36 (the 5 % point without fitting). A small D does not
/// make a tail a power law: far enough out an exponential is locally one, with
/// α̂ ≈ 1 + x_min/scale, and the scan finds such a tail with as small a D (for
/// N = 2000 exponential values: α̂ ≈ 4 ± 0.6, D·√n ≈ 0.5–0.9). What gives it
/// away is the steep α̂; telling the two apart for sure takes CSN's
/// likelihood-ratio test or their semi-parametric bootstrap p-value, neither
/// done here.
///
/// Caveats. Eigenvalues of one matrix are correlated, so neither the
/// asymptotic error nor the bootstrap's is exact for them; a short tail
/// (tens of values) makes α̂ rough whatever the error says.
public struct PowerLawFit: Sendable, Equatable {
    /// The fitted exponent α̂ of ρ(x) ∝ x^{−α}.
    public let alpha: Double
    /// The chosen lower end of the tail (a sample value).
    public let xmin: Double
    /// The number of values x ≥ x_min.
    public let tailSize: Int
    /// The KS distance between the tail and the fitted law.
    public let distance: Double
    /// The number of positive values the fit chose from.
    public let sampleSize: Int

    /// (α̂ − 1)/√n, the maximum-likelihood estimator's asymptotic error with
    /// x_min held fixed.
    public var asymptoticError: Double { (alpha - 1) / Double(tailSize).squareRoot() }

    /// The fitted law's CDF on the tail: 1 − (x/x_min)^{1−α̂} for x ≥ x_min.
    public func cdf(_ x: Double) -> Double { x <= xmin ? 0 : 1 - pow(x / xmin, 1 - alpha) }

    /// Its density relative to the whole sample: (n_tail/N)·(α̂ − 1)/x_min·(x/x_min)^{−α̂}.
    public func density(_ x: Double) -> Double {
        x < xmin ? 0 : Double(tailSize) / Double(sampleSize) * (alpha - 1) / xmin * pow(x / xmin, -alpha)
    }

    /// The default smallest tail: below ten values α̂ and D mean little.
    public static let defaultMinimumTail = 10

    /// The maximum-likelihood exponent of the values ≥ `xmin` (`xmin` > 0),
    /// nil when fewer than two or all of them equal `xmin`.
    public static func exponent(_ sample: [Double], xmin: Double) -> Double? {
        guard xmin > 0 else { return nil }
        let tail = sample.filter { $0 >= xmin }
        let sum = tail.reduce(0) { $0 + log($1 / xmin) }
        guard tail.count >= 2, sum > 0 else { return nil }
        return 1 + Double(tail.count) / sum
    }

    /// Fits the tail of `sample` (any order). Values ≤ 0 cannot be in a power-law
    /// tail and are left out (`sampleSize` counts the rest).
    public init(_ sample: [Double], minimumTail: Int = PowerLawFit.defaultMinimumTail) throws(FitError) {
        try FitError.requireFinite(sample, "power-law fit")
        guard minimumTail >= 2 else { throw FitError(.invalidParameter, "a power-law tail needs at least 2 values, asked for \(minimumTail)") }
        let x = sample.filter { $0 > 0 }.sorted()
        try FitError.require(x.count, atLeast: minimumTail, "power-law fit (positive values)")
        guard let best = Self.scan(x, minimumTail: minimumTail) else {
            throw FitError(.degenerate, "power-law fit: the largest \(minimumTail) positive values are all equal, no tail to fit")
        }
        self = best
    }

    private init(alpha: Double, xmin: Double, tailSize: Int, distance: Double, sampleSize: Int) {
        self.alpha = alpha
        self.xmin = xmin
        self.tailSize = tailSize
        self.distance = distance
        self.sampleSize = sampleSize
    }

    /// The scan over x_min of sorted positive values. O(N·n) in the worst
    /// case; a candidate's KS sum stops as soon as it exceeds the best D so far
    /// (which does not change the answer).
    static func scan(_ x: [Double], minimumTail: Int) -> PowerLawFit? {
        let n = x.count
        let logs = x.map { log($0) }
        // suffix[k] = Σ_{i ≥ k} ln x_i.
        var suffix = [Double](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + logs[i] }
        var best: PowerLawFit?
        var k = 0
        while n - k >= minimumTail {
            defer {
                // The next distinct value.
                let v = x[k]
                k += 1
                while k < n && x[k] == v { k += 1 }
            }
            let tail = n - k
            let sum = suffix[k] - Double(tail) * logs[k]
            guard sum > 0 else { continue }
            let alpha = 1 + Double(tail) / sum
            let bound = best?.distance ?? .infinity
            let nt = Double(tail)
            var d = 0.0
            for j in 0..<tail {
                let f = 1 - exp((1 - alpha) * (logs[k + j] - logs[k]))
                d = max(d, f - Double(j) / nt, Double(j + 1) / nt - f)
                if d >= bound { break }
            }
            if d < bound { best = PowerLawFit(alpha: alpha, xmin: x[k], tailSize: tail, distance: d, sampleSize: n) }
        }
        return best
    }

    /// The bootstrap error of α̂: `replicas` samples of N values drawn with
    /// replacement from the positive values, each fitted from scratch (x_min
    /// chosen again, so its uncertainty is in the error), α̂'s standard
    /// deviation over them. Replica r draws from
    /// `Xoshiro256StarStar.stream(seed:index: r)`. Replicas with no tail to fit
    /// (possible only for samples with many equal values) are left out and
    /// counted in the method. `cancelled` is polled between replicas; a
    /// stopped bootstrap returns nil.
    public func bootstrap(_ sample: [Double], minimumTail: Int = PowerLawFit.defaultMinimumTail, replicas: Int, seed: UInt64,
                          cancelled: () -> Bool = { false }) -> Estimate? {
        let x = sample.filter { $0 > 0 && $0.isFinite }
        guard replicas >= 2, x.count >= minimumTail else {
            return Estimate(value: alpha, error: nil, sampleSize: tailSize, method: "continuous MLE, x_min by KS; no bootstrap")
        }
        var alphas = [Double]()
        alphas.reserveCapacity(replicas)
        var resample = [Double](repeating: 0, count: x.count)
        for r in 0..<replicas {
            if cancelled() { return nil }
            var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
            for i in resample.indices { resample[i] = x[Int(rng.next(upperBound: UInt64(x.count)))] }
            resample.sort()
            if let fit = Self.scan(resample, minimumTail: minimumTail) { alphas.append(fit.alpha) }
        }
        let failed = replicas - alphas.count
        let sd = Statistics.variance(alphas).squareRoot()
        return Estimate(value: alpha, error: sd.isFinite ? sd : nil, sampleSize: tailSize,
                        method: "continuous MLE, x_min by KS; bootstrap error (\(alphas.count) replicas, x_min refitted\(failed > 0 ? ", \(failed) without a tail left out" : ""))")
    }
}
