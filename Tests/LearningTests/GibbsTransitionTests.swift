// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Learning
import Linalg
import Testing

/// The RBM's k Gibbs sweeps in one draw (n ≤ 16): the mean map must be Aᵏ and
/// the noise covariance that of k explicit sweeps, Σ_{j+1} = A Σ_j A + Σ with
/// Σ₁ = Σ = (I + A)/μ² — computed here by that recursion, not by the closed
/// form the transition uses.
@Suite struct GibbsTransitionTests {
    static func dense(_ p: UnsafePointer<Double>, n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { m[i, j] = p[i * GibbsTransition.stride + j] } }
        return m
    }

    @Test(arguments: [(1, 1), (3, 1), (3, 2), (10, 3), (10, 4), (16, 5), (7, 3)])
    func meanAndCovarianceAreThoseOfKSweeps(n: Int, k: Int) throws {
        let sigmaH2 = 1.3, mu2 = 9.0
        var g = Xoshiro256StarStar(seed: UInt64(10 * n + k))
        // W with σ_h² WᵀW well inside μ² (a stable model): singular values² up to 0.8 μ²/σ_h².
        let o = RandomMatrices.haarOrthogonal(n: n, using: &g), q = RandomMatrices.haarOrthogonal(n: n, using: &g)
        let s = (0..<n).map { (0.8 * mu2 / sigmaH2 * Double($0 + 1) / Double(n)).squareRoot() }
        let w = o * Matrix.diagonal(s) * q.transposed
        let transition = GibbsTransition(n: n, sweeps: k)
        let ok = w.elements.withUnsafeBufferPointer { transition.prepare(w: $0.baseAddress!, sigmaH2: sigmaH2, mu2: mu2) }
        #expect(ok)
        let a = (sigmaH2 / mu2) * (w.transposed * w)
        var power = a, covariance = (1 / mu2) * (Matrix.identity(n) + a)
        let sigma = covariance
        for _ in 1..<max(1, k) {
            power = power * a
            covariance = a * covariance * a + sigma
        }
        let mean = Self.dense(transition.mean, n: n)
        let u = Self.dense(transition.noiseFactor, n: n)  // Lᵀ
        let llt = u.transposed * u
        func worst(_ x: Matrix, _ y: Matrix) -> Double { zip(x.elements, y.elements).map { abs($0 - $1) }.max()! }
        #expect(worst(mean, power) < 1e-13 * max(1, power.elements.map(abs).max()!), "Aᵏ")
        #expect(worst(llt, covariance) < 1e-13 * covariance.elements.map(abs).max()!, "L Lᵀ = Σ_k")
        // Lᵀ is upper triangular with a positive diagonal, and the padding is zero.
        for i in 0..<n {
            #expect(u[i, i] > 0)
            for j in 0..<i { #expect(u[i, j] == 0) }
        }
        for i in 0..<GibbsTransition.stride {
            for j in 0..<GibbsTransition.stride where i >= n || j >= n {
                #expect(transition.mean[i * GibbsTransition.stride + j] == 0 && transition.noiseFactor[i * GibbsTransition.stride + j] == 0)
            }
        }
    }

    /// A weight matrix holding NaN is reported, not turned into noise.
    @Test func nonFiniteWeightsAreRefused() {
        let transition = GibbsTransition(n: 4, sweeps: 3)
        var w = [Double](repeating: 0.1, count: 16)
        w[5] = .nan
        let ok = w.withUnsafeBufferPointer { transition.prepare(w: $0.baseAddress!, sigmaH2: 1, mu2: 9) }
        #expect(!ok)
    }

    /// In law, one draw is k sweeps: chains drawn by explicit sweeps (h, then φ,
    /// k times) and by the transition have the same mean and covariance, to
    /// within 5 standard errors of 4·10⁴ draws each; a transition missing the
    /// factor (I + A) in Σ_k fails by dozens of errors.
    @Test func explicitSweepsAndOneDrawAgreeInLaw() throws {
        let n = 4, k = 3, sigmaH2 = 1.0, mu2 = 9.0, draws = 40_000
        var g = Xoshiro256StarStar(seed: 77)
        let w = RandomMatrices.gaussian(rows: n, cols: n, sd: 0.9, using: &g)
        let transition = GibbsTransition(n: n, sweeps: k)
        #expect(w.elements.withUnsafeBufferPointer { transition.prepare(w: $0.baseAddress!, sigmaH2: sigmaH2, mu2: mu2) })
        let start = [1.0, -0.5, 0.25, 2.0]
        var explicit = [[Double]](), collapsed = [[Double]]()
        for _ in 0..<draws {
            var phi = start
            for _ in 0..<k {
                let h = (0..<n).map { r in sigmaH2 * (0..<n).reduce(0) { $0 + w[r, $1] * phi[$1] } + sigmaH2.squareRoot() * g.nextNormal() }
                phi = (0..<n).map { i in (0..<n).reduce(0) { $0 + w[$1, i] * h[$1] } / mu2 + g.nextNormal() / mu2.squareRoot() }
            }
            explicit.append(phi)
            let z = (0..<n).map { _ in g.nextNormal() }
            let s = GibbsTransition.stride
            collapsed.append((0..<n).map { i in
                (0..<n).reduce(0) { $0 + start[$1] * transition.mean[$1 * s + i] } + (0..<n).reduce(0) { $0 + z[$1] * transition.noiseFactor[$1 * s + i] }
            })
        }
        for i in 0..<n {
            let x = explicit.map { $0[i] }, y = collapsed.map { $0[i] }
            let mx = x.reduce(0, +) / Double(draws), my = y.reduce(0, +) / Double(draws)
            let vx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) / Double(draws - 1)
            let vy = y.map { ($0 - my) * ($0 - my) }.reduce(0, +) / Double(draws - 1)
            #expect(abs(mx - my) < 5 * ((vx + vy) / Double(draws)).squareRoot(), "mean of φ_\(i)")
            // Var of a sample variance of normals: 2σ⁴/(N − 1).
            #expect(abs(vx - vy) < 5 * (2 * (vx * vx + vy * vy) / Double(draws - 1)).squareRoot(), "variance of φ_\(i)")
            for j in 0..<i {
                let cx = zip(x, explicit.map { $0[j] }).map { $0 * $1 }.reduce(0, +) / Double(draws) - mx * explicit.map { $0[j] }.reduce(0, +) / Double(draws)
                let cy = zip(y, collapsed.map { $0[j] }).map { $0 * $1 }.reduce(0, +) / Double(draws) - my * collapsed.map { $0[j] }.reduce(0, +) / Double(draws)
                #expect(abs(cx - cy) < 6 * (2 * vx * vx / Double(draws)).squareRoot() + 6 * (2 * vy * vy / Double(draws)).squareRoot(), "cov(φ_\(i), φ_\(j))")
            }
        }
    }
}
