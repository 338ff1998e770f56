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

    @Test func shapeMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Matrix([[1, 2]]) * Matrix([[1, 2]])
        }
        await #expect(processExitsWith: .failure) {
            _ = Matrix(rows: 2, cols: 2, elements: [1, 2, 3])
        }
    }
}
