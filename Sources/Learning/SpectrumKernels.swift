// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Closed-form spectra of small matrices shared by the models.
enum SpectrumKernels {
    /// Singular values of a row-major 2×2 matrix M = [[a, b], [c, d]], ascending.
    ///
    /// M splits into a scaled rotation plus a scaled reflection,
    ///
    ///     M = E·I + H·[[0, −1], [1, 0]] + F·[[1, 0], [0, −1]] + G·[[0, 1], [1, 0]],
    ///     E = (a + d)/2,  F = (a − d)/2,  G = (c + b)/2,  H = (c − b)/2,
    ///
    /// and with Q = √(E² + H²), R = √(F² + G²) the singular values are
    ///
    ///     s_big = Q + R,   s_small = |Q − R|,   det M = Q² − R².
    ///
    /// The gap s_big − s_small = 2·min(Q, R) (`singularValueGap2x2`) is a sum of
    /// squares of F, G (or E, H): when M is close to a multiple of a rotation
    /// (for the teacher–student student, W ≈ 2·I) R is the small one, and F = (a − d)/2
    /// is exact for a ≈ d (Sterbenz), so the gap keeps full relative precision
    /// however close the two values are, and is never negative.
    ///
    /// Each value is within a few ulps of the exact one, so s_big − s_small
    /// formed from the returned pair is within a few ulps of s_big (≈ 4e-16 for
    /// values ≈ 2) of the exact gap, and s_big ≥ s_small always (rounding is
    /// monotone). The textbook form s² = (tr MᵀM ± √((tr MᵀM)² − 4 det²))/2, used
    /// before, cancels in the discriminant: values ≈ 2 that differ by 1e-8 came out
    /// with errors ≈ 1e-8, half of such gaps negative.
    ///
    /// Non-finite entries give (nan, nan). `hypot` avoids overflow and
    /// underflow in the squares; the halvings are exact for normal numbers.
    @inline(__always)
    static func singularValues2x2(_ m: UnsafePointer<Double>) -> (Double, Double) {
        let (q, r) = rotationAndReflection(m)
        guard q.isFinite && r.isFinite else { return (.nan, .nan) }
        return (abs(q - r), q + r)
    }

    /// s_big − s_small of the row-major 2×2 matrix at `m`: 2·min(Q, R) (see
    /// `singularValues2x2`), to a few ulps of relative precision; nan for
    /// non-finite entries.
    @inline(__always)
    static func singularValueGap2x2(_ m: UnsafePointer<Double>) -> Double {
        let (q, r) = rotationAndReflection(m)
        guard q.isFinite && r.isFinite else { return .nan }
        return 2 * min(q, r)
    }

    /// Q = |rotation part| and R = |reflection part| of a 2×2 matrix.
    @inline(__always)
    private static func rotationAndReflection(_ m: UnsafePointer<Double>) -> (q: Double, r: Double) {
        let a = m[0], b = m[1], c = m[2], d = m[3]
        let e = 0.5 * a + 0.5 * d, f = 0.5 * a - 0.5 * d
        let g = 0.5 * c + 0.5 * b, h = 0.5 * c - 0.5 * b
        return (hypot(e, h), hypot(f, g))
    }
}
