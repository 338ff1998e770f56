// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One-eigenvalue density of a 2×2 GOE block around λ₀ with width σ, where the
/// block M has P(M) ∝ exp(−tr (M − λ₀)²/(2σ²)) (diagonal variance σ²,
/// off-diagonal variance σ²/2):
///
///     ρ(λ) = e^{−u²/2}/(4√π σ)·[2e^{−u²/2} + √(2π)·u·erf(u/√2)],  u = (λ − λ₀)/σ.
///
/// Its eigenvalue spacing S has mean √π·σ and S/⟨S⟩ follows the β = 1 surmise.
/// The one-eigenvalue variance is ⟨(λ − λ₀)²⟩ = 3σ²/2.
public struct GOE2x2Density: ContinuousLaw {
    public let center: Double
    public let sigma: Double

    public init(center: Double, sigma: Double) {
        precondition(sigma > 0, "2×2 GOE density: σ must be positive, got \(sigma)")
        self.center = center
        self.sigma = sigma
    }

    public var name: String { "2×2 GOE density" }
    public var support: ClosedRange<Double> { -Double.infinity...Double.infinity }

    public func pdf(_ x: Double) -> Double {
        let u = (x - center) / sigma
        let g = exp(-u * u / 2)
        return g / (4 * Double.pi.squareRoot() * sigma) * (2 * g + (2 * Double.pi).squareRoot() * u * erf(u / 2.0.squareRoot()))
    }

    /// F(λ) = ½ + ½·erf(u) − (√2/4)·e^{−u²/2}·erf(u/√2), by integrating ρ
    /// (the second term by parts).
    public func cdf(_ x: Double) -> Double {
        let u = (x - center) / sigma
        return 0.5 + 0.5 * erf(u) - 2.0.squareRoot() / 4 * exp(-u * u / 2) * erf(u / 2.0.squareRoot())
    }

    /// ⟨S⟩ = √π σ, the mean spacing of the pair.
    public var meanSpacing: Double { Double.pi.squareRoot() * sigma }
}

/// The Wigner semicircle of radius R around c: ρ(x) = 2/(πR²)·√(R² − (x−c)²).
/// Variance R²/4. The large-g limit of a g×g GOE block with off-diagonal
/// variance v: R = 2√(g v).
public struct Semicircle: ContinuousLaw {
    public let center: Double
    public let radius: Double

    public init(center: Double = 0, radius: Double) {
        precondition(radius > 0, "semicircle: radius must be positive, got \(radius)")
        self.center = center
        self.radius = radius
    }

    public var name: String { "Wigner semicircle" }
    public var support: ClosedRange<Double> { (center - radius)...(center + radius) }

    public func pdf(_ x: Double) -> Double {
        let y = x - center
        guard abs(y) < radius else { return 0 }
        return 2 / (.pi * radius * radius) * (radius * radius - y * y).squareRoot()
    }

    public func cdf(_ x: Double) -> Double {
        let y = x - center
        if y <= -radius { return 0 }
        if y >= radius { return 1 }
        let r2 = radius * radius
        return 0.5 + y * (r2 - y * y).squareRoot() / (.pi * r2) + asin(y / radius) / .pi
    }
}

/// Marchenko–Pastur law of X = WᵀW/N for W an N×M matrix of i.i.d. entries of
/// variance v, ratio q = M/N ≤ 1: support v(1 ± √q)²,
/// ρ(x) = √((x₊ − x)(x − x₋))/(2π v q x). Mean v, variance v²q.
/// (For q > 1 the law has an atom at 0 of mass 1 − 1/q; not supported here.)
public struct MarchenkoPastur: ContinuousLaw {
    public let variance: Double
    public let ratio: Double

    public init(variance: Double, ratio: Double) {
        precondition(variance > 0, "Marchenko–Pastur: variance must be positive, got \(variance)")
        precondition(ratio > 0 && ratio <= 1, "Marchenko–Pastur: ratio q = M/N must lie in (0, 1], got \(ratio)")
        self.variance = variance
        self.ratio = ratio
    }

    public var name: String { "Marchenko–Pastur q=\(ratio)" }
    public var lowerEdge: Double { variance * pow(1 - ratio.squareRoot(), 2) }
    public var upperEdge: Double { variance * pow(1 + ratio.squareRoot(), 2) }
    public var support: ClosedRange<Double> { lowerEdge...upperEdge }

