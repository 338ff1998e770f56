// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

/// Eigenvalues (and optionally eigenvectors) of real symmetric n×n matrices by
/// LAPACK's divide-and-conquer `dsyevd`.
///
/// A solver owns its workspace (queried once from LAPACK at construction), so
/// repeated calls allocate nothing; that is what ensembles need. It is not safe
/// to share one solver between threads: give each thread its own.
///
/// Only the upper triangle of the row-major input is read (LAPACK sees the
/// column-major transpose and reads its lower triangle); a non-symmetric input
/// is therefore treated as its upper-triangle symmetrisation, not rejected.
/// Eigenvalues come back in ascending order. Accuracy: backward stable, each
/// eigenvalue to within about n·ε·‖H‖₂.
public final class SymmetricEigenSolver {
    public let n: Int
    public let computesVectors: Bool
    private var a: [Double]
    private var work: [Double]
    private var iwork: [Int32]

    /// A solver for n×n matrices; `vectors` selects eigenvectors as well.
    public init(n: Int, vectors: Bool = false) {
        precondition(n >= 1, "SymmetricEigenSolver: n must be at least 1, got \(n)")
        self.n = n
        self.computesVectors = vectors
        self.a = [Double](repeating: 0, count: n * n)
        var jobz: CChar = vectors ? 86 : 78  // "V" : "N"
        var uplo: CChar = 76  // "L"
        var nn = Int32(n), lda = Int32(n), lwork: Int32 = -1, liwork: Int32 = -1, info: Int32 = 0
        var wq = 0.0, iwq: Int32 = 0, wdummy = 0.0, adummy = 0.0
        dsyevd_(&jobz, &uplo, &nn, &adummy, &lda, &wdummy, &wq, &lwork, &iwq, &liwork, &info, 1, 1)
        // Fall back to the documented minimum sizes if the query misbehaves.
        let minWork = vectors ? 1 + 6 * n + 2 * n * n : 2 * n + 1
        let minIWork = vectors ? 3 + 5 * n : 1
        self.work = [Double](repeating: 0, count: max(Int(wq), minWork))
        self.iwork = [Int32](repeating: 0, count: max(Int(iwq), minIWork))
    }

    /// Eigenvalues of the symmetric matrix at `matrix` (n×n, row-major), ascending,
    /// written to `values` (n entries). The input is not modified.
    /// If the solver computes vectors, they are left in `vectors` (if given) as a
    /// row-major n×n matrix whose column j is the unit eigenvector of `values[j]`.
    public func solve(
        _ matrix: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
        vectors: UnsafeMutablePointer<Double>? = nil
    ) throws(LinalgError) {
        let count = n * n
        guard allFinite(matrix, count: count) else { throw .nonFiniteInput(operation: "eigenvalues") }
        var jobz: CChar = computesVectors ? 86 : 78
        var uplo: CChar = 76
        var nn = Int32(n), lda = Int32(n), lwork = Int32(work.count), liwork = Int32(iwork.count), info: Int32 = 0
        a.withUnsafeMutableBufferPointer { pa in
            pa.baseAddress!.update(from: matrix, count: count)
            work.withUnsafeMutableBufferPointer { pw in
                iwork.withUnsafeMutableBufferPointer { piw in
                    dsyevd_(&jobz, &uplo, &nn, pa.baseAddress!, &lda, values, pw.baseAddress!, &lwork,
                            piw.baseAddress!, &liwork, &info, 1, 1)
                }
            }
        }
        if let error = lapackError("dsyevd", info, positive: { .didNotConverge(routine: "dsyevd", info: $0) }) {
            throw error
        }
        if computesVectors, let vectors {
            // LAPACK's column-major Z, read row-major, is Zᵀ: transpose it back.
            a.withUnsafeBufferPointer { pa in
                for i in 0..<n { for j in 0..<n { vectors[i * n + j] = pa[j * n + i] } }
            }
        }
    }

    /// Eigenvalues of `matrix`, ascending.
    public func eigenvalues(of matrix: Matrix) throws(LinalgError) -> [Double] {
        try check(matrix)
        var w = [Double](repeating: 0, count: n)
        try matrix.elements.withUnsafeBufferPointer { (pm) throws(LinalgError) in
            try w.withUnsafeMutableBufferPointer { (pw) throws(LinalgError) in
                try solve(pm.baseAddress!, values: pw.baseAddress!)
            }
        }
        return w
    }

    private func check(_ matrix: Matrix) throws(LinalgError) {
        guard matrix.isSquare else { throw .notSquare(operation: "eigenvalues", rows: matrix.rows, cols: matrix.cols) }
        guard matrix.rows == n else { throw .wrongSize(operation: "eigenvalues", expected: "\(n)×\(n)", got: matrix.shapeDescription) }
    }

    /// Eigenvalues (ascending) and the matrix whose column j is the eigenvector of
    /// eigenvalue j. Needs a solver built with `vectors: true`.
    public func decomposition(of matrix: Matrix) throws(LinalgError) -> (values: [Double], vectors: Matrix) {
        precondition(computesVectors, "SymmetricEigenSolver: built without eigenvectors")
        try check(matrix)
        var w = [Double](repeating: 0, count: n)
        var z = Matrix(rows: n, cols: n)
        try matrix.elements.withUnsafeBufferPointer { (pm) throws(LinalgError) in
            try w.withUnsafeMutableBufferPointer { (pw) throws(LinalgError) in
                try z.elements.withUnsafeMutableBufferPointer { (pz) throws(LinalgError) in
                    try solve(pm.baseAddress!, values: pw.baseAddress!, vectors: pz.baseAddress!)
                }
            }
        }
        return (w, z)
    }
}

extension Matrix {
    /// Eigenvalues of this symmetric matrix, ascending (`dsyevd`).
    /// Only the upper triangle is read. Throws on NaN/∞ input or LAPACK failure.
    public func symmetricEigenvalues() throws(LinalgError) -> [Double] {
        guard isSquare else { throw .notSquare(operation: "eigenvalues", rows: rows, cols: cols) }
        if rows == 0 { return [] }
        return try SymmetricEigenSolver(n: rows).eigenvalues(of: self)
    }

    /// Eigenvalues (ascending) and eigenvectors (as columns) of this symmetric matrix.
    public func symmetricEigendecomposition() throws(LinalgError) -> (values: [Double], vectors: Matrix) {
        guard isSquare else { throw .notSquare(operation: "eigenvalues", rows: rows, cols: cols) }
        if rows == 0 { return ([], Matrix(rows: 0, cols: 0)) }
        return try SymmetricEigenSolver(n: rows, vectors: true).decomposition(of: self)
    }
}
