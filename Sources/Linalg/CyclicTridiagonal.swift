// SPDX-License-Identifier: GPL-3.0-or-later

/// Solves with the symmetric cyclic tridiagonal matrix K = d·I − S − Sᵀ
/// (S the cyclic shift: d on the diagonal, −1 between periodic neighbours),
/// the lattice kernel of a free field on a ring when d = m² + 2. Applying K⁻¹
/// this way costs O(n) per vector instead of the O(n²) of a dense inverse.
///
/// Method: Sherman–Morrison around the Thomas algorithm (Press et al.,
/// Numerical Recipes §2.7). K = T + u·vᵀ with T tridiagonal, u = (γ, 0, …, 0, −1),
/// v = (1, 0, …, 0, −1/γ), γ = −d; T's elimination and z = T⁻¹u are computed
/// once. For d > 2 every matrix involved is strictly diagonally dominant, so the
/// elimination needs no pivoting and is backward stable; the result agrees with
/// a dense K⁻¹ to a few ulps times the condition number (d + 2)/(d − 2).
public struct CyclicTridiagonalSolver: Sendable {
    public let n: Int
    public let diagonal: Double
    /// Thomas elimination of T: the modified super-diagonal c′ᵢ and 1/pivotᵢ.
    private let upper: [Double]
    private let inversePivot: [Double]
    /// z = T⁻¹u and the Sherman–Morrison denominator 1 + vᵀz.
    private let z: [Double]
    private let denominator: Double

    /// Nil unless n ≥ 3 and d > 2 (at d = 2 the matrix is singular: the constant
    /// vector is a zero mode; n < 3 is not tridiagonal with distinct neighbours).
    public init?(n: Int, diagonal d: Double) {
        guard n >= 3, d > 2, d.isFinite else { return nil }
        self.n = n
        diagonal = d
        let gamma = -d
        var b = [Double](repeating: d, count: n)
        b[0] = d - gamma
        b[n - 1] = d - 1 / gamma  // d − αβ/γ with α = β = −1
        var upper = [Double](repeating: 0, count: n), inv = [Double](repeating: 0, count: n)
        inv[0] = 1 / b[0]
        upper[0] = -inv[0]
        for i in 1..<n {
            inv[i] = 1 / (b[i] + upper[i - 1])  // b − e·c′ with e = −1
            upper[i] = -inv[i]
        }
        self.upper = upper
        inversePivot = inv
        var u = [Double](repeating: 0, count: n)
        u[0] = gamma
        u[n - 1] = -1
        var z = u
        Self.thomas(&z, upper: upper, inversePivot: inv)
        self.z = z
        denominator = 1 + z[0] + z[n - 1] / d  // vᵀz with v = (1, 0, …, 0, β/γ = 1/d)
    }

    /// T·x = r in place (sub- and super-diagonal −1).
    private static func thomas(_ r: UnsafeMutablePointer<Double>, n: Int, upper: UnsafePointer<Double>, inversePivot: UnsafePointer<Double>) {
        r[0] *= inversePivot[0]
        for i in 1..<n { r[i] = (r[i] + r[i - 1]) * inversePivot[i] }
        for i in stride(from: n - 2, through: 0, by: -1) { r[i] -= upper[i] * r[i + 1] }
    }

    private static func thomas(_ r: inout [Double], upper: [Double], inversePivot: [Double]) {
        let n = r.count
        r.withUnsafeMutableBufferPointer { pr in
            upper.withUnsafeBufferPointer { pu in
                inversePivot.withUnsafeBufferPointer { pi in thomas(pr.baseAddress!, n: n, upper: pu.baseAddress!, inversePivot: pi.baseAddress!) }
            }
        }
    }

    /// Replaces `x` (n values) by K⁻¹x.
    public func solve(_ x: UnsafeMutablePointer<Double>) {
        upper.withUnsafeBufferPointer { pu in
            inversePivot.withUnsafeBufferPointer { pi in
                Self.thomas(x, n: n, upper: pu.baseAddress!, inversePivot: pi.baseAddress!)
            }
        }
        let factor = (x[0] + x[n - 1] / diagonal) / denominator
        z.withUnsafeBufferPointer { pz in for i in 0..<n { x[i] -= factor * pz[i] } }
    }

    /// Columns `columns` of Y = K⁻¹·B for B with n rows at row stride `ld`
    /// (Y at row stride `ldy`; Y may be B). For X = W·K⁻¹ pass B = Wᵀ: K is
    /// symmetric, so Xᵀ = K⁻¹·Wᵀ.
    ///
    /// The elimination runs down the rows with the columns innermost: one
    /// column's recurrence is a chain of dependent operations, but the columns
    /// are independent and contiguous, so they go through the vector units
    /// together. Each column gets exactly the arithmetic of `solve`.
    public func solveColumns(_ b: UnsafePointer<Double>, ld: Int, columns: Range<Int>, into y: UnsafeMutablePointer<Double>, ldy: Int) {
        guard !columns.isEmpty else { return }
        let n = self.n, d = diagonal, denominator = self.denominator
        let lo = columns.lowerBound, m = columns.count
        upper.withUnsafeBufferPointer { pu in
        inversePivot.withUnsafeBufferPointer { pi in
        z.withUnsafeBufferPointer { pz in
            let upper = pu.baseAddress!, inv = pi.baseAddress!, z = pz.baseAddress!
            do {
                let p = inv[0], src = b + lo, dst = y + lo
                for c in 0..<m { dst[c] = src[c] * p }
            }
            for i in 1..<n {
                let p = inv[i], src = b + i * ld + lo, dst = y + i * ldy + lo, above = y + (i - 1) * ldy + lo
                for c in 0..<m { dst[c] = (src[c] + above[c]) * p }
            }
            for i in stride(from: n - 2, through: 0, by: -1) {
                let u = upper[i], row = y + i * ldy + lo, below = y + (i + 1) * ldy + lo
                for c in 0..<m { row[c] -= u * below[c] }
            }
            let top = y + lo, bottom = y + (n - 1) * ldy + lo
            withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { factors in
                for c in 0..<m { factors[c] = (top[c] + bottom[c] / d) / denominator }
                for i in 0..<n {
                    let zi = z[i], row = y + i * ldy + lo
                    for c in 0..<m { row[c] -= factors[c] * zi }
                }
            }
        }}}
    }
}
