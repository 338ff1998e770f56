// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

/// Matrix products: OpenBLAS `dgemm` for large operands, tight loops for small ones.
///
/// Calling `dgemm` costs ≈ 65 ns before any arithmetic (argument checks, dispatch,
/// packing), which is 15× the whole 2×2 product. The loop kernel keeps a row of C
/// in SIMD registers; compiled for baseline x86-64 (SSE2, no FMA) it runs at about
/// 12 GF/s, so it beats `dgemm` up to about 10×10×10 and loses beyond
/// (`make bench-linalg` measures both). Products of at most
/// ``Products/smallProductLimit`` multiply–adds use the loops, larger ones BLAS.
public enum Products {
    /// Products with m·n·k at or below this many multiply–adds use the loop kernel
    /// (10×10×10; measured crossover on this machine, see `make bench-linalg`).
    public static let smallProductLimit = 1000

    /// C ← A·B (+ C if `accumulate`) for row-major A (m×k), B (k×n), C (m×n),
    /// with leading dimensions equal to the column counts.
    ///
    /// Raw-pointer form for hot loops: no allocation, no shape checks beyond the
    /// caller's. Chooses the loop kernel or `dgemm` by size.
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, accumulate: Bool = false
    ) {
        if m * n * k <= smallProductLimit {
            smallMultiply(a, b, into: c, m: m, n: n, k: k, accumulate: accumulate)
        } else {
            blasMultiply(a, b, into: c, m: m, n: n, k: k, accumulate: accumulate)
        }
    }

    /// The loop kernel: C ← A·B (+ C). Exact same arithmetic for every size; the
    /// 2×2×2 case is written out because it is the teacher–student model's product.
    @inlinable
    public static func smallMultiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, accumulate: Bool = false
    ) {
        if m == 2 && n == 2 && k == 2 {
            let c0 = a[0] * b[0] + a[1] * b[2]
            let c1 = a[0] * b[1] + a[1] * b[3]
            let c2 = a[2] * b[0] + a[3] * b[2]
            let c3 = a[2] * b[1] + a[3] * b[3]
            if accumulate {
                c[0] += c0; c[1] += c1; c[2] += c2; c[3] += c3
            } else {
                c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3
            }
            return
        }
        if n <= 16 {
            rowBlockedMultiply(a, b, into: c, m: m, n: n, k: k, accumulate: accumulate)
            return
        }
        // Wide rows: C[i,:] = Σ_p A[i,p]·B[p,:], the j loop contiguous.
        for i in 0..<m {
            let ci = c + i * n
            let ai = a + i * k
            if !accumulate {
                for j in 0..<n { ci[j] = 0 }
            }
            for p in 0..<k {
                let aip = ai[p]
                let bp = b + p * n
                for j in 0..<n { ci[j] += aip * bp[j] }
            }
        }
    }

    /// n ≤ 16: a whole row of C stays in up to four SIMD4 registers (plus up to three
    /// scalars) through the p loop, so the multiply–adds of different columns are
    /// independent and the loop runs at throughput, not at add latency.
    @inlinable
    static func rowBlockedMultiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        let chunks = n >> 2, n4 = chunks << 2, rest = n - n4
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
        }
        for i in 0..<m {
            let ci = c + i * n
            let ai = a + i * k
            var v0 = SIMD4<Double>(), v1 = SIMD4<Double>(), v2 = SIMD4<Double>(), v3 = SIMD4<Double>()
            var s0 = 0.0, s1 = 0.0, s2 = 0.0
            for p in 0..<k {
                let x = ai[p]
                let bp = b + p * n
                let xv = SIMD4<Double>(repeating: x)
                if chunks > 0 { v0 += xv * load(bp) }
                if chunks > 1 { v1 += xv * load(bp + 4) }
                if chunks > 2 { v2 += xv * load(bp + 8) }
                if chunks > 3 { v3 += xv * load(bp + 12) }
                if rest > 0 { s0 += x * bp[n4] }
                if rest > 1 { s1 += x * bp[n4 + 1] }
                if rest > 2 { s2 += x * bp[n4 + 2] }
            }
            if accumulate {
                if chunks > 0 { v0 += load(ci) }
                if chunks > 1 { v1 += load(ci + 4) }
                if chunks > 2 { v2 += load(ci + 8) }
                if chunks > 3 { v3 += load(ci + 12) }
                if rest > 0 { s0 += ci[n4] }
                if rest > 1 { s1 += ci[n4 + 1] }
                if rest > 2 { s2 += ci[n4 + 2] }
            }
            let out = UnsafeMutableRawPointer(ci)
            if chunks > 0 { out.storeBytes(of: v0, as: SIMD4<Double>.self) }
            if chunks > 1 { out.storeBytes(of: v1, toByteOffset: 32, as: SIMD4<Double>.self) }
            if chunks > 2 { out.storeBytes(of: v2, toByteOffset: 64, as: SIMD4<Double>.self) }
            if chunks > 3 { out.storeBytes(of: v3, toByteOffset: 96, as: SIMD4<Double>.self) }
            if rest > 0 { ci[n4] = s0 }
            if rest > 1 { ci[n4 + 1] = s1 }
            if rest > 2 { ci[n4 + 2] = s2 }
        }
    }

    /// C ← A·B (+ C) for narrow matrices stored with row stride 16: A is m×k
    /// (k ≤ 16 columns used), B is k×16, C is m×16. Each row of C is one
    /// SIMD16 (four AVX registers) held through the p loop, two rows at a time
    /// so that the additions of different rows overlap. Columns of B beyond the
    /// meaningful ones should be zero (their C columns are then A·0 + C).
    /// For the ensembles' chain × weight products with n ≤ 16, where `dgemm`'s
    /// call overhead is most of the cost.
    @inlinable
    public static func multiplyStride16(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, k: Int, accumulate: Bool = false
    ) {
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> SIMD16<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Double>.self)
        }
        var i = 0
        while i + 1 < m {
            let a0 = a + 16 * i, a1 = a0 + 16
            var c0 = accumulate ? load(c + 16 * i) : SIMD16<Double>()
            var c1 = accumulate ? load(c + 16 * i + 16) : SIMD16<Double>()
            for p in 0..<k {
                let bp = load(b + 16 * p)
                #if DYSON_FMA
                c0.addProduct(SIMD16(repeating: a0[p]), bp)
                c1.addProduct(SIMD16(repeating: a1[p]), bp)
                #else
                c0 += SIMD16(repeating: a0[p]) * bp
                c1 += SIMD16(repeating: a1[p]) * bp
                #endif
            }
            UnsafeMutableRawPointer(c + 16 * i).storeBytes(of: c0, as: SIMD16<Double>.self)
            UnsafeMutableRawPointer(c + 16 * i + 16).storeBytes(of: c1, as: SIMD16<Double>.self)
            i += 2
        }
        if i < m {
            let a0 = a + 16 * i
            var c0 = accumulate ? load(c + 16 * i) : SIMD16<Double>()
            for p in 0..<k {
                #if DYSON_FMA
                c0.addProduct(SIMD16(repeating: a0[p]), load(b + 16 * p))
                #else
                c0 += SIMD16(repeating: a0[p]) * load(b + 16 * p)
                #endif
            }
            UnsafeMutableRawPointer(c + 16 * i).storeBytes(of: c0, as: SIMD16<Double>.self)
        }
    }

    /// C ← A·B (+ C) through `cblas_dgemm`, row-major.
    @inlinable
    public static func blasMultiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int, accumulate: Bool = false
    ) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1.0,
                    a, Int32(k), b, Int32(n), accumulate ? 1.0 : 0.0, c, Int32(n))
    }

    /// General `dgemm`: C ← α·op(A)·op(B) + β·C, row-major, op = transpose when asked.
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
        _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, into c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// out (n×n, both triangles) ← scale·AᵀA for A with `rows` rows of n used
    /// columns at row stride `lda`. Loops for small A, `dsyrk` for large.
    @inlinable
    public static func gram(
        _ a: UnsafePointer<Double>, rows: Int, cols n: Int, lda: Int, scale: Double,
        into out: UnsafeMutablePointer<Double>
    ) {
        if rows * n * n <= 2 * smallProductLimit {
            for i in 0..<(n * n) { out[i] = 0 }
            for r in 0..<rows {
                let ar = a + r * lda
                for i in 0..<n {
                    let v = ar[i]
                    let oi = out + i * n
                    for j in i..<n { oi[j] += v * ar[j] }
                }
            }
            for i in 0..<n { for j in i..<n { out[i * n + j] *= scale } }
        } else {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rows), scale, a, Int32(lda), 0, out, Int32(n))
        }
        for i in 0..<n { for j in 0..<i { out[i * n + j] = out[j * n + i] } }
    }

    /// A·B for matrices; traps with both shapes if the inner dimensions differ.
    public static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "Matrix product: \(a.shapeDescription) · \(b.shapeDescription): inner dimensions differ")
        var c = Matrix(rows: a.rows, cols: b.cols)
        if a.rows == 0 || b.cols == 0 || a.cols == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    multiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: a.rows, n: b.cols, k: a.cols)
                }
            }
        }
        return c
    }

    /// AᵀA (the Gram matrix, symmetric positive semi-definite), via `dsyrk` for
    /// large A and loops for small A; both triangles are filled.
    public static func gram(_ a: Matrix) -> Matrix {
        let n = a.cols, m = a.rows
        var g = Matrix(rows: n, cols: n)
        if n == 0 || m == 0 { return g }
        a.elements.withUnsafeBufferPointer { pa in
            g.elements.withUnsafeMutableBufferPointer { pg in
                let src = pa.baseAddress!, dst = pg.baseAddress!
                if m * n * n <= smallProductLimit {
                    for p in 0..<m {
                        let ap = src + p * n
                        for i in 0..<n {
                            let v = ap[i]
                            for j in i..<n { dst[i * n + j] += v * ap[j] }
                        }
                    }
                } else {
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(m),
                                1.0, src, Int32(n), 0.0, dst, Int32(n))
                }
                for i in 0..<n { for j in 0..<i { dst[i * n + j] = dst[j * n + i] } }
            }
        }
        return g
    }
}

extension Matrix {
    /// The matrix product; traps with both shapes if the inner dimensions differ.
    public static func * (a: Matrix, b: Matrix) -> Matrix { Products.product(a, b) }

    /// Matrix times vector.
    public static func * (a: Matrix, x: [Double]) -> [Double] {
        precondition(a.cols == x.count, "Matrix·vector: \(a.shapeDescription) · \(x.count)-vector: sizes differ")
        var y = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            var s = 0.0
            for j in 0..<a.cols { s += a.elements[i * a.cols + j] * x[j] }
            y[i] = s
        }
        return y
    }
}
