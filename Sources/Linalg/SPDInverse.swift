// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

extension Matrix {
    /// The inverse of a symmetric positive-definite matrix, by Cholesky
    /// factorisation (`dpotrf`) and `dpotri`.
    ///
    /// Only the upper triangle is read. The result is exactly symmetric (one
    /// triangle is computed and mirrored). Throws ``LinalgError/notPositiveDefinite(order:)``
    /// when a leading minor is not positive (the matrix is indefinite, or singular
    /// to working precision), and on NaN/∞ input.
    public func inverseSPD() throws(LinalgError) -> Matrix {
        guard isSquare else { throw .notSquare(operation: "SPD inverse", rows: rows, cols: cols) }
        let n = rows
        if n == 0 { return self }
        var a = self
        var uplo: CChar = 76  // "L" of column-major = upper triangle of row-major
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        let finite = a.elements.withUnsafeBufferPointer { allFinite($0.baseAddress!, count: n * n) }
        guard finite else { throw .nonFiniteInput(operation: "SPD inverse") }
        a.elements.withUnsafeMutableBufferPointer { p in
            dpotrf_(&uplo, &nn, p.baseAddress!, &lda, &info, 1)
        }
        if let error = lapackError("dpotrf", info, positive: { .notPositiveDefinite(order: $0) }) { throw error }
        a.elements.withUnsafeMutableBufferPointer { p in
            dpotri_(&uplo, &nn, p.baseAddress!, &lda, &info, 1)
        }
        if let error = lapackError("dpotri", info, positive: { .singular(order: $0) }) { throw error }
        for i in 0..<n { for j in 0..<i { a.elements[i * n + j] = a.elements[j * n + i] } }
        return a
    }
}

/// In-place inverses of symmetric positive-definite n×n matrices for hot loops:
/// `dpotrf` + `dpotri` on the caller's buffer, the triangle mirrored, no
/// allocation. Not thread-safe; one per thread.
public final class SPDInverter {
    public let n: Int

    public init(n: Int) {
        precondition(n >= 1, "SPDInverter: n must be at least 1")
        self.n = n
    }

    /// Replaces the row-major SPD matrix at `a` (upper triangle read) by its inverse.
    public func invert(_ a: UnsafeMutablePointer<Double>) throws(LinalgError) {
        guard allFinite(a, count: n * n) else { throw .nonFiniteInput(operation: "SPD inverse") }
        var uplo: CChar = 76
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        dpotrf_(&uplo, &nn, a, &lda, &info, 1)
        if let error = lapackError("dpotrf", info, positive: { .notPositiveDefinite(order: $0) }) { throw error }
        dpotri_(&uplo, &nn, a, &lda, &info, 1)
        if let error = lapackError("dpotri", info, positive: { .singular(order: $0) }) { throw error }
        for i in 0..<n { for j in 0..<i { a[i * n + j] = a[j * n + i] } }
    }
}
