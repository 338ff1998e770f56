// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import Testing

@Suite("Random numbers")
struct RandomTests {
    /// Published reference output of xoshiro256** for state (1, 2, 3, 4).
    @Test func xoshiroMatchesReferenceImplementation() {
        var g = Xoshiro256StarStar(seed: 0)
        g.s0 = 1; g.s1 = 2; g.s2 = 3; g.s3 = 4
        let expected: [UInt64] = [11520, 0, 1509978240, 1215971899390074240]
        #expect((0..<4).map { _ in g.next() } == expected)
    }

    /// SplitMix64 from seed 0: first outputs of the reference C code.
    @Test func splitMixMatchesReferenceImplementation() {
        var s = SplitMix64(seed: 0)
        #expect(s.next() == 0xE220_A839_7B1D_CDAF)
        #expect(s.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func sameSeedSameSequenceDifferentSeedDifferent() {
        var a = Xoshiro256StarStar(seed: 42), b = Xoshiro256StarStar(seed: 42), c = Xoshiro256StarStar(seed: 43)
        let xa = a.normals(count: 1000), xb = b.normals(count: 1000), xc = c.normals(count: 1000)
        #expect(xa == xb)  // bit-identical
        #expect(xa != xc)
        var s1 = Xoshiro256StarStar.stream(seed: 7, index: 3), s2 = Xoshiro256StarStar.stream(seed: 7, index: 3)
        #expect((0..<100).map { _ in s1.next() } == (0..<100).map { _ in s2.next() })
    }

