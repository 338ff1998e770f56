// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// A spacing law of the form F(x) = 1 − exp(−(x/λ)^k), k = 1 or 2, whose KS
/// bootstrap has a fast path: the Poisson law (k = 1, λ = 1) and the Wigner
/// surmise at β = 1 (k = 2, λ = 2/√π).
///
/// For these laws a replica and its comparison close in on one logarithm:
/// with L = log(1 − u), a draw is Q(u) = λ(−L)^{1/k}, and the law it is
/// compared with, F rescaled to the replica's own mean m, takes at Q(u) the
/// value F(Q(u)/m) = 1 − (1 − u)^{1/m^k} = −expm1(L/m^k). 1 − u is exact for
/// the 53-bit uniforms drawn here, so log(1 − u) loses nothing against log1p(−u).
struct StretchedExponentialLaw: Sendable, Equatable {
    /// The exponent k (1 or 2).
    let shape: Int
    /// The scale λ.
    let scale: Double

    /// The form of `law`, or nil when it has none of the recognised forms.
    init?<Law: ContinuousLaw>(_ law: Law) {
        if let surmise = law as? WignerSurmise, surmise.beta == 1 {
            shape = 2; scale = 2 / Double.pi.squareRoot()
        } else if law is PoissonSpacing {
            shape = 1; scale = 1
        } else {
            return nil
        }
    }
}

/// The KS distance of one bootstrap replica of a ``StretchedExponentialLaw``
/// after the `testSpacings` normalisation (the law rescaled to the replica's
/// mean), computed without sorting the whole replica and with a logarithm
/// and an exponential for few of its values.
///
/// The replica is the one `SortedDraw` draws from the same stream (the same
/// uniforms u, redrawn when 0), and D* = maxᵢ max(Fᵢ − i/n, (i+1)/n − Fᵢ) over
/// its sorted values, as `sortedDistance` computes it; only rounding differs
/// (≈ 1e-16). Three passes:
///
/// 1. Draw the n uniforms (kept as their 53 bits: reading them again is cheaper
///    than drawing them again); count them into S equal slices of (0, 1) and sum
///    (−log(1 − u))^{1/k} for the mean m: log(1 − u) = log(1 − aᵦ) + log(1 − ε)
///    with the slice's edge aᵦ = b/S, its logarithm tabulated, and
///    ε = (u − aᵦ)/(1 − aᵦ) < 2⁻⁸ (u − aᵦ exact), whose logarithm takes seven
///    terms of its series (error < 2⁻⁵⁶), in loops the compiler vectorises; in
///    the last 256 slices, where ε may be larger, by the full ``FastLog``.
/// 2. At the slice edges the empirical CDF (cᵦ values below aᵦ) and
///    G(aᵦ) = 1 − (1 − aᵦ)^{1/m^k} give D_low = maxᵦ |cᵦ/n − G(aᵦ)| ≤ D*.
///    Within slice b the ranks i run over [cᵦ, cᵦ₊₁) and G over [G(aᵦ), G(aᵦ₊₁)],
///    so no value there contributes more than max(G(aᵦ₊₁) − cᵦ/n, cᵦ₊₁/n − G(aᵦ));
///    a slice whose bound is below D_low (by more than 1e-12, far above rounding)
///    cannot hold the maximum and is skipped. The maximum is then exact.
/// 3. Go over the draws again, keep the values of the remaining slices, sort
///    each slice (in cache) and take the maximum over them, Fᵢ = 1 − e^{L/m^k}
///    by ``FastLog`` and ``FastExp`` (absolute error ≈ 1e-16, like −expm1's).
///
/// With S ≈ n/64 slices (at most 2¹⁴) about 1 % of the values survive at
/// n = 10⁶: the empirical process comes within a slice's width of its maximum
/// only in a few places. Cost ≈ 4 ns of CPU a value (a draw, a table
/// look-up, a square root, a second look), against ≈ 19 ns for the sorted replica.
struct StretchedExponentialReplica {
    let law: StretchedExponentialLaw
    let size: Int
    /// Number of slices S = 2^sliceBits.
    let sliceBits: Int
    var slices: Int { 1 << sliceBits }
    /// log(1 − b/S), b = 0 … S (−∞ at b = S).
    private let edgeLogs: [Double]
    private var edgeCDF: [Double]
    private var counts: [Int32]
    private var starts: [Int]
    /// 1 for the slices kept, 0 for the others (a byte each: the table stays in cache).
    private var keep: [UInt8]
    /// Where the next value of a kept slice goes in `kept`.
    private var cursor: [Int]
    /// The values of the kept slices, slice after slice.
    private var kept: [Double]
    /// The replica's draws k (u = k·2⁻⁵³), in the order drawn.
    private var draws: [UInt64]
    /// Per slice b: log(1 − b/S) and 1/(1 − b/S), interleaved.
    private let edgeData: [Double]
    /// A block of draws: u − aᵦ, log(1 − aᵦ), 1/(1 − aᵦ) (three rows of `blockSize`).
    private var offsets: [Double]
    /// The block's draws in the last slices, as 1 − u.
    private var general: [Double]
    private var sorted: [Double]
    private var buckets: [Int]
    /// Slices and values examined in the last replica (for the tests).
    private(set) var examinedSlices = 0, examinedValues = 0