    public func pdf(_ x: Double) -> Double {
        guard x > lowerEdge && x < upperEdge else { return 0 }
        return ((upperEdge - x) * (x - lowerEdge)).squareRoot() / (2 * .pi * variance * ratio * x)
    }

    /// F by Gauss–Legendre quadrature in the angle θ, x = m + h cos θ, which
    /// removes the square-root endpoints (smooth integrand; 64 nodes give 1e-14).
    public func cdf(_ x: Double) -> Double {
        if x <= lowerEdge { return 0 }
        if x >= upperEdge { return 1 }
        let m = 0.5 * (upperEdge + lowerEdge), h = 0.5 * (upperEdge - lowerEdge)
        let theta0 = acos(max(-1, min(1, (x - m) / h)))  // from θ₀ to π
        let rule = MarchenkoPastur.rule
        var s = 0.0
        for (t, w) in zip(rule.nodes, rule.weights) {
            let theta = theta0 + (Double.pi - theta0) * (t + 1) / 2
            let xx = m + h * cos(theta)
            let sinT = sin(theta)
            s += w * (h * sinT) * (h * sinT) / (2 * .pi * variance * ratio * xx)
        }
        return min(1, max(0, s * (Double.pi - theta0) / 2))
    }

    static let rule = GaussLegendre(points: 64)
}

/// The distribution of the spacing ratio r̃ = min(sₙ, sₙ₋₁)/max(sₙ, sₙ₋₁) ∈ [0, 1]
/// for 3×3 Gaussian ensembles (Atas, Bogomolny, Giraud, Roux 2013), a close
/// surrogate for large n: P(r) = (1/Z_β)(r + r²)^β/(1 + r + r²)^{1 + 3β/2} on
/// [0, ∞), and r̃ has density 2P(r̃) on [0, 1].
/// Z₁ = 8/27, Z₂ = 4π/(81√3), Z₄ = 4π/(729√3). Poisson: P(r) = 1/(1 + r)².
public struct SpacingRatioLaw: ContinuousLaw {
    /// 0 for Poisson, else the Dyson index 1, 2 or 4.
    public let beta: Int

    public init(beta: Int) {
        precondition([0, 1, 2, 4].contains(beta), "spacing ratio law: β must be 0 (Poisson), 1, 2 or 4")
        self.beta = beta
    }

    public var name: String { beta == 0 ? "ratio law, Poisson" : "ratio law (Atas) β=\(beta)" }
    public var support: ClosedRange<Double> { 0...1 }

    public func pdf(_ r: Double) -> Double {
        guard r >= 0 && r <= 1 else { return 0 }
        if beta == 0 { return 2 / ((1 + r) * (1 + r)) }
        let b = Double(beta)
        let z: Double
        switch beta {
        case 1: z = 8.0 / 27
        case 2: z = 4 * .pi / (81 * 3.0.squareRoot())
        default: z = 4 * .pi / (729 * 3.0.squareRoot())
        }
        return 2 / z * pow(r + r * r, b) / pow(1 + r + r * r, 1 + 1.5 * b)
    }

    public func cdf(_ r: Double) -> Double {
        if r <= 0 { return 0 }
        if r >= 1 { return 1 }
        if beta == 0 { return 2 * r / (1 + r) }
        return min(1, Quadrature.integrate(0, r, tol: 1e-13) { pdf($0) })
    }

    /// ⟨r̃⟩ of this law: Poisson 2 ln 2 − 1; β = 1: 4 − 2√3; β = 2: 2√3/π − ½;
    /// β = 4: 32√3/(15π) − ½.
    public var mean: Double {
        switch beta {
        case 0: return 2 * log(2) - 1
        case 1: return 4 - 2 * 3.0.squareRoot()
        case 2: return 2 * 3.0.squareRoot() / .pi - 0.5
        default: return 32 * 3.0.squareRoot() / (15 * .pi) - 0.5
        }
    }
}

/// Reference values of ⟨r̃⟩ for large matrices (Atas et al. 2013, numerics).
public enum SpacingRatioReference {
    public static let poisson = 2 * log(2.0) - 1  // 0.3863
    public static let goe = 0.5307
    public static let gue = 0.5996
    public static let gse = 0.6744
}
