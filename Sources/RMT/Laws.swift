// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A continuous probability law on the real line, given by its density and
/// cumulative distribution function.
public protocol ContinuousLaw: Sendable {
    /// A short name for legends and notes, e.g. "Wigner surmise β=1".
    var name: String { get }
    /// The interval outside which the density vanishes (may be infinite).
    var support: ClosedRange<Double> { get }
    func pdf(_ x: Double) -> Double
    func cdf(_ x: Double) -> Double
    /// The u-quantile, F⁻¹(u) for u ∈ (0, 1).
    func quantile(_ u: Double) -> Double
}

extension ContinuousLaw {
    /// Default quantile: bisection on the CDF to 1e-12 relative accuracy.
    public func quantile(_ u: Double) -> Double {
        precondition(u > 0 && u < 1, "quantile: u must lie in (0, 1), got \(u)")
        return defaultQuantile(u)
    }

    /// A sample by inversion of the CDF, from 53-bit uniforms `uniform()`.
    public func sample(count: Int, uniform: () -> Double) -> [Double] {
        (0..<count).map { _ in
            var u = uniform()
            while u <= 0 { u = uniform() }
            return quantile(u)
        }
    }

    /// ∫ x^k ρ(x) dx by adaptive Simpson over the support (clipped at ±50 for
    /// infinite ends, where the laws here have negligible mass).
    public func moment(_ k: Int) -> Double {
        let lo = support.lowerBound.isFinite ? support.lowerBound : -50
        let hi = support.upperBound.isFinite ? support.upperBound : 50
        return Quadrature.integrate(lo, hi) { x in pow(x, Double(k)) * pdf(x) }
    }
}

/// Numerical integration helpers.
public enum Quadrature {
    /// Adaptive Simpson integration of f over [a, b] to absolute tolerance `tol`.
    public static func integrate(_ a: Double, _ b: Double, tol: Double = 1e-11, _ f: (Double) -> Double) -> Double {
        func simpson(_ a: Double, _ b: Double, _ fa: Double, _ fm: Double, _ fb: Double) -> Double {
            (b - a) / 6 * (fa + 4 * fm + fb)
        }
        func recurse(_ a: Double, _ b: Double, _ fa: Double, _ fm: Double, _ fb: Double, _ whole: Double, _ tol: Double, _ depth: Int) -> Double {
            let m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b)
            let flm = f(lm), frm = f(rm)
            let left = simpson(a, m, fa, flm, fm), right = simpson(m, b, fm, frm, fb)
            if depth <= 0 || abs(left + right - whole) <= 15 * tol {
                return left + right + (left + right - whole) / 15
            }
            return recurse(a, m, fa, flm, fm, left, tol / 2, depth - 1) + recurse(m, b, fm, frm, fb, right, tol / 2, depth - 1)
        }
        // Split into pieces first so narrow features are not missed.
        let pieces = 64
        var total = 0.0
        for i in 0..<pieces {
            let x0 = a + (b - a) * Double(i) / Double(pieces), x1 = a + (b - a) * Double(i + 1) / Double(pieces)
            let f0 = f(x0), f1 = f(x1), fm = f(0.5 * (x0 + x1))
            total += recurse(x0, x1, f0, fm, f1, simpson(x0, x1, f0, fm, f1), tol / Double(pieces), 40)
        }
        return total
    }
}
