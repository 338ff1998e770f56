// SPDX-License-Identifier: GPL-3.0-or-later
import Linalg
import Testing

@Suite("Matrix")
struct MatrixTests {
    @Test func identityTransposeAndSymmetricPart() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.transposed == Matrix([[1, 4], [2, 5], [3, 6]]))
        #expect(a.transposed.transposed == a)
        #expect(Matrix.identity(3) * a.transposed == a.transposed)
        let s = Matrix([[1, 2], [4, 3]]).symmetricPart
        #expect(s == Matrix([[1, 3], [3, 3]]))
        #expect(s.isSymmetric())
        #expect(!Matrix([[1, 2], [4, 3]]).isSymmetric())
        #expect(Matrix([[1, 2], [4, 3]]).trace == 4)
    }

    @Test func knownProduct() {
        let a = Matrix([[1, 2], [3, 4]])
        let b = Matrix([[5, 6], [7, 8]])
        #expect(a * b == Matrix([[19, 22], [43, 50]]))
        let c = Matrix([[1, 0, 2]])
        #expect(c * Matrix([[1], [2], [3]]) == Matrix([[7]]))
    }

    /// The loop kernel and dgemm must agree for every shape around the switch-over.
    @Test(arguments: [(1, 1, 1), (2, 2, 2), (3, 5, 2), (10, 10, 10), (16, 16, 16), (17, 16, 16), (7, 40, 33), (100, 3, 50)])
    func loopKernelMatchesBLAS(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = Xoshiro256StarStar(seed: UInt64(m * 10_000 + n * 100 + k))
        let a = RandomMatrices.gaussian(rows: m, cols: k, using: &rng)
        let b = RandomMatrices.gaussian(rows: k, cols: n, using: &rng)
        var loop = [Double](repeating: 0, count: m * n)
        var blas = [Double](repeating: 0, count: m * n)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                loop.withUnsafeMutableBufferPointer { pc in
                    Products.smallMultiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: m, n: n, k: k)
                }
                blas.withUnsafeMutableBufferPointer { pc in
                    Products.blasMultiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: m, n: n, k: k)
                }
            }
        }
        // Naive triple loop as the independent reference.
        var naive = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { naive[i * n + j] += a[i, p] * b[p, j] } } }
        #expect(maxDifference(loop, naive) < 1e-12 * Double(k))
        #expect(maxDifference(blas, naive) < 1e-12 * Double(k))
    }

    @Test func accumulateAddsToC() {
        let a = Matrix([[1, 2], [3, 4]])
        var c = [1.0, 1, 1, 1]
        a.elements.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                Products.multiply(pa.baseAddress!, pa.baseAddress!, into: pc.baseAddress!, m: 2, n: 2, k: 2, accumulate: true)
            }
        }
        #expect(c == [8, 11, 16, 23])
    }

    @Test func gramMatchesTransposeProduct() {
        var rng = Xoshiro256StarStar(seed: 5)
        for (m, n) in [(3, 2), (40, 30)] {
            let w = RandomMatrices.gaussian(rows: m, cols: n, using: &rng)
            let g = Products.gram(w)
            #expect(maxDifference(g.elements, (w.transposed * w).elements) < 1e-12 * Double(m))
            #expect(g.isSymmetric(tolerance: 0))
        }
    }

    /// The small-Gram kernel (full rows in SIMD registers) must give the numbers
    /// of the upper-triangle loop it replaced, bit for bit, in both triangles.
    @Test(arguments: [(16, 10, 16), (4, 10, 16), (3, 5, 7), (20, 9, 9), (12, 12, 16), (1, 3, 3), (7, 16, 16), (2, 1, 1)])
    func stridedGramEqualsTriangleLoop(shape: (Int, Int, Int)) {
        let (rows, n, lda) = shape
        var rng = Xoshiro256StarStar(seed: UInt64(rows * 1000 + n * 10 + lda))
        let a = RandomMatrices.gaussian(rows: rows, cols: lda, using: &rng).elements
        let scale = 1 / 16.0 + 1e-3
        var fast = [Double](repeating: .nan, count: n * n)
        a.withUnsafeBufferPointer { pa in
            fast.withUnsafeMutableBufferPointer { Products.gram(pa.baseAddress!, rows: rows, cols: n, lda: lda, scale: scale, into: $0.baseAddress!) }
        }
        var loop = [Double](repeating: 0, count: n * n)
        for r in 0..<rows { for i in 0..<n { for j in i..<n { loop[i * n + j] += a[r * lda + i] * a[r * lda + j] } } }
        for i in 0..<n { for j in i..<n { loop[i * n + j] *= scale } }
        for i in 0..<n { for j in 0..<i { loop[i * n + j] = loop[j * n + i] } }
        #expect(fast == loop)
    }

    /// With B's columns 12…15 zero, the chain product runs four rows at a time
    /// on 12 columns: every used column must equal the 16-wide loop's bit for
    /// bit (that loop runs when any padding entry is non-zero), and without
    /// accumulation the padding comes out zero.
    @Test(arguments: [(16, 10), (4, 12), (7, 3), (6, 10), (1, 10), (33, 11)])
    func narrowStride16ProductEqualsWideLoop(shape: (Int, Int)) {
        let (m, k) = shape
        var rng = Xoshiro256StarStar(seed: UInt64(m * 100 + k))
        let a = RandomMatrices.gaussian(rows: m, cols: 16, using: &rng).elements
        var b = RandomMatrices.gaussian(rows: k, cols: 16, using: &rng).elements
        for p in 0..<k { for j in 12..<16 { b[p * 16 + j] = 0 } }
        var wideB = b
        wideB[16 * (k - 1) + 15] = 1e-300  // forces the 16-wide loop, touches column 15 only
        let start = RandomMatrices.gaussian(rows: m, cols: 16, using: &rng).elements
        for accumulate in [false, true] {
            var narrow = start, wide = start
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    narrow.withUnsafeMutableBufferPointer { Products.multiplyStride16(pa.baseAddress!, pb.baseAddress!, into: $0.baseAddress!, m: m, k: k, accumulate: accumulate) }
                }
                wideB.withUnsafeBufferPointer { pb in
                    wide.withUnsafeMutableBufferPointer { Products.multiplyStride16(pa.baseAddress!, pb.baseAddress!, into: $0.baseAddress!, m: m, k: k, accumulate: accumulate) }
                }
            }
            for i in 0..<m {
                #expect(Array(narrow[(16 * i)..<(16 * i + 12)]) == Array(wide[(16 * i)..<(16 * i + 12)]))
                if !accumulate && m >= 4 && i < m / 4 * 4 { #expect(narrow[(16 * i + 12)..<(16 * i + 16)].allSatisfy { $0 == 0 }) }
            }
        }
    }

    @Test func shapeMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Matrix([[1, 2]]) * Matrix([[1, 2]])
        }
        await #expect(processExitsWith: .failure) {
            _ = Matrix(rows: 2, cols: 2, elements: [1, 2, 3])
        }
    }
}