    static let blockSize = 512

    /// Buffers for replicas of `size` values; `sliceBits` sets S = 2^sliceBits
    /// (default: about n/64, at most 2¹⁴).
    init(law: StretchedExponentialLaw, size: Int, sliceBits chosen: Int? = nil) {
        self.law = law
        self.size = size
        var bits = 0
        while bits < 14 && (64 << bits) < size { bits += 1 }
        sliceBits = chosen ?? bits
        precondition((0...20).contains(sliceBits) && size < Int(Int32.max), "KS replica: 2^\(sliceBits) slices, \(size) values")
        let s = 1 << self.sliceBits
        edgeLogs = (0...s).map { b in b == s ? -Double.infinity : Foundation.log(1 - Double(b) / Double(s)) }
        edgeCDF = Array(repeating: 0, count: s + 1)
        counts = Array(repeating: 0, count: s)
        starts = Array(repeating: 0, count: s + 1)
        keep = Array(repeating: 0, count: s)
        cursor = Array(repeating: 0, count: s)
        kept = []
        draws = Array(repeating: 0, count: size)
        var edges = [Double](repeating: 0, count: 2 * s)
        for b in 0..<s {
            edges[2 * b] = Foundation.log(1 - Double(b) / Double(s))
            edges[2 * b + 1] = Double(s) / Double(s - b)
        }
        edgeData = edges
        offsets = Array(repeating: 0, count: 3 * Self.blockSize)
        general = Array(repeating: 0, count: Self.blockSize)
        sorted = []
        buckets = []
    }

    /// The 53 bits k of the next uniform u = k·2⁻⁵³ in (0, 1), as
    /// `Xoshiro256StarStar.nextUniform` and `ContinuousLaw.sample` draw it
    /// (k = 0 is drawn again). Its slice is k >> (53 − sliceBits), exactly ⌊u·S⌋,
    /// and 1 − u = (2⁵³ − k)·2⁻⁵³ exactly.
    @inline(__always)
    private static func draw(_ rng: inout Xoshiro256StarStar) -> UInt64 {
        var k = rng.next() >> 11
        while k == 0 { k = rng.next() >> 11 }
        return k
    }

