// SPDX-License-Identifier: GPL-3.0-or-later
import Linalg
import Testing

@Suite("Eigenvalues, singular values, SPD inverse")
struct SpectrumTests {
    let reference: Reference

    init() throws { reference = try Reference.load() }

    @Test func eigenvaluesMatchReference() throws {
        for c in reference.symmetric {
            let h = Matrix(rows: c.n, cols: c.n, elements: c.matrix)
            let w = try h.symmetricEigenvalues()
            let scale = max(1, c.eigenvalues.map(abs).max()!)
            #expect(maxDifference(w, c.eigenvalues) < 1e-13 * scale * Double(c.n), "n = \(c.n)")
        }
    }

    @Test func singularValuesMatchReference() throws {
        for c in reference.singular {
            let w = Matrix(rows: c.rows, cols: c.cols, elements: c.matrix)
            let s = try w.singularValues()
            #expect(s.count == min(c.rows, c.cols))
            #expect(maxDifference(s, c.singularValues) < 1e-13 * c.singularValues[0] * 10, "\(c.rows)×\(c.cols)")
        }
    }

    @Test func spdInverseMatchesReference() throws {
        for c in reference.spd {
            let a = Matrix(rows: c.n, cols: c.n, elements: c.matrix)
            let inv = try a.inverseSPD()
            #expect(maxDifference(inv.elements, c.inverse) < 1e-13)
            #expect(maxDifference((a * inv).elements, Matrix.identity(c.n).elements) < 1e-12)
            #expect(inv.isSymmetric(tolerance: 0))
        }
    }

    /// O·diag(λ)·Oᵀ with Haar O has exactly the eigenvalues λ, degenerate ones included.
    @Test(arguments: [2, 7, 50, 200])
    func knownSpectrumIsRecovered(n: Int) throws {
        var rng = Xoshiro256StarStar(seed: UInt64(n))
        let lambda = (0..<n).map { Double($0 / 2) - 3.5 }.sorted()  // pairs: degenerate
        let o = RandomMatrices.haarOrthogonal(n: n, using: &rng)
        let h = (o * Matrix.diagonal(lambda) * o.transposed).symmetricPart
        let w = try h.symmetricEigenvalues()
        #expect(maxDifference(w, lambda) < 1e-12 * Double(n))

        let (values, z) = try h.symmetricEigendecomposition()
        #expect(maxDifference(values, w) < 1e-12 * Double(n))
        // H z_j = λ_j z_j and Zᵀ Z = I.
        let hz = h * z
        let zl = z * Matrix.diagonal(values)
        #expect(maxDifference(hz.elements, zl.elements) < 1e-11 * Double(n))
        #expect(maxDifference((z.transposed * z).elements, Matrix.identity(n).elements) < 1e-12 * Double(n))
    }

    /// U·diag(s)·Vᵀ with orthogonal U, V has singular values s; x = s² are the
    /// eigenvalues of WᵀW.
    @Test(arguments: [(3, 3), (10, 6), (6, 10), (120, 100)])
    func knownSingularValuesAreRecovered(shape: (Int, Int)) throws {
        let (m, n) = shape
        var rng = Xoshiro256StarStar(seed: UInt64(m * 1000 + n))
        let k = min(m, n)
        let s = (0..<k).map { 3.0 - Double($0) * 2.5 / Double(k) }  // descending, positive
        let u = RandomMatrices.haarOrthogonal(n: m, using: &rng)
        let v = RandomMatrices.haarOrthogonal(n: n, using: &rng)
        var sigma = Matrix(rows: m, cols: n)
        for i in 0..<k { sigma[i, i] = s[i] }
        let w = u * sigma * v.transposed
        #expect(maxDifference(try w.singularValues(), s) < 1e-13 * Double(max(m, n)))
        let x = try Products.gram(w).symmetricEigenvalues()
        let expected = (s.map { $0 * $0 } + [Double](repeating: 0, count: n - k)).sorted()
        #expect(maxDifference(x, expected) < 1e-12 * Double(max(m, n)))
    }

    @Test func nonFiniteInputThrows() {
        var h = Matrix.identity(3)
        h[1, 2] = .nan
        #expect(throws: LinalgError.nonFiniteInput(operation: "eigenvalues")) { try h.symmetricEigenvalues() }
        h[1, 2] = .infinity
        #expect(throws: LinalgError.nonFiniteInput(operation: "singular values")) { try h.singularValues() }
        #expect(throws: LinalgError.nonFiniteInput(operation: "SPD inverse")) { try h.inverseSPD() }
    }

    @Test func indefiniteAndWrongShapesThrow() throws {
        let indefinite = Matrix([[1, 2], [2, 1]])
        #expect(throws: LinalgError.notPositiveDefinite(order: 2)) { try indefinite.inverseSPD() }
        #expect(throws: LinalgError.notSquare(operation: "eigenvalues", rows: 2, cols: 3)) {
            try Matrix(rows: 2, cols: 3).symmetricEigenvalues()
        }
        let solver = SymmetricEigenSolver(n: 3)
        #expect(throws: LinalgError.wrongSize(operation: "eigenvalues", expected: "3×3", got: "4×4")) {
            try solver.eigenvalues(of: Matrix.identity(4))
        }
        // A message a user can read.
        #expect(LinalgError.notPositiveDefinite(order: 2).description.contains("not positive definite"))
    }

    /// A solver reused many times gives the same answers as fresh ones.
    @Test func solverReuseIsConsistent() throws {
        var rng = Xoshiro256StarStar(seed: 11)
        let solver = SymmetricEigenSolver(n: 6)
        let svd = SingularValueSolver(rows: 6, cols: 6)
        for _ in 0..<20 {
            let h = RandomMatrices.goe(n: 6, variance: 1, using: &rng)
            #expect(try solver.eigenvalues(of: h) == (try h.symmetricEigenvalues()))
            #expect(try svd.singularValues(of: h) == (try h.singularValues()))
        }
    }
}