    @Test func uniformsAreInUnitIntervalWithRightMoments() {
        var g = Xoshiro256StarStar(seed: 1)
        let n = 200_000
        let u = (0..<n).map { _ in g.nextUniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(mean(u) - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(abs(variance(u) - 1.0 / 12) < 5 * (1.0 / 180 / Double(n)).squareRoot())
    }

    /// Mean, variance, fourth moment, tail mass and the KS distance of 10⁶ normals.
    /// Tolerances are 5 standard errors; KS must not reject at p = 10⁻³.
    @Test func normalsHaveTheNormalLaw() {
        var g = Xoshiro256StarStar(seed: 2026)
        let n = 1_000_000
        let x = g.normals(count: n)
        let nd = Double(n)
        #expect(abs(mean(x)) < 5 / nd.squareRoot())
        #expect(abs(variance(x) - 1) < 5 * (2 / nd).squareRoot())
        let m4 = x.reduce(0) { $0 + $1 * $1 * $1 * $1 } / nd
        #expect(abs(m4 - 3) < 5 * (96 / nd).squareRoot())
        // The ziggurat's tail sampler: mass beyond r = 3.654 on both sides.
        let tail = 2 * normalCDF(-3.6541528853610088)
        let beyond = Double(x.filter { abs($0) > 3.6541528853610088 }.count)
        #expect(abs(beyond - tail * nd) < 5 * (tail * nd).squareRoot())
        let ks = kolmogorovSmirnov(x, cdf: normalCDF)
        #expect(ks.pValue > 1e-3, "KS distance \(ks.distance), p = \(ks.pValue)")
    }

    /// The KS check above has power: a 2 % error in the scale is rejected.
    @Test func normalityCheckDetectsAWrongScale() {
        var g = Xoshiro256StarStar(seed: 2026)
        let x = g.normals(count: 1_000_000).map { 1.02 * $0 }
        #expect(kolmogorovSmirnov(x, cdf: normalCDF).pValue < 1e-3)
    }

    /// Streams of one seed are uncorrelated with each other and with other seeds.
    @Test func streamsAreUncorrelated() {
        let n = 100_000
        let pairs: [((UInt64, UInt64), (UInt64, UInt64))] = [
            ((1, 0), (1, 1)), ((1, 1), (1, 2)), ((1, 0), (1, 1000)), ((1, 0), (2, 0)), ((0, 0), (0, 1)),
        ]
        for ((sa, ia), (sb, ib)) in pairs {
            var a = Xoshiro256StarStar.stream(seed: sa, index: ia)
            var b = Xoshiro256StarStar.stream(seed: sb, index: ib)
            let x = a.normals(count: n), y = b.normals(count: n)
            #expect(abs(correlation(x, y)) < 5 / Double(n).squareRoot(), "(\(sa),\(ia)) vs (\(sa),\(ib))")
            #expect(x != y)
        }
        // Across many streams: the first normal of each of 10⁴ streams is N(0, 1)
        // and consecutive streams' first draws are uncorrelated.
        let first = (0..<10_000).map { i -> Double in
            var g = Xoshiro256StarStar.stream(seed: 99, index: UInt64(i))
            return g.nextNormal()
        }
        #expect(abs(mean(first)) < 5 / 100.0)
        #expect(abs(correlation(Array(first.dropLast()), Array(first.dropFirst()))) < 5 / 100.0)
        #expect(kolmogorovSmirnov(first, cdf: normalCDF).pValue > 1e-3)
    }
}

@Suite("Random matrices")
struct RandomMatrixTests {
    @Test func haarMatricesAreOrthogonal() {
        var g = Xoshiro256StarStar(seed: 3)
        for n in [1, 2, 5, 30] {
            let q = RandomMatrices.haarOrthogonal(n: n, using: &g)
            #expect(maxDifference((q.transposed * q).elements, Matrix.identity(n).elements) < 1e-13 * Double(n))
        }
    }

    /// Haar measure on O(n): det = ±1 with probability ½ each, E[Q₁₁] = 0,
    /// E[Q₁₁²] = 1/n, E[tr Q] = 0, E[(tr Q)²] = 1. Without the sign fix the
    /// determinant is always (−1)ⁿ⁻¹ and Q₁₁ has one sign, so this fails.
    @Test(arguments: [2, 3, 6])
    func haarMatricesHaveHaarMoments(n: Int) throws {
        var g = Xoshiro256StarStar(seed: UInt64(100 + n))
        let samples = 20_000
        var positiveDet = 0.0, q11 = [Double](), tr = [Double]()
        for _ in 0..<samples {
            let q = RandomMatrices.haarOrthogonal(n: n, using: &g)
            positiveDet += determinant(q) > 0 ? 1 : 0
            q11.append(q[0, 0])
            tr.append(q.trace)
        }
        let m = Double(samples)
        #expect(abs(positiveDet / m - 0.5) < 5 * 0.5 / m.squareRoot())
        #expect(abs(mean(q11)) < 5 * (1 / Double(n) / m).squareRoot())
        #expect(abs(mean(q11.map { $0 * $0 }) - 1 / Double(n)) < 5 * (2 / Double(n * n) / m).squareRoot())
        #expect(abs(mean(tr)) < 5 / m.squareRoot())
        #expect(abs(mean(tr.map { $0 * $0 }) - 1) < 5 * (3 / m).squareRoot())
    }

    /// GOE(v): off-diagonal variance v, diagonal 2v, symmetric.
    @Test func goeEntriesHaveTheRightVariances() {
        var g = Xoshiro256StarStar(seed: 8)
        let n = 4, v = 0.3, samples = 50_000
        var diag = [Double](), off = [Double]()
        for _ in 0..<samples {
            let h = RandomMatrices.goe(n: n, variance: v, using: &g)
            #expect(h.isSymmetric(tolerance: 0))
            diag.append(h[1, 1])
            off.append(h[0, 3])
        }
        let m = Double(samples)
        #expect(abs(variance(off) - v) < 5 * v * (2 / m).squareRoot())
        #expect(abs(variance(diag) - 2 * v) < 5 * 2 * v * (2 / m).squareRoot())
    }
}

/// Determinant by Gaussian elimination with partial pivoting (test helper).
func determinant(_ a: Matrix) -> Double {
    var m = a, det = 1.0
    let n = a.rows
    for c in 0..<n {
        var p = c
        for r in c..<n where abs(m[r, c]) > abs(m[p, c]) { p = r }
        if m[p, c] == 0 { return 0 }
        if p != c {
            for j in 0..<n { let t = m[c, j]; m[c, j] = m[p, j]; m[p, j] = t }
            det = -det
        }
        det *= m[c, c]
        for r in (c + 1)..<max(c + 1, n) {
            let f = m[r, c] / m[c, c]
            for j in c..<n { m[r, j] -= f * m[c, j] }
        }
    }
    return det
}