    /// D* of the replica drawn from `rng`.
    mutating func distance(rng: inout Xoshiro256StarStar) -> Double {
        let n = size, s = slices, shift = UInt64(53 - sliceBits)
        // Pass 1: slice counts and Σ(−L)^{1/k}, L = log(1 − u) = log(1 − aᵦ) + log(1 − ε),
        // ε = (u − aᵦ)/(1 − aᵦ) < 1/(S − b), by a short series where ε < 2⁻⁸ and by
        // the full logarithm in the last slices.
        var total = 0.0
        let root = law.shape == 2
        let seriesEnd = max(0, s - 256), lowBits: UInt64 = (1 << shift) - 1
        counts.withUnsafeMutableBufferPointer { counts in
          draws.withUnsafeMutableBufferPointer { draws in
            offsets.withUnsafeMutableBufferPointer { offsets in
                edgeData.withUnsafeBufferPointer { edgeData in
                    general.withUnsafeMutableBufferPointer { general in
                        // Raw pointers: no overflow checks on the index arithmetic of the hot loop.
                        let count = counts.baseAddress!, edges = edgeData.baseAddress!
                        let delta = offsets.baseAddress!, edge = delta + Self.blockSize, scale = edge + Self.blockSize
                        let tailValues = general.baseAddress!, all = draws.baseAddress!
                        for b in 0..<s { count[b] = 0 }
                        var j = 0
                        while j < n {
                            let c = min(Self.blockSize, n - j)
                            var tail = 0
                            for t in 0..<c {
                                let k = Self.draw(&rng)
                                let b = Int(truncatingIfNeeded: k &>> shift)
                                count[b] &+= 1
                                all[j &+ t] = k
                                if b < seriesEnd {
                                    delta[t] = Double(k & lowBits) * 0x1p-53
                                    edge[t] = edges[2 &* b]
                                    scale[t] = edges[2 &* b &+ 1]
                                } else {
                                    delta[t] = 0
                                    edge[t] = 0
                                    scale[t] = 0
                                    tailValues[tail] = Double((1 << 53) - k) * 0x1p-53
                                    tail &+= 1
                                }
                            }
                            total += FastLog.sumOfPowersOfMinusLog(offsets, count: c, root: root)
                            if tail > 0 {
                                if root { FastLog.rootOfMinusLog(general, count: tail) } else { FastLog.minusLog(general, count: tail) }
                                total += FastLog.sum(general, count: tail)
                            }
                            j += c
                        }
                    }
                }
            }
        }
          }
        let mean = law.scale * total / Double(n)
        let c = law.shape == 2 ? 1 / (mean * mean) : 1 / mean
        // Pass 2: bounds at the slice edges; which slices to keep.
        let nn = Double(n)
        var low = 0.0
        starts[0] = 0
        for b in 0..<s { starts[b + 1] = starts[b] + Int(counts[b]) }
        for b in 0...s {
            let g = 1 - FastExp.exp(c * edgeLogs[b])
            edgeCDF[b] = g
            low = max(low, abs(Double(starts[b]) / nn - g))
        }
        let margin = 1e-12
        var keptCount = 0
        examinedSlices = 0
        for b in 0..<s {
            let bound = max(edgeCDF[b + 1] - Double(starts[b]) / nn, Double(starts[b + 1]) / nn - edgeCDF[b])
            if counts[b] > 0 && bound >= low - margin {
                keep[b] = 1
                cursor[b] = keptCount
                keptCount += Int(counts[b])
                examinedSlices += 1
            } else {
                keep[b] = 0
            }
        }
        examinedValues = keptCount
        // Room for the kept values only (≈ 1 % at n = 10⁶), grown when a replica needs more.
        if kept.count < keptCount { kept = Array(repeating: 0, count: max(keptCount, 2 * kept.count)) }
        // Pass 3: the kept values, slice by slice, then the exact maximum over them.
        draws.withUnsafeBufferPointer { draws in
            keep.withUnsafeBufferPointer { keep in
                cursor.withUnsafeMutableBufferPointer { cursor in
                    kept.withUnsafeMutableBufferPointer { kept in
                        for k in draws {
                            let b = Int(truncatingIfNeeded: k &>> shift)
                            if keep[b] != 0 {
                                kept[cursor[b]] = Double(k) * 0x1p-53
                                cursor[b] += 1
                            }
                        }
                    }
                }
            }
        }
        var d = 0.0
        var offset = 0
        for b in 0..<s where keep[b] != 0 {
            let m = Int(counts[b])
            d = max(d, sliceDistance(offset, count: m, slice: b, rankStart: starts[b], c: c))
            offset += m
        }
        return d
    }

