// SPDX-License-Identifier: GPL-3.0-or-later
import Linalg
import Testing

/// K = d·I − S − Sᵀ on a ring, applied as K⁻¹ by the cyclic Thomas solver,
/// against the dense inverse from a Cholesky factorisation.
@Suite struct CyclicTridiagonalTests {
    static func kernel(n: Int, d: Double) -> Matrix {
        var k = Matrix(rows: n, cols: n)
        for i in 0..<n {
            k[i, i] += d
            k[i, (i + 1) % n] -= 1
            k[i, (i + n - 1) % n] -= 1
        }
        return k
    }

    /// Every column of K⁻¹·B, for odd and even n, strongly and weakly
    /// diagonally dominant K, a column range in the middle of B: within a few
    /// ulps times the condition number (d + 2)/(d − 2) of the dense answer.
    @Test(arguments: [(3, 6.0), (7, 2.5), (24, 6.0), (100, 6.0), (101, 2.01)])
    func columnsMatchTheDenseInverse(n: Int, d: Double) throws {
        let solver = try #require(CyclicTridiagonalSolver(n: n, diagonal: d))
        let inverse = try Self.kernel(n: n, d: d).inverseSPD()
        var g = Xoshiro256StarStar(seed: UInt64(n))
        let m = 9
        let b = RandomMatrices.gaussian(rows: n, cols: m, using: &g)
        let expected = inverse * b
        var y = [Double](repeating: .nan, count: n * m)
        let columns = 2..<7
        b.elements.withUnsafeBufferPointer { pb in
            y.withUnsafeMutableBufferPointer { py in
                solver.solveColumns(pb.baseAddress!, ld: m, columns: columns, into: py.baseAddress!, ldy: m)
            }
        }
        let condition = (d + 2) / (d - 2)
        let scale = expected.elements.map(abs).max()!
        for i in 0..<n {
            for c in 0..<m {
                if columns.contains(c) {
                    #expect(abs(y[i * m + c] - expected[i, c]) <= 64 * condition * .ulpOfOne * scale, "row \(i), column \(c)")
                } else {
                    #expect(y[i * m + c].isNaN, "column \(c) is outside the range and must not be written")
                }
            }
        }
    }

    /// Solving in place (Y = B) and one vector at a time give the same bits as
    /// the column solve: one arithmetic, whatever the layout.
    @Test func inPlaceAndSingleVectorSolvesAgree() throws {
        let n = 17, m = 5
        let solver = try #require(CyclicTridiagonalSolver(n: n, diagonal: 6))
        var g = Xoshiro256StarStar(seed: 3)
        let b = g.normals(count: n * m)
        var separate = [Double](repeating: 0, count: n * m), inPlace = b
        b.withUnsafeBufferPointer { pb in
            separate.withUnsafeMutableBufferPointer { ps in solver.solveColumns(pb.baseAddress!, ld: m, columns: 0..<m, into: ps.baseAddress!, ldy: m) }
        }
        inPlace.withUnsafeMutableBufferPointer { p in solver.solveColumns(p.baseAddress!, ld: m, columns: 0..<m, into: p.baseAddress!, ldy: m) }
        #expect(inPlace.map(\.bitPattern) == separate.map(\.bitPattern))
        for c in 0..<m {
            var column = (0..<n).map { b[$0 * m + c] }
            column.withUnsafeMutableBufferPointer { solver.solve($0.baseAddress!) }
            #expect(column.map(\.bitPattern) == (0..<n).map { separate[$0 * m + c].bitPattern }, "column \(c)")
        }
    }

    /// No solver where K is singular (d = 2: the constant vector is a zero
    /// mode) or not a ring with two distinct neighbours (n < 3).
    @Test func refusesSingularAndDegenerateRings() {
        #expect(CyclicTridiagonalSolver(n: 10, diagonal: 2) == nil)
        #expect(CyclicTridiagonalSolver(n: 10, diagonal: 1.5) == nil)
        #expect(CyclicTridiagonalSolver(n: 2, diagonal: 6) == nil)
        #expect(CyclicTridiagonalSolver(n: 10, diagonal: .infinity) == nil)
        #expect(CyclicTridiagonalSolver(n: 3, diagonal: 2.5) != nil)
    }
}
