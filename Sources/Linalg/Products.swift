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
