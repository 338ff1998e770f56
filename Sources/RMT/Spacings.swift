// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Level spacings and spacing ratios of ensembles of spectra.
///
/// A spectrum is one sample's eigenvalues sorted ascending; an ensemble is a
/// list of spectra of equal length (runs, or snapshots along a run).
public enum Spacings {
    /// Spacings inside a degenerate block: for each spectrum, the gaps between
    /// consecutive levels whose (ascending) indices are in `block`, e.g. [4, 5]
    /// for a pair. The block's indices must be consecutive.
    public static func withinBlock(_ spectra: [[Double]], block: [Int]) -> [Double] {
        let idx = block.sorted()
        precondition(idx.count >= 2, "a block needs at least two levels, got \(idx)")
        precondition(zip(idx, idx.dropFirst()).allSatisfy { $1 == $0 + 1 }, "block indices must be consecutive, got \(idx)")
        var out = [Double]()
        out.reserveCapacity(spectra.count * (idx.count - 1))
        for x in spectra {
            precondition(idx.last! < x.count, "block index \(idx.last!) outside a spectrum of \(x.count) levels")
            for (a, b) in zip(idx, idx.dropFirst()) { out.append(x[b] - x[a]) }
        }
        return out
    }

    /// How nearest-neighbour spacings are unfolded to unit mean.
    public enum Unfolding: Sendable, Equatable, CustomStringConvertible {
        /// Each gap (i, i+1) divided by its ensemble mean over spectra.
        case perIndexAverage
        /// The pooled staircase N(x) fitted by a polynomial of this degree; levels
        /// mapped to N(xᵢ)/(number of spectra).
        case polynomial(degree: Int)
        /// Levels mapped through n·F(x) for the semicircle of this centre and radius.
        case semicircle(center: Double, radius: Double)

        public var description: String {
            switch self {
            case .perIndexAverage: return "unfolded by per-index ensemble average"
            case .polynomial(let d): return "unfolded by degree-\(d) polynomial fit to the staircase"
            case .semicircle(let c, let r): return "unfolded by semicircle CDF (centre \(c), radius \(r))"
            }
        }
    }

    /// Unfolded spacings and how they were obtained.
    public struct Unfolded: Sendable, Equatable {
        public let values: [Double]
        public let method: Unfolding
        /// Levels dropped at each edge of every spectrum.
        public let discarded: Int
        public var description: String { "\(method), \(discarded) levels dropped at each edge" }
    }

    /// Nearest-neighbour spacings of all spectra after unfolding, with mean ≈ 1,
    /// together with the method used. `discard` levels are dropped at each edge
    /// of every spectrum (the edges unfold badly).
    public static func unfold(_ spectra: [[Double]], method: Unfolding, discard: Int = 0) -> Unfolded {
        Unfolded(values: unfolded(spectra, method: method, discard: discard), method: method, discarded: discard)
    }

    /// The values of ``unfold(_:method:discard:)``: empty when there is nothing
    /// to unfold (spectra of fewer than 2 levels after dropping the edges, or a
    /// polynomial staircase fit with no more levels than its degree).
    public static func unfolded(_ spectra: [[Double]], method: Unfolding, discard: Int = 0) -> [Double] {
        guard let n = spectra.first?.count, n >= 2 else { return [] }
        precondition(spectra.allSatisfy { $0.count == n }, "unfolding needs spectra of equal length")
        let lo = discard, hi = n - discard
        guard hi - lo >= 2 else { return [] }
        switch method {
        case .perIndexAverage:
            var meanGap = [Double](repeating: 0, count: n - 1)
            for x in spectra { for i in 0..<(n - 1) { meanGap[i] += x[i + 1] - x[i] } }
            for i in meanGap.indices { meanGap[i] /= Double(spectra.count) }
            var out = [Double]()
            for x in spectra { for i in lo..<(hi - 1) where meanGap[i] > 0 { out.append((x[i + 1] - x[i]) / meanGap[i]) } }
            return out
        case .polynomial(let degree):
            let pooled = spectra.flatMap { $0 }.sorted()
            let counts = (0..<pooled.count).map { (Double($0) + 0.5) / Double(spectra.count) }
            // Too few levels for the degree (or non-finite ones): nothing to unfold.
            guard let fit = try? LeastSquares.polynomialFit(x: pooled, y: counts, degree: degree) else { return [] }
            return gaps(spectra, lo: lo, hi: hi, map: fit.evaluate)
        case .semicircle(let c, let r):
            let law = Semicircle(center: c, radius: r)
            return gaps(spectra, lo: lo, hi: hi) { Double(n) * law.cdf($0) }
        }
    }

    private static func gaps(_ spectra: [[Double]], lo: Int, hi: Int, map: (Double) -> Double) -> [Double] {
        var out = [Double]()
        for x in spectra {
            let u = x[lo..<hi].map(map)
            for (a, b) in zip(u, u.dropFirst()) { out.append(b - a) }
        }
        return out
    }

    /// Spacing ratios r̃ₙ = min(sₙ, sₙ₋₁)/max(sₙ, sₙ₋₁) of consecutive gaps of every
    /// spectrum. No unfolding is needed: the local density cancels.
    public static func ratios(_ spectra: [[Double]], discard: Int = 0) -> [Double] {
        var out = [Double]()
        for x in spectra {
            let lo = discard, hi = x.count - discard
            guard hi - lo >= 3 else { continue }
            for i in (lo + 1)..<(hi - 1) {
                let a = x[i] - x[i - 1], b = x[i + 1] - x[i]
                let m = max(a, b)
                if m > 0 { out.append(min(a, b) / m) }
            }
        }
        return out
    }
}
