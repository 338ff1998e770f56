// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Means, errors, histograms and autocorrelation.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Unbiased sample variance.
    public static func variance(_ x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let m = mean(x)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
    }

    /// The p-quantile of a sample by linear interpolation between order statistics.
    public static func quantile(_ x: [Double], _ p: Double) -> Double {
        let s = x.sorted()
        guard !s.isEmpty else { return .nan }
        let h = p * Double(s.count - 1)
        let i = Int(h.rounded(.down)), f = h - Double(i)
        return i + 1 < s.count ? s[i] + f * (s[i + 1] - s[i]) : s[i]
    }

    /// Jackknife estimate of a statistic θ(sample) with `blocks` delete-one-block
    /// replicas (blocks of consecutive samples, so moderate serial correlation is
    /// absorbed). Error² = (B−1)/B · Σ (θ₋ᵦ − θ̄)². For θ = mean and B = n this is
    /// exactly the standard error s/√n.
    public static func jackknife(_ x: [Double], blocks requested: Int = 50, label: String = "mean",
                                 _ statistic: ([Double]) -> Double = Statistics.mean) -> Estimate {
        let n = x.count
        let full = statistic(x)
        let b = min(requested, n)
        guard b >= 2 else { return Estimate(value: full, error: nil, sampleSize: n, method: "\(label), too few samples for an error") }
        var replicas = [Double]()
        replicas.reserveCapacity(b)
        for k in 0..<b {
            let start = k * n / b, end = (k + 1) * n / b
            replicas.append(statistic(Array(x[0..<start] + x[end..<n])))
        }
        let m = mean(replicas)
        let err = (Double(b - 1) / Double(b) * replicas.reduce(0) { $0 + ($1 - m) * ($1 - m) }).squareRoot()
        return Estimate(value: full, error: err, sampleSize: n, method: "\(label), jackknife (\(b) blocks)")
    }

    /// Mean with its jackknife error.
    public static func meanWithError(_ x: [Double], blocks: Int = 50) -> Estimate {
        jackknife(x, blocks: blocks)
    }

    /// Integrated autocorrelation time τ_int = ½ + Σ_{t=1}^{W} ρ(t) of a series,
    /// with Sokal's automatic window: the smallest W with W ≥ c·τ_int(W), c = 6.
    /// The error of a mean over n correlated samples is σ·√(2τ_int/n).
    /// Returns τ_int with its error ≈ τ·√(2(2W+1)/n) (Madras–Sokal).
    public static func integratedAutocorrelationTime(_ x: [Double], c: Double = 6) -> Estimate {
        let n = x.count
        guard n >= 4 else { return Estimate(value: 0.5, error: nil, sampleSize: n, method: "τ_int, too short") }
        let m = mean(x)
        let d = x.map { $0 - m }
        let c0 = d.reduce(0) { $0 + $1 * $1 } / Double(n)
        guard c0 > 0 else { return Estimate(value: 0.5, error: 0, sampleSize: n, method: "τ_int, constant series") }
        var tau = 0.5
        var window = 0
        for t in 1..<(n / 2) {
            var ct = 0.0
            for i in 0..<(n - t) { ct += d[i] * d[i + t] }
            tau += ct / Double(n) / c0
            window = t
            if Double(t) >= c * tau { break }
        }
        tau = max(tau, 0.5)
        let err = tau * (2 * Double(2 * window + 1) / Double(n)).squareRoot()
        return Estimate(value: tau, error: err, sampleSize: n, method: "τ_int, automatic window W = \(window) (c = \(Int(c)))")
    }
}

/// A histogram normalised as a density (∫ = 1 over the binned range).
public struct Histogram: Sendable, Equatable {
    /// Bin edges, ascending; edges.count == densities.count + 1.
    public let edges: [Double]
    public let counts: [Int]
    public let total: Int
    /// counts / (total · width): comparable with a pdf.
    public var densities: [Double] {
        counts.enumerated().map { i, c in Double(c) / (Double(total) * (edges[i + 1] - edges[i])) }
    }
    /// The Poisson error of each density, √count / (total · width).
    public var densityErrors: [Double] {
        counts.enumerated().map { i, c in Double(c).squareRoot() / (Double(total) * (edges[i + 1] - edges[i])) }
    }
    public var centers: [Double] { (0..<counts.count).map { 0.5 * (edges[$0] + edges[$0 + 1]) } }
    /// How the bins were chosen.
    public let method: String

    /// Bins [lo, hi) split into `bins` equal parts (the last bin includes hi).
    /// Values outside the range, and NaN, are counted in `total` only. A range
    /// that cannot be binned (empty, or with a non-finite end) is replaced by
    /// ``binnable(_:)``, and `bins` < 1 by one bin, so any input gives a histogram.
    public init(_ x: [Double], bins requested: Int, range requestedRange: ClosedRange<Double>, method: String? = nil) {
        let bins = max(1, requested)
        let range = Histogram.binnable(requestedRange)
        let lo = range.lowerBound, hi = range.upperBound
        let width = (hi - lo) / Double(bins)
        edges = (0...bins).map { lo + Double($0) * width }
        var c = [Int](repeating: 0, count: bins)
        for v in x where v >= lo && v <= hi {
            let t = (v - lo) / width
            c[t.isFinite ? min(bins - 1, max(0, Int(t))) : bins - 1] += 1
        }
        counts = c
        total = x.count
        self.method = method ?? "\(bins) equal bins on [\(lo), \(hi)]"
    }

    /// A range of positive finite width for `range`: ends beyond ±1e300 (or
    /// infinite) are pulled in to ±1e300, so the width cannot overflow, and a
    /// range of zero width (all values equal) is widened to lo ± max(1e-9·|lo|, 1e-300).
    public static func binnable(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        var lo = range.lowerBound.isNaN ? 0 : min(max(range.lowerBound, -1e300), 1e300)
        var hi = range.upperBound.isNaN ? lo : min(max(range.upperBound, -1e300), 1e300)
        if hi < lo { swap(&lo, &hi) }
        if !(hi - lo > 0) {
            let pad = max(1e-9 * abs(lo), 1e-300)
            return (lo - pad)...(lo + pad)
        }
        return lo...hi
    }

    /// Freedman–Diaconis bins: width 2·IQR·n^{−1/3} over the sample range (the
    /// number of bins clamped to 5…200), or over `range` if given.
    public init(freedmanDiaconis x: [Double], range: ClosedRange<Double>? = nil) {
        let finite = x.filter(\.isFinite)
        let n = Double(finite.count)
        let iqr = Statistics.quantile(finite, 0.75) - Statistics.quantile(finite, 0.25)
        let binned = Histogram.binnable(range ?? (finite.min() ?? 0)...(finite.max() ?? 1))
        let span = binned.upperBound - binned.lowerBound
        let width = 2 * iqr / pow(max(n, 1), 1.0 / 3)
        // In Double first: span/width can exceed Int's range when the IQR is tiny.
        let bins = width > 0 ? Int(min(200, max(5, (span / width).rounded(.up)))) : 10
        self.init(x, bins: bins, range: binned, method: "Freedman–Diaconis, \(bins) bins")
    }
}
