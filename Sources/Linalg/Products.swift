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
    /// call overhead is most of the cost. When B's columns 12…15 are all zero
    /// (n ≤ 12), rows are done four at a time on the first 12 columns only
    /// (`multiplyStride16Narrow`): the same numbers in every column a caller
    /// uses.
    @inlinable
    public static func multiplyStride16(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, k: Int, accumulate: Bool = false
    ) {
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> SIMD16<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Double>.self)
        }
        var i = 0
        if m >= 4 && lastColumnsZero(b, k: k) {
            i = multiplyStride16Narrow(a, b, into: c, m: m, k: k, accumulate: accumulate)
        }
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

    /// Whether columns 12…15 of the k×16 matrix B (row stride 16) are all +0
    /// (their bits ORed together; a −0 counts as non-zero, which only sends the
    /// product to the 16-wide loop).
    @inlinable
    static func lastColumnsZero(_ b: UnsafePointer<Double>, k: Int) -> Bool {
        var bits = SIMD4<UInt64>()
        for p in 0..<k { bits |= UnsafeRawPointer(b + 16 * p + 12).loadUnaligned(as: SIMD4<UInt64>.self) }
        return bits == SIMD4<UInt64>()
    }

    /// `multiplyStride16` when B's columns 12…15 are zero (the weights of a
    /// model with n ≤ 12): each row of C is a SIMD8 and a SIMD4 (three AVX
    /// registers instead of four), four rows at a time, so twelve independent
    /// multiply–add chains hide their latency and a quarter of the work, on
    /// columns known to be A·0, is skipped. Entries in columns 0…11 get exactly
    /// the arithmetic of the 16-wide loop (the same multiply–adds in the same
    /// order); columns 12…15 are left as they are (accumulate) or set to zero,
    /// which is A·0 + C except for the sign of a zero and non-finite A
    /// (∞·0 = NaN): the padding no caller reads. Returns the rows done (a
    /// multiple of four); the caller does the rest.
    @inlinable
    static func multiplyStride16Narrow(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, k: Int, accumulate: Bool
    ) -> Int {
        @inline(__always) func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
        }
        @inline(__always) func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
        }
        @inline(__always) func store(_ p: UnsafeMutablePointer<Double>, _ x: SIMD8<Double>, _ y: SIMD4<Double>) {
            let raw = UnsafeMutableRawPointer(p)
            raw.storeBytes(of: x, as: SIMD8<Double>.self)
            raw.storeBytes(of: y, toByteOffset: 64, as: SIMD4<Double>.self)
            if !accumulate { raw.storeBytes(of: SIMD4<Double>(), toByteOffset: 96, as: SIMD4<Double>.self) }
        }
        var i = 0
        while i + 3 < m {
            let a0 = a + 16 * i, a1 = a0 + 16, a2 = a0 + 32, a3 = a0 + 48
            let c0 = c + 16 * i, c1 = c0 + 16, c2 = c0 + 32, c3 = c0 + 48
            var x0 = accumulate ? load8(c0) : SIMD8<Double>(), y0 = accumulate ? load4(c0 + 8) : SIMD4<Double>()
            var x1 = accumulate ? load8(c1) : SIMD8<Double>(), y1 = accumulate ? load4(c1 + 8) : SIMD4<Double>()
            var x2 = accumulate ? load8(c2) : SIMD8<Double>(), y2 = accumulate ? load4(c2 + 8) : SIMD4<Double>()
            var x3 = accumulate ? load8(c3) : SIMD8<Double>(), y3 = accumulate ? load4(c3 + 8) : SIMD4<Double>()
            for p in 0..<k {
                let bx = load8(b + 16 * p), by = load4(b + 16 * p + 8)
                #if DYSON_FMA
                x0.addProduct(SIMD8(repeating: a0[p]), bx); y0.addProduct(SIMD4(repeating: a0[p]), by)
                x1.addProduct(SIMD8(repeating: a1[p]), bx); y1.addProduct(SIMD4(repeating: a1[p]), by)
                x2.addProduct(SIMD8(repeating: a2[p]), bx); y2.addProduct(SIMD4(repeating: a2[p]), by)
                x3.addProduct(SIMD8(repeating: a3[p]), bx); y3.addProduct(SIMD4(repeating: a3[p]), by)
                #else
                x0 += SIMD8(repeating: a0[p]) * bx; y0 += SIMD4(repeating: a0[p]) * by
                x1 += SIMD8(repeating: a1[p]) * bx; y1 += SIMD4(repeating: a1[p]) * by
                x2 += SIMD8(repeating: a2[p]) * bx; y2 += SIMD4(repeating: a2[p]) * by
                x3 += SIMD8(repeating: a3[p]) * bx; y3 += SIMD4(repeating: a3[p]) * by
                #endif
            }
            store(c0, x0, y0); store(c1, x1, y1); store(c2, x2, y2); store(c3, x3, y3)
            i += 4
        }
        return i
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
            if n <= 16 {
                smallGram(a, rows: rows, cols: n, lda: lda, scale: scale, into: out)
                return
            }
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

    /// scale·AᵀA for at most 16 columns, both triangles computed, each row of
    /// the result held in up to four SIMD4 registers (plus up to three scalars)
    /// through the loop over A's rows. Entry (i, j) is Σ_r A[r,i]·A[r,j] summed
    /// over r in increasing order from 0, a multiply then an add per term, then
    /// times `scale`: the arithmetic of the upper-triangle loop `gram` used
    /// before, whose mirrored lower entries Σ_r A[r,j]·A[r,i] are the same
    /// numbers (products commute exactly), so results are unchanged bit for bit.
    /// About 3× faster at 16×10 (the chains' Ĉ of an n = 10 RBM, every step).
    @inlinable
    static func smallGram(
        _ a: UnsafePointer<Double>, rows: Int, cols n: Int, lda: Int, scale: Double,
        into out: UnsafeMutablePointer<Double>
    ) {
        let chunks = n >> 2, n4 = chunks << 2, rest = n - n4
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
        }
        let sv = SIMD4<Double>(repeating: scale)
        for i in 0..<n {
            var v0 = SIMD4<Double>(), v1 = SIMD4<Double>(), v2 = SIMD4<Double>(), v3 = SIMD4<Double>()
            var s0 = 0.0, s1 = 0.0, s2 = 0.0
            for r in 0..<rows {
                let ar = a + r * lda
                let x = ar[i]
                let xv = SIMD4<Double>(repeating: x)
                if chunks > 0 { v0 += xv * load(ar) }
                if chunks > 1 { v1 += xv * load(ar + 4) }
                if chunks > 2 { v2 += xv * load(ar + 8) }
                if chunks > 3 { v3 += xv * load(ar + 12) }
                if rest > 0 { s0 += x * ar[n4] }
                if rest > 1 { s1 += x * ar[n4 + 1] }
                if rest > 2 { s2 += x * ar[n4 + 2] }
            }
            let oi = out + i * n
            let o = UnsafeMutableRawPointer(oi)
            if chunks > 0 { o.storeBytes(of: v0 * sv, as: SIMD4<Double>.self) }
            if chunks > 1 { o.storeBytes(of: v1 * sv, toByteOffset: 32, as: SIMD4<Double>.self) }
            if chunks > 2 { o.storeBytes(of: v2 * sv, toByteOffset: 64, as: SIMD4<Double>.self) }
            if chunks > 3 { o.storeBytes(of: v3 * sv, toByteOffset: 96, as: SIMD4<Double>.self) }
            if rest > 0 { oi[n4] = s0 * scale }
            if rest > 1 { oi[n4 + 1] = s1 * scale }
            if rest > 2 { oi[n4 + 2] = s2 * scale }
        }
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
