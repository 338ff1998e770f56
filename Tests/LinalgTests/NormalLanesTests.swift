// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import Testing

@Suite("Normal lanes")
struct NormalLanesTests {
    static func generator(_ seed: UInt64) -> NormalLanes {
        var source = Xoshiro256StarStar(seed: seed)
        return NormalLanes(seededBy: &source)
    }

    /// `count` values drawn in pieces of the given sizes (cycled).
    static func draw(_ g: inout NormalLanes, count: Int, pieces: [Int], portable: Bool = false) -> [Double] {
        var out = [Double](repeating: .nan, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            var i = 0, k = 0
            while i < count {
                let piece = min(pieces[k % pieces.count], count - i)
                if portable { g.fillPortable(buf.baseAddress! + i, count: piece) } else { g.fill(buf.baseAddress! + i, count: piece) }
                i += piece; k += 1
            }
        }
        return out
    }

    /// The AVX-512 path gives the portable path's numbers, bit for bit,
    /// whatever the split into calls (odd pieces cross rounds and blocks).
    @Test(.enabled(if: NormalLanes.isVectorised, "this CPU runs the portable path only"))
    func vectorPathEqualsPortablePath() {
        var a = Self.generator(11), b = Self.generator(11)
        let x = Self.draw(&a, count: 300_000, pieces: [1, 7, 8, 9, 1023, 1024, 1025, 3, 5000])
        let y = Self.draw(&b, count: 300_000, pieces: [300_000], portable: true)
        #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
        #expect(a.words == b.words)
    }

    /// Splitting a fill into calls changes nothing (the last round's unused
    /// values are kept), on the portable path too.
    @Test func valuesDoNotDependOnTheSplitIntoCalls() {
        var a = Self.generator(12), b = Self.generator(12)
        let x = Self.draw(&a, count: 20_000, pieces: [3, 1, 13, 8, 100], portable: true)
        let y = Self.draw(&b, count: 20_000, pieces: [20_000], portable: true)
        #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
    }

    /// A saved state continues exactly where it was, pending values included;
    /// a state of the wrong length is refused.
    @Test func savedStateContinuesBitForBit() throws {
        var g = Self.generator(13)
        _ = Self.draw(&g, count: 1005, pieces: [1005])  // leaves 3 values pending
        let saved = g.words
        #expect(saved.count == NormalLanes.wordCount)
        var restored = try #require(NormalLanes(words: saved))
        #expect(Self.draw(&g, count: 777, pieces: [5, 772]) == Self.draw(&restored, count: 777, pieces: [777]))
        #expect(NormalLanes(words: Array(saved.dropLast())) == nil)
        // A stream of all zeros (one lane's s0…s3, eight words apart) is refused.
        var zeroLane = saved
        for w in [3, 11, 19, 27] { zeroLane[w] = 0 }
        #expect(NormalLanes(words: zeroLane) == nil)
        var badCount = saved
        badCount[80] = 9  // pendingCount
        #expect(NormalLanes(words: badCount) == nil)
    }

    /// Different seeds, different streams; lanes of one generator uncorrelated.
    @Test func seedsAndLanesAreIndependent() {
        var a = Self.generator(1), b = Self.generator(2)
        let x = Self.draw(&a, count: 200_000, pieces: [200_000]), y = Self.draw(&b, count: 200_000, pieces: [200_000])
        let n = Double(x.count), bound = 5 / n.squareRoot()
        #expect(abs(zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / n) < bound)
        // Neighbouring slots come from different lanes; slots 8 apart from one lane.
        for lag in [1, 7, 8, 9] {
            let c = (0..<(x.count - lag)).reduce(0.0) { $0 + x[$1] * x[$1 + lag] } / (n - Double(lag))
            #expect(abs(c) < bound, "lag \(lag): correlation \(c)")
        }
    }

