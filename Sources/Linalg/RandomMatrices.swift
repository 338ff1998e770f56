// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

/// Random matrices from the classical ensembles.
public enum RandomMatrices {
    /// A rows×cols matrix of i.i.d. N(0, sd²) entries.
    public static func gaussian(rows: Int, cols: Int, sd: Double = 1, using rng: inout Xoshiro256StarStar) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        m.elements.withUnsafeMutableBufferPointer { rng.fillNormals($0, mean: 0, sd: sd) }
        return m
    }

    /// A GOE matrix: real symmetric, off-diagonal entries N(0, v), diagonal N(0, 2v),
    /// all independent up to symmetry. Its density is ∝ exp(−tr H²/(4v)); for
    /// v = 1/n its spectrum fills the semicircle of radius 2 as n → ∞.
    public static func goe(n: Int, variance v: Double, using rng: inout Xoshiro256StarStar) -> Matrix {
        precondition(v >= 0, "GOE: variance must be ≥ 0, got \(v)")
        var h = Matrix(rows: n, cols: n)
        let sdOff = v.squareRoot(), sdDiag = (2 * v).squareRoot()
        h.elements.withUnsafeMutableBufferPointer { p in
            fillGOE(p.baseAddress!, n: n, sdOffDiagonal: sdOff, sdDiagonal: sdDiag, using: &rng)
        }
        return h
    }

    /// Writes a GOE sample (row-major, both triangles) to `h`. Raw form for hot loops.
    @inlinable
    public static func fillGOE(
        _ h: UnsafeMutablePointer<Double>, n: Int, sdOffDiagonal: Double, sdDiagonal: Double,
        using rng: inout Xoshiro256StarStar
    ) {
        for i in 0..<n {
            h[i * n + i] = sdDiagonal * rng.nextNormal()
            for j in (i + 1)..<max(i + 1, n) {
                let x = sdOffDiagonal * rng.nextNormal()
                h[i * n + j] = x
                h[j * n + i] = x
            }
        }
    }

    /// A Haar-random (uniform) orthogonal n×n matrix.
    ///
    /// Method (Mezzadri 2007): QR-factorise a matrix G of i.i.d. N(0, 1) entries
    /// and multiply column j of Q by sign(R_jj). Without that sign fix Q is not
    /// Haar: LAPACK's Householder Q is a product of n − 1 reflections, so its
    /// determinant would always be (−1)ⁿ⁻¹.
    ///
    /// LAPACK factorises the column-major view of our buffer, i.e. Gᵀ (also i.i.d.
    /// Gaussian), and we read its sign-fixed Q back row-major, i.e. as (QD)ᵀ.
    /// The transpose of a Haar matrix is Haar, so no copies are needed.
    public static func haarOrthogonal(n: Int, using rng: inout Xoshiro256StarStar) -> Matrix {
        precondition(n >= 1, "Haar: n must be at least 1, got \(n)")
        var q = gaussian(rows: n, cols: n, using: &rng)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0, lwork: Int32 = -1
        var tau = [Double](repeating: 0, count: n)
        var wq = 0.0
        q.elements.withUnsafeMutableBufferPointer { p in
            dgeqrf_(&nn, &nn, p.baseAddress!, &lda, &tau, &wq, &lwork, &info)
        }
        var work = [Double](repeating: 0, count: max(Int(wq), n) * 2)
        lwork = Int32(work.count)
        var signs = [Double](repeating: 1, count: n)
        q.elements.withUnsafeMutableBufferPointer { p in
            let a = p.baseAddress!
            dgeqrf_(&nn, &nn, a, &lda, &tau, &work, &lwork, &info)
            precondition(info == 0, "dgeqrf failed on a finite Gaussian matrix (info \(info))")
            for j in 0..<n { signs[j] = a[j * n + j] < 0 ? -1 : 1 }  // column-major (j, j)
            dorgqr_(&nn, &nn, &nn, a, &lda, &tau, &work, &lwork, &info)
            precondition(info == 0, "dorgqr failed (info \(info))")
            // Column j of the column-major Q is row j of our row-major buffer.
            for j in 0..<n where signs[j] < 0 {
                for i in 0..<n { a[j * n + i] = -a[j * n + i] }
            }
        }
        return q
    }
}
