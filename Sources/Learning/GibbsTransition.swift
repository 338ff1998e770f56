// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// k Gibbs sweeps of the Gaussian RBM's visible chain in one draw (n ≤ 16).
///
/// One sweep, h | φ ~ N(σ_h² Wφ, σ_h²) then φ′ | h ~ N(Wᵀh/μ², 1/μ²), is
///     φ′ = A φ + η,   A = (σ_h²/μ²) WᵀW,   η ~ N(0, Σ),   Σ = (I + A)/μ²,
/// since η = (σ_h/μ²) Wᵀξ + ξ′/μ has covariance (σ_h²/μ⁴) WᵀW + I/μ². After k
/// sweeps φ_k = Aᵏ φ₀ + Σᵢ Aⁱ η_{k−i}, so, A and Σ being commuting symmetric
/// polynomials in WᵀW,
///     φ_k | φ₀ ~ N(Aᵏ φ₀, Σ_k),   Σ_k = (I + A)(I + A² + … + A^{2(k−1)})/μ².
/// Drawing φ_k = Aᵏφ₀ + L ζ with Σ_k = L Lᵀ (Cholesky) and ζ ~ N(0, I) is the
/// same Markov chain for φ as k explicit sweeps — exact in law, not an
/// approximation — with n normals per chain and update instead of 2kn. The
/// hidden units are never needed: Ĉ and the update use φ only.
///
/// Matrices are n×n at row stride 16 with zero padding, for
/// `Products.multiplyStride16`; the chain products use the same kernel.
final class GibbsTransition: @unchecked Sendable {
    let n: Int
    let sweeps: Int
    static let stride = 16
    /// Aᵏ (the mean map) and Lᵀ (upper triangular), each 16×16.
    var mean: UnsafeMutablePointer<Double> { storage }
    var noiseFactor: UnsafeMutablePointer<Double> { storage + 256 }
    private var a: UnsafeMutablePointer<Double> { storage + 2 * 256 }
    private var aSquared: UnsafeMutablePointer<Double> { storage + 3 * 256 }
    private var power: UnsafeMutablePointer<Double> { storage + 4 * 256 }
    private var sum: UnsafeMutablePointer<Double> { storage + 5 * 256 }
    private var scratch: UnsafeMutablePointer<Double> { storage + 6 * 256 }
    private var covariance: UnsafeMutablePointer<Double> { storage + 7 * 256 }
    private let storage: UnsafeMutablePointer<Double>

    init(n: Int, sweeps: Int) {
        precondition(n >= 1 && n <= Self.stride && sweeps >= 1, "GibbsTransition: n in 1…16 and k ≥ 1")
        self.n = n
        self.sweeps = sweeps
        storage = .allocate(capacity: 8 * 256)
        storage.initialize(repeating: 0, count: 8 * 256)
    }

    deinit { storage.deallocate() }

    /// Z ← X·Y for n×n matrices at stride 16 (Z distinct from X and Y).
    @inline(__always)
    private func product(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, into z: UnsafeMutablePointer<Double>) {
        Products.multiplyStride16(x, y, into: z, m: n, k: n)
    }

    /// Sets Aᵏ and Lᵀ for W (n×n, row-major, stride n). False when Σ_k is not
    /// positive definite numerically (only when W holds NaN or ∞).
    func prepare(w: UnsafePointer<Double>, sigmaH2: Double, mu2: Double) -> Bool {
        let n = self.n, s = Self.stride, used = n * s
        // A = (σ_h²/μ²)·WᵀW as (c·Wᵀ)·W with both at stride 16 (`scratch`, `power`).
        let c = sigmaH2 / mu2, wt = scratch, ws = power
        for r in 0..<n { for j in 0..<n { let v = w[r * n + j]; ws[r * s + j] = v; wt[j * s + r] = c * v } }
        product(wt, ws, into: a)
        // Aᵏ, and P = I + A² + … + A^{2(k−1)} in `sum`.
        for i in 0..<used { sum[i] = 0 }
        for i in 0..<n { sum[i * s + i] = 1 }
        // E_i = A^{2i} for i = 1 … k−1 in `power`; Aᵏ = E_{k/2}, or E_{(k−1)/2}·A when k is odd.
        let k = sweeps
        func takeMean(_ e: UnsafePointer<Double>, _ i: Int) {
            if 2 * i == k { mean.update(from: e, count: used) } else if 2 * i + 1 == k { product(e, a, into: mean) }
        }
        takeMean(sum, 0)  // k = 1: Aᵏ = I·A
        if k > 1 {
            product(a, a, into: aSquared)
            power.update(from: aSquared, count: used)
            for i in 1..<k {
                if i > 1 {
                    product(power, aSquared, into: scratch)
                    power.update(from: scratch, count: used)
                }
                for j in 0..<used { sum[j] += power[j] }
                takeMean(power, i)
            }
        }
        // Σ_k = (P + A·P)/μ².
        product(a, sum, into: scratch)
        let inverseMu2 = 1 / mu2
        for i in 0..<used { covariance[i] = (sum[i] + scratch[i]) * inverseMu2 }
        // Σ_k = L Lᵀ (Cholesky), written directly as Lᵀ: u[j][i] = L[i][j].
        let u = noiseFactor
        for i in 0..<used { u[i] = 0 }
        for j in 0..<n {
            var d = covariance[j * s + j]
            for p in 0..<j { d -= u[p * s + j] * u[p * s + j] }
            guard d > 0 else { return false }
            let root = d.squareRoot(), inverseRoot = 1 / root
            u[j * s + j] = root
            for i in (j + 1)..<n {
                var t = covariance[i * s + j]
                for p in 0..<j { t -= u[p * s + i] * u[p * s + j] }
                u[j * s + i] = t * inverseRoot
            }
        }
        return true
    }
}