    /// 10⁶ normals: moments within 5 standard errors and KS not rejecting at
    /// p = 10⁻³, as for the scalar generator.
    @Test func normalsHaveTheNormalLaw() {
        var g = Self.generator(2026)
        let n = 1_000_000
        let x = Self.draw(&g, count: n, pieces: [4096])
        let nd = Double(n)
        #expect(abs(mean(x)) < 5 / nd.squareRoot())
        #expect(abs(variance(x) - 1) < 5 * (2 / nd).squareRoot())
        let m4 = x.reduce(0) { $0 + $1 * $1 * $1 * $1 } / nd
        #expect(abs(m4 - 3) < 5 * (96 / nd).squareRoot())
        let ks = kolmogorovSmirnov(x, cdf: normalCDF)
        #expect(ks.pValue > 1e-3, "KS distance \(ks.distance), p = \(ks.pValue)")
    }

    /// Fine structure: 2·10⁷ normals in 2000 equiprobable bins (χ², 1999
    /// degrees of freedom, mean 1999, sd 63), so a wrong wedge or layer shows
    /// up; and the tail beyond r, ≈ 2.6·10⁴ values, against its law by KS.
    @Test func layersWedgesAndTailAreRight() {
        var g = Self.generator(7)
        let bins = 2000, chunk = 100_000, chunks = 200
        var counts = [Int](repeating: 0, count: bins)
        var tail = [Double]()
        let r = NormalLanes.Tables.r
        var x = [Double](repeating: 0, count: chunk)
        for _ in 0..<chunks {
            x.withUnsafeMutableBufferPointer { g.fill($0.baseAddress!, count: chunk) }
            for v in x {
                counts[min(bins - 1, Int(normalCDF(v) * Double(bins)))] += 1
                if abs(v) > r { tail.append(abs(v)) }
            }
        }
        let expected = Double(chunk * chunks) / Double(bins)
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(abs(chi2 - 1999) < 5 * (2 * 1999.0).squareRoot(), "χ² = \(chi2)")
        let beyond = erfc(r / 2.0.squareRoot())  // P(|Z| > r)
        let total = Double(chunk * chunks)
        #expect(abs(Double(tail.count) - beyond * total) < 5 * (beyond * total).squareRoot())
        let ks = kolmogorovSmirnov(tail) { erfc($0 / 2.0.squareRoot()) / beyond < 1 ? 1 - erfc($0 / 2.0.squareRoot()) / beyond : 0 }
        #expect(ks.pValue > 1e-3, "tail KS distance \(ks.distance), p = \(ks.pValue)")
    }

    /// The tables: every layer has area v (the base strip with the tail
    /// included), thresholds are xᵢ₋₁/xᵢ, and r closes the top.
    @Test func everyLayerHasTheSameArea() {
        let t = NormalLanes.Tables.self, scale = 4503599627370496.0
        #expect(t.layers == 64)
        let base = t.layer(0)
        let tailArea = (Double.pi / 2).squareRoot() * erfc(t.r / 2.0.squareRoot())
        #expect(abs(base.w * scale * exp(-t.r * t.r / 2) - t.v) < 1e-12)
        #expect(abs(t.r * exp(-t.r * t.r / 2) + tailArea - t.v) < 1e-12)
        #expect(abs(t.layer(63).w * scale - t.r) < 1e-12)
        for i in 1..<64 {
            let x = t.layer(i).w * scale, below = i == 1 ? 0 : t.layer(i - 1).w * scale
            let area = x * (t.layer(i - 1).f - t.layer(i).f)
            #expect(abs(area - t.v) < 1e-9 * t.v, "layer \(i): area \(area)")
            #expect(abs(t.layer(i).f - exp(-x * x / 2)) < 1e-15)
            #expect(abs(Double(t.layer(i).k) / scale - below / x) < 1e-15, "layer \(i)")
        }
    }

    /// The wedge test's e^{−x²/2} against the C library's, to a few units in
    /// the last place on [0, 4].
    @Test func wedgeExponentialIsAccurate() {
        var worst = 0.0
        for i in 0...40_000 {
            let x = Double(i) * 1e-4
            let want = exp(-0.5 * x * x), got = NormalLanes.Tables.expHalfSquare(x)
            worst = max(worst, abs(got - want) / want)
        }
        #expect(worst < 4 * Double.ulpOfOne, "relative error \(worst)")
    }
}
