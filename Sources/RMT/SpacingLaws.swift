// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The Wigner surmise: the nearest-neighbour spacing law of 2×2 Gaussian
/// ensembles, scaled to mean spacing 1. A good approximation to the large-n
/// law (off by at most 0.016 in density for β = 1; see ``GaudinSpacing``).
///
///     β = 1:  P(s) = (π/2) s e^{−πs²/4}                Var(s) = 4/π − 1
///     β = 2:  P(s) = (32/π²) s² e^{−4s²/π}             Var(s) = 3π/8 − 1
///     β = 4:  P(s) = (2¹⁸/(3⁶π³)) s⁴ e^{−64s²/(9π)}    Var(s) = 45π/128 − 1
public struct WignerSurmise: ContinuousLaw {
    public let beta: Int

    public init(beta: Int) {
        precondition([1, 2, 4].contains(beta), "Wigner surmise: β must be 1, 2 or 4, got \(beta)")
        self.beta = beta
    }

    public var name: String { "Wigner surmise β=\(beta)" }
    public var support: ClosedRange<Double> { 0...Double.infinity }

    public func pdf(_ s: Double) -> Double {
        guard s >= 0 else { return 0 }
        switch beta {
        case 1: return .pi / 2 * s * exp(-.pi * s * s / 4)
        case 2: return 32 / (.pi * .pi) * s * s * exp(-4 * s * s / .pi)
        default: return 262144 / (729 * pow(Double.pi, 3)) * pow(s, 4) * exp(-64 * s * s / (9 * .pi))
        }
    }

    public func cdf(_ s: Double) -> Double {
        guard s > 0 else { return 0 }
        switch beta {
        case 1:
            return -expm1(-.pi * s * s / 4)
        case 2:
            // ∫₀^s a s'² e^{−b s'²} with b = 4/π.
            let b = 4 / Double.pi, a = 32 / (Double.pi * .pi), rb = b.squareRoot()
            return a * (Double.pi.squareRoot() / (4 * b * rb) * erf(rb * s) - s * exp(-b * s * s) / (2 * b))
        default:
            let b = 64 / (9 * Double.pi), a: Double = 262144 / (729 * pow(Double.pi, 3)), rb = b.squareRoot()
            // ∫₀^s s'⁴ e^{−b s'²} = 3√π/(8 b^{5/2}) erf(√b s) − e^{−bs²}(s³/(2b) + 3s/(4b²)).
            let i4 = 3 * Double.pi.squareRoot() / (8 * pow(b, 2.5)) * erf(rb * s)
                - exp(-b * s * s) * (pow(s, 3) / (2 * b) + 3 * s / (4 * b * b))
            return a * i4
        }
    }

    public func quantile(_ u: Double) -> Double {
        if beta == 1 { return (-4 * log1p(-u) / .pi).squareRoot() }
        return defaultQuantile(u)
    }

    /// Var(s) in closed form.
    public var variance: Double {
        switch beta {
        case 1: return 4 / .pi - 1
        case 2: return 3 * .pi / 8 - 1
        default: return 45 * .pi / 128 - 1
        }
    }
}

/// Poisson level statistics (uncorrelated levels): P(s) = e^{−s}.
public struct PoissonSpacing: ContinuousLaw {
    public init() {}
    public var name: String { "Poisson" }
    public var support: ClosedRange<Double> { 0...Double.infinity }
    public func pdf(_ s: Double) -> Double { s < 0 ? 0 : exp(-s) }
    public func cdf(_ s: Double) -> Double { s <= 0 ? 0 : -expm1(-s) }
    public func quantile(_ u: Double) -> Double { -log1p(-u) }
}

extension ContinuousLaw {
    /// The bisection quantile, callable from types that override `quantile`.
    func defaultQuantile(_ u: Double) -> Double {
        var lo = support.lowerBound, hi = support.upperBound
        if !lo.isFinite { lo = -1; while cdf(lo) > u { lo *= 2 } }
        if !hi.isFinite { hi = 1; while cdf(hi) < u { hi *= 2 } }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid) < u { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * max(1, abs(mid)) { break }
        }
        return 0.5 * (lo + hi)
    }
}
