// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

/// Singular values of real m×n matrices by LAPACK's divide-and-conquer `dgesdd`
/// (values only).
///
/// The singular values of a row-major W are those of the column-major Wᵀ LAPACK
/// sees, so no transpose is made. They come back in descending order. For the
/// spectrum of X = WᵀW, square them: that is more accurate than the eigenvalues
/// of the formed product, whose small eigenvalues lose relative precision to
/// cancellation.
///
/// A solver owns its workspace; repeated calls allocate nothing. One per thread.
public final class SingularValueSolver {
    public let rows: Int
    public let cols: Int
    private var a: [Double]
    private var work: [Double]
    private var iwork: [Int32]

    public init(rows: Int, cols: Int) {
        precondition(rows >= 1 && cols >= 1, "SingularValueSolver: shape \(rows)×\(cols) has no entries")
        self.rows = rows
        self.cols = cols
        self.a = [Double](repeating: 0, count: rows * cols)
        let k = min(rows, cols)
        var jobz: CChar = 78  // "N"
        var m = Int32(cols), n = Int32(rows), lda = Int32(cols), ld1: Int32 = 1
        var lwork: Int32 = -1, info: Int32 = 0, wq = 0.0, d = 0.0, s = 0.0, u = 0.0, vt = 0.0
        var iw: Int32 = 0
        dgesdd_(&jobz, &m, &n, &d, &lda, &s, &u, &ld1, &vt, &ld1, &wq, &lwork, &iw, &info, 1)
        let minWork = 3 * k + max(max(rows, cols), 7 * k)
        self.work = [Double](repeating: 0, count: max(Int(wq), minWork))
        self.iwork = [Int32](repeating: 0, count: 8 * k)
    }

    /// Singular values (descending, min(rows, cols) of them) of the row-major
    /// matrix at `matrix`, written to `values`. The input is not modified.
    public func solve(_ matrix: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>) throws(LinalgError) {
        let count = rows * cols
        guard allFinite(matrix, count: count) else { throw .nonFiniteInput(operation: "singular values") }
        var jobz: CChar = 78
        var m = Int32(cols), n = Int32(rows), lda = Int32(cols), ld1: Int32 = 1
        var lwork = Int32(work.count), info: Int32 = 0, u = 0.0, vt = 0.0
        a.withUnsafeMutableBufferPointer { pa in
            pa.baseAddress!.update(from: matrix, count: count)
            work.withUnsafeMutableBufferPointer { pw in
                iwork.withUnsafeMutableBufferPointer { piw in
                    dgesdd_(&jobz, &m, &n, pa.baseAddress!, &lda, values, &u, &ld1, &vt, &ld1,
                            pw.baseAddress!, &lwork, piw.baseAddress!, &info, 1)
                }
            }
        }
        if let error = lapackError("dgesdd", info, positive: { .didNotConverge(routine: "dgesdd", info: $0) }) {
            throw error
        }
    }

    /// Singular values of `matrix`, descending.
    public func singularValues(of matrix: Matrix) throws(LinalgError) -> [Double] {
        guard matrix.rows == rows && matrix.cols == cols else {
            throw .wrongSize(operation: "singular values", expected: "\(rows)×\(cols)", got: matrix.shapeDescription)
        }
        var s = [Double](repeating: 0, count: min(rows, cols))
        try matrix.elements.withUnsafeBufferPointer { (pm) throws(LinalgError) in
            try s.withUnsafeMutableBufferPointer { (ps) throws(LinalgError) in
                try solve(pm.baseAddress!, values: ps.baseAddress!)
            }
        }
        return s
    }
}

extension Matrix {
    /// Singular values, descending (`dgesdd`). Throws on NaN/∞ input or LAPACK failure.
    public func singularValues() throws(LinalgError) -> [Double] {
        if rows == 0 || cols == 0 { return [] }
        return try SingularValueSolver(rows: rows, cols: cols).singularValues(of: self)
    }
}
