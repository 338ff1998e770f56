// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// The law of a + c·X for X with law `base` (c > 0).
public struct AffineLaw<Base: ContinuousLaw>: ContinuousLaw {
    public let base: Base
    public let shift: Double
    public let scale: Double

    public init(_ base: Base, shift: Double = 0, scale: Double) {
        precondition(scale > 0, "affine law: scale must be positive, got \(scale)")
        self.base = base
        self.shift = shift
        self.scale = scale
    }

    public var name: String { base.name }
    public var support: ClosedRange<Double> {
        (shift + scale * base.support.lowerBound)...(shift + scale * base.support.upperBound)
    }
    public func pdf(_ x: Double) -> Double { base.pdf((x - shift) / scale) / scale }
    public func cdf(_ x: Double) -> Double { base.cdf((x - shift) / scale) }
    public func quantile(_ u: Double) -> Double { shift + scale * base.quantile(u) }
}

/// Kolmogorov–Smirnov goodness of fit.
public enum KolmogorovSmirnov {
    /// sup |Fₙ(x) − F(x)| of a sample against a CDF.
    public static func distance(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        let xs = sample.sorted()
        let n = Double(xs.count)
        var d = 0.0
        for (i, x) in xs.enumerated() {
            let f = cdf(x)
            d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
        }
        return d
    }

    /// The asymptotic p-value Q(λ) = 2Σ(−1)^{k−1}e^{−2k²λ²}, λ = (√n + 0.12 + 0.11/√n)·D.
    /// Valid only when nothing was fitted to the sample.
    public static func asymptoticPValue(distance d: Double, sampleSize: Int) -> Double {
        let rn = Double(sampleSize).squareRoot()
        let lambda = (rn + 0.12 + 0.11 / rn) * d
        if lambda < 0.2 { return 1 }
        var p = 0.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            p += (k % 2 == 1 ? 2 : -2) * term
            if term < 1e-17 { break }
        }
        return min(1, max(0, p))
    }

    /// The result of a KS test.
    public struct Result: Sendable, Equatable {
        public let distance: Double
        public let pValue: Double
        public let sampleSize: Int
        public let method: String
        /// True when no bootstrap replica reached the observed distance: then
        /// `pValue` = 1/(1 + replicas) is an upper bound, not an estimate.
        public var isUpperBound = false
    }

    /// KS test whose p-value is honest about what was fitted.
    ///
    /// `compare` maps a sample to the law it is compared with (for spacings:
    /// the surmise scaled to the sample's own mean, i.e. s = S/⟨S⟩). The p-value is
    /// the fraction of `replicas` samples of the same size drawn from `null` whose
    /// distance, after the *same* `compare` step, is at least the observed one:
    /// p = (1 + #{D* ≥ D})/(1 + replicas). Deterministic for a given `seed`.
    ///
    /// Correlated samples (taken along one trajectory) fluctuate like fewer
    /// independent ones: pass `effectiveSize` = N/(2τ_int) and the replicas are
    /// drawn with that many values, so D's null spread matches. This is the usual
    /// approximation, good when τ_int is known to ≈ 10 %; it is not exact for
    /// strongly non-exponential correlations. An empty sample gives D and p NaN.
    public static func test<Null: ContinuousLaw, Fitted: ContinuousLaw>(
        _ sample: [Double], null: Null, replicas: Int = 500, seed: UInt64 = 1, effectiveSize: Int? = nil,
        compare: ([Double]) -> Fitted
    ) -> Result {
        guard !sample.isEmpty else {
            return Result(distance: .nan, pValue: .nan, sampleSize: 0, method: "KS, no sample")
        }
        let observed = distance(sample, cdf: compare(sample).cdf)
        let size = min(sample.count, max(2, effectiveSize ?? sample.count))
        var exceed = 0
        for r in 0..<replicas {
            var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
            let fake = null.sample(count: size) { rng.nextUniform() }
            if distance(fake, cdf: compare(fake).cdf) >= observed { exceed += 1 }
        }
        let p = Double(1 + exceed) / Double(1 + replicas)
        let sizeNote = size < sample.count ? ", replicas of the effective size \(size)" : ""
        return Result(distance: observed, pValue: p, sampleSize: sample.count,
                      method: "KS, parametric bootstrap p (\(replicas) replicas, same normalisation\(sizeNote))",
                      isUpperBound: exceed == 0)
    }

    /// Spacings S against a unit-mean spacing law after normalising s = S/⟨S⟩.
    /// A sample whose mean is not a positive number (all spacings zero, or a
    /// non-finite value) is compared at scale 1e-300: D then says how far off it is.
    public static func testSpacings<Law: ContinuousLaw>(_ spacings: [Double], law: Law, replicas: Int = 500, seed: UInt64 = 1,
                                                        effectiveSize: Int? = nil) -> Result {
        test(spacings, null: law, replicas: replicas, seed: seed, effectiveSize: effectiveSize) { s in
            let mean = Statistics.mean(s)
            return AffineLaw(law, scale: mean.isFinite && mean > 1e-300 ? mean : 1e-300)
        }
    }
}

extension KolmogorovSmirnov {
    /// sup |F_a(x) − F_b(x)| between the empirical distributions of two
    /// samples (ties handled: both staircases step past a shared value before
    /// they are compared). Empty samples give NaN.
    ///
    /// For two independent i.i.d. samples of sizes n and m the distance
    /// exceeds c·√((n + m)/(n m)) with probability ≈ Q(c) (c = 1.36: 5 %,
    /// 1.95: 0.1 %); eigenvalues of random matrices fluctuate far less than
    /// i.i.d. values (they are rigid), so for two spectra this bound is loose.
    public static func twoSampleDistance(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let x = a.sorted(), y = b.sorted()
        let n = Double(x.count), m = Double(y.count)
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] <= v { i += 1 }
            while j < y.count && y[j] <= v { j += 1 }
            d = max(d, abs(Double(i) / n - Double(j) / m))
        }
        return d
    }

    /// c(p)·√((n + m)/(n m)): the two-sample distance that independent i.i.d.
    /// samples exceed with probability ≈ p, c(p) = √(−ln(p/2)/2).
    public static func twoSampleCriticalDistance(_ n: Int, _ m: Int, level p: Double) -> Double {
        (-log(p / 2) / 2).squareRoot() * ((Double(n) + Double(m)) / (Double(n) * Double(m))).squareRoot()
    }
}