    /// The exact maximum of max(Fᵢ − i/n, (i+1)/n − Fᵢ) over the `count` values of
    /// slice b stored from `offset` in `kept`, whose ranks start at `rankStart`.
    private mutating func sliceDistance(_ offset: Int, count m: Int, slice b: Int, rankStart: Int, c: Double) -> Double {
        if sorted.count < m { sorted = Array(repeating: 0, count: m) }
        if buckets.count < m + 1 { buckets = Array(repeating: 0, count: m + 1) }
        let nn = Double(size), scale = Double(slices), base = Double(b)
        var d = 0.0
        kept.withUnsafeBufferPointer { kept in
            sorted.withUnsafeMutableBufferPointer { v in
                buckets.withUnsafeMutableBufferPointer { start in
                    // Counting sort into m sub-buckets, then insertion sort of the nearly sorted result.
                    let fine = Double(m)
                    for k in 0...m { start[k] = 0 }
                    for i in offset..<(offset + m) { start[max(0, min(Int((kept[i] * scale - base) * fine), m - 1)) + 1] += 1 }
                    for k in 1...m { start[k] += start[k - 1] }
                    for i in offset..<(offset + m) {
                        let k = max(0, min(Int((kept[i] * scale - base) * fine), m - 1))
                        v[start[k]] = kept[i]
                        start[k] += 1
                    }
                    for i in 1..<max(1, m) where v[i] < v[i - 1] {
                        let x = v[i]
                        var j = i
                        while j > 0 && v[j - 1] > x { v[j] = v[j - 1]; j -= 1 }
                        v[j] = x
                    }
                    // F = 1 − exp(c·log(1 − u)), vectorised (1 − u exact).
                    let p = v.baseAddress!
                    for j in 0..<m { p[j] = 1 - FastExp.exp(c * FastLog.log(1 - p[j])) }
                    for j in 0..<m {
                        let f = p[j], i = rankStart + j
                        d = max(d, f - Double(i) / nn, Double(i + 1) / nn - f)
                    }
                }
            }
        }
        return d
    }
}

/// An exponential that loops vectorise, for arguments t ≤ 0: e^t = 2^k·e^r with
/// k = round(t/ln 2), |r| ≤ ln2/2 (Cody–Waite), e^r by its Taylor series to r¹³
/// (error < 2·10⁻¹⁷ there); t below −708 is taken as −708 (e^t < 10⁻³⁰⁷).
enum FastExp {
    @inline(__always)
    static func exp(_ t: Double) -> Double {
        let x = max(t, -708)
        let shifter = 0x1.8p52
        let kd = x * 1.4426950408889634 + shifter
        let k = kd.bitPattern
        let kk = kd - shifter
        let r = (x - kk * 6.93147180369123816490e-01) - kk * 1.90821492927058770002e-10
        var p = 1.0 / 6227020800
        p = p * r + 1.0 / 479001600
        p = p * r + 1.0 / 39916800
        p = p * r + 1.0 / 3628800
        p = p * r + 1.0 / 362880
        p = p * r + 1.0 / 40320
        p = p * r + 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^k·p: k (two's complement in the low bits of kd) added to p's exponent.
        return Double(bitPattern: p.bitPattern &+ (k &<< 52))
    }
}

/// A natural logarithm that loops vectorise, for sums over many positive
/// normal numbers: fdlibm's algorithm (as in musl's log), error < 1 ulp.
enum FastLog {
    private static let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
    private static let lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01
    private static let lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01
    private static let lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01
    private static let lg7 = 1.479819860511658591e-01

    /// log x for a positive normal x (x = 2^k·(1 + f), 1 + f in [√2/2, √2)):
    /// branch-free, so that loops over arrays of it are vectorised.
    @inline(__always)
    static func log(_ x: Double) -> Double {
        // Shift the mantissa's range to [√2/2, √2) by moving its top bits into the exponent.
        let shifted = x.bitPattern &+ (0x3FF0_0000_0000_0000 - 0x3FE6_A09E_0000_0000)
        let exponent = Double(bitPattern: (shifted &>> 52) | 0x4330_0000_0000_0000) - (0x1p52 + 1023)
        let m = Double(bitPattern: (shifted & 0x000F_FFFF_FFFF_FFFF) &+ 0x3FE6_A09E_0000_0000)
        let f = m - 1
        let hfsq = 0.5 * f * f
        let s = f / (2 + f)
        let z = s * s, w = z * z
        let t1 = w * (lg2 + w * (lg4 + w * lg6))
        let t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
        let r = t2 + t1
        return s * (hfsq + r) + exponent * ln2Lo - hfsq + f + exponent * ln2Hi
    }

    /// Σ (−Lⱼ)^{1/2} (`root`) or Σ −Lⱼ over the first `count` values of a block
    /// of three rows x = (δ, ℓ, r) of `StretchedExponentialReplica.blockSize`,
    /// Lⱼ = ℓⱼ + log(1 − δⱼrⱼ), the logarithm by its series to the 7th power,
    /// accurate to 2⁻⁵⁶ relative for δr ≤ 2⁻⁸.
    static func sumOfPowersOfMinusLog(_ x: UnsafeMutableBufferPointer<Double>, count: Int, root: Bool) -> Double {
        let row = StretchedExponentialReplica.blockSize
        let delta = x.baseAddress!, edge = delta + row, scale = delta + 2 * row
        // Results into the δ row, then summed.
        if root {
            for j in 0..<count { delta[j] = abs(edge[j] - log1pSeries(delta[j] * scale[j])).squareRoot() }
        } else {
            for j in 0..<count { delta[j] = log1pSeries(delta[j] * scale[j]) - edge[j] }
        }
        return sum(x, count: count)
    }

    /// −log(1 − ε) = ε + ε²/2 + … + ε⁷/7, for 0 ≤ ε ≤ 2⁻⁸ (next term < 2⁻⁵⁶ε).
    @inline(__always)
    static func log1pSeries(_ e: Double) -> Double {
        var p = 1.0 / 7
        p = p * e + 1.0 / 6
        p = p * e + 1.0 / 5
        p = p * e + 1.0 / 4
        p = p * e + 1.0 / 3
        p = p * e + 0.5
        p = p * e + 1
        return p * e
    }

    /// xⱼ ← −log xⱼ (xⱼ in (0, 1]) for the first `count` values.
    static func minusLog(_ x: UnsafeMutableBufferPointer<Double>, count: Int) {
        let p = x.baseAddress!
        for j in 0..<count { p[j] = -log(p[j]) }
    }

    /// xⱼ ← √(−log xⱼ) (xⱼ in (0, 1]) for the first `count` values. (The
    /// `abs` tells the compiler the root's argument is not negative, so that it
    /// need not call the C `sqrt` for errno, which would stop the vectorising.)
    static func rootOfMinusLog(_ x: UnsafeMutableBufferPointer<Double>, count: Int) {
        let p = x.baseAddress!
        for j in 0..<count { p[j] = abs(log(p[j])).squareRoot() }
    }

    /// Σ xⱼ over the first `count` values, in eight lanes.
    static func sum(_ x: UnsafeMutableBufferPointer<Double>, count: Int) -> Double {
        let p = UnsafeRawPointer(x.baseAddress!)
        var a = SIMD4<Double>(repeating: 0), b = SIMD4<Double>(repeating: 0)
        var j = 0
        while j + 8 <= count {
            a += p.loadUnaligned(fromByteOffset: 8 * j, as: SIMD4<Double>.self)
            b += p.loadUnaligned(fromByteOffset: 8 * j + 32, as: SIMD4<Double>.self)
            j += 8
        }
        var total = (a + b).sum()
        while j < count { total += x[j]; j += 1 }
        return total
    }
}
