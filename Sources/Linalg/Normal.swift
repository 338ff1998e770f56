// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Standard normal variates by the ziggurat method (Marsaglia and Tsang 2000)
/// with 256 layers, in the 52-bit form numpy also uses.
///
/// One 64-bit draw gives the layer (8 bits), the sign (1 bit) and a 52-bit
/// abscissa; 98.8 % of draws return after one multiply and one compare. The rest
/// test the wedge against e^{−x²/2} or, in the base layer, sample the tail beyond
/// r = 3.654 exactly (Marsaglia 1964). The method is exact: the output is N(0, 1)
/// up to the 52-bit resolution of the abscissa.
///
/// Layers: x₂₅₅ = r > x₂₅₄ > … > x₁ > x₀ = 0 with equal areas v; f(x) = e^{−x²/2}.
/// Layer i ≥ 1 is the rectangle [0, xᵢ) × [f(xᵢ), f(xᵢ₋₁)); layer 0 is the base
/// strip of width v/f(r), whose part beyond r is the tail.
@usableFromInline
enum Ziggurat {
    static let r = 3.6541528853610088
    static let v = 0.00492867323399
    static let scale = 4503599627370496.0  // 2^52

    /// k[i] = ⌊(xᵢ₋₁/xᵢ)·2⁵²⌋ (fast-accept threshold), w[i] = xᵢ/2⁵², f[i] = e^{−xᵢ²/2};
    /// `bounds` the wedge's lines (see `wedgeBounds`), four numbers per layer.
    struct Tables: @unchecked Sendable {
        let k: UnsafeMutablePointer<UInt64>
        let w: UnsafeMutablePointer<Double>
        let f: UnsafeMutablePointer<Double>
        let bounds: UnsafeMutablePointer<Double>
    }

    /// Lines below and above f(m) = e^{−m²/2} on layer i's wedge, xᵢ₋₁ ≤ m ≤ xᵢ,
    /// so that most wedge tests are decided without the exponential:
    /// y < lower(m) accepts, y ≥ upper(m) rejects, anything between computes
    /// f. On the convex part (m ≥ 1) f lies above its tangent at xᵢ and below
    /// its chord; on the concave part (m ≤ 1) above the chord and below the
    /// tangent at xᵢ₋₁; the one layer that contains m = 1 gets the trivial
    /// bounds f(xᵢ) and f(xᵢ₋₁) (never decisive). Each line is moved 10⁻¹²
    /// outward, far more than the rounding of the lines and of exp(−m²/2)
    /// (≲ 10⁻¹⁵), so a decision taken on a bound is the one the exponential
    /// would take: the variates are exactly those of the plain test.
    /// Layout: [lower intercept, lower slope, upper intercept, upper slope].
    static func wedgeBounds(x: (Int) -> Double, f: (Int) -> Double, into b: UnsafeMutablePointer<Double>) {
        let margin = 1e-12
        b.initialize(repeating: 0, count: 4 * 256)
        for i in 1..<256 {
            let a = x(i - 1), c = x(i), fa = f(i - 1), fc = f(i)
            let chordSlope = (fc - fa) / (c - a), chordIntercept = fa - chordSlope * a
            var lower = (fc, 0.0), upper = (fa, 0.0)
            if a >= 1 {
                lower = (fc * (1 + c * c), -c * fc)         // tangent at xᵢ
                upper = (chordIntercept, chordSlope)
            } else if c <= 1 {
                lower = (chordIntercept, chordSlope)
                upper = (fa * (1 + a * a), -a * fa)         // tangent at xᵢ₋₁
            }
            b[4 * i] = lower.0 - margin; b[4 * i + 1] = lower.1
            b[4 * i + 2] = upper.0 + margin; b[4 * i + 3] = upper.1
        }
    }

    /// Built once, never freed (768 entries).
    static let tables: Tables = {
        let k = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        let w = UnsafeMutablePointer<Double>.allocate(capacity: 256)
        let f = UnsafeMutablePointer<Double>.allocate(capacity: 256)
        let bounds = UnsafeMutablePointer<Double>.allocate(capacity: 4 * 256)
        var dn = r, tn = r
        let q = v / exp(-0.5 * dn * dn)
        k[0] = UInt64((dn / q) * scale)
        k[1] = 0
        w[0] = q / scale
        w[255] = dn / scale
        f[0] = 1
        f[255] = exp(-0.5 * dn * dn)
        for i in stride(from: 254, through: 1, by: -1) {
            dn = (-2 * log(v / dn + exp(-0.5 * dn * dn))).squareRoot()
            k[i + 1] = UInt64((dn / tn) * scale)
            tn = dn
            f[i] = exp(-0.5 * dn * dn)
            w[i] = dn / scale
        }
        wedgeBounds(x: { $0 == 0 ? 0 : w[$0] * scale }, f: { f[$0] }, into: bounds)
        return Tables(k: k, w: w, f: f, bounds: bounds)
    }()
}

extension Xoshiro256StarStar {
    /// One standard normal N(0, 1) variate.
    @inlinable
    public mutating func nextNormal() -> Double {
        nextNormal(tables: Ziggurat.tablesForInlining)
    }

    @usableFromInline @inline(__always)
    mutating func nextNormal(tables t: ZigguratTableView) -> Double {
        while true {
            let bits = next()
            let (x, accepted) = Xoshiro256StarStar.fastNormal(bits, tables: t)
            if accepted { return x }
            if let y = slowPath(bits: bits, x: x, tables: t) { return y }
        }
    }

    /// The ziggurat's fast path for one 64-bit draw: the candidate x and whether
    /// it lies in its layer's inner rectangle (then it is the sample).
    @usableFromInline @inline(__always)
    static func fastNormal(_ bits: UInt64, tables t: ZigguratTableView) -> (Double, Bool) {
        let idx = Int(bits & 0xFF)
        let rest = bits >> 8
        let rabs = (rest >> 1) & 0x000F_FFFF_FFFF_FFFF
        // The sign bit is random: set it without a branch (a branch here would be
        // mispredicted half the time).
        let magnitude = Double(rabs) * t.w[idx]
        let x = Double(bitPattern: magnitude.bitPattern | (rest << 63))
        return (x, rabs < t.k[idx])
    }

    /// The 1.2 % of draws that land outside a layer's inner rectangle.
    @usableFromInline
    mutating func slowPath(bits: UInt64, x: Double, tables t: ZigguratTableView) -> Double? {
        let idx = Int(bits & 0xFF)
        let rabs = (bits >> 9) & 0x000F_FFFF_FFFF_FFFF
        if idx == 0 {
            // Tail beyond r: Marsaglia's exact method, 1 − U to avoid log(0).
            while true {
                let xx = -log1p(-nextUniform()) / Ziggurat.r
                let yy = -log1p(-nextUniform())
                if yy + yy > xx * xx {
                    return (rabs >> 8) & 1 != 0 ? -(Ziggurat.r + xx) : Ziggurat.r + xx
                }
            }
        }
        let y = (t.f[idx - 1] - t.f[idx]) * nextUniform() + t.f[idx]
        let m = abs(x), b = t.bounds + 4 * idx
        if y < b[0] + b[1] * m { return x }
        if y >= b[2] + b[3] * m { return nil }
        return y < exp(-0.5 * x * x) ? x : nil
    }

    /// Fills `buffer` with independent N(0, 1) variates.
    public mutating func fillNormals(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard let base = buffer.baseAddress else { return }
        fillNormals(base, count: buffer.count)
    }

    /// Fills `buffer` with independent N(mean, sd²) variates.
    public mutating func fillNormals(_ buffer: UnsafeMutableBufferPointer<Double>, mean: Double, sd: Double) {
        guard let base = buffer.baseAddress else { return }
        fillNormals(base, count: buffer.count, sd: sd)
        if mean != 0 { for i in 0..<buffer.count { base[i] += mean } }
    }

    /// Writes `count` independent N(0, 1) variates to `out`.
    ///
    /// The inner loop holds only the fast path, with no call in it, so the
    /// generator state and loop counter stay in registers; the rare slow path
    /// runs in the outer loop. Same variates, in the same order, as `nextNormal()`.
    public mutating func fillNormals(_ out: UnsafeMutablePointer<Double>, count: Int) {
        fillNormals(out, count: count, sd: 1)
    }

    /// Writes `count` independent N(0, sd²) variates to `out`.
    public mutating func fillNormals(_ out: UnsafeMutablePointer<Double>, count: Int, sd: Double) {
        fillNormals(out, rows: 1, cols: count, stride: count, sd: sd)
    }

    /// Fills the first `cols` entries of each of `rows` rows (row stride `stride`)
    /// with independent N(0, sd²) variates, row after row: the same variates, in
    /// the same order, as filling rows·cols contiguous entries.
    public mutating func fillNormals(_ out: UnsafeMutablePointer<Double>, rows: Int, cols: Int, stride: Int, sd: Double) {
        let t = Ziggurat.tablesForInlining
        // The state lives in four locals whose address is never taken, so they
        // stay in registers; only the rare slow path builds a generator value.
        var a = s0, b = s1, c = s2, d = s3
        var row = 0, i = 0
        var base = out
        while row < rows {
          while i < cols {
            let bits = Xoshiro256StarStar.rotl(b &* 5, 7) &* 9
            let tt = b << 17
            c ^= a; d ^= b; b ^= c; a ^= d; c ^= tt; d = Xoshiro256StarStar.rotl(d, 45)
            let (x, accepted) = Xoshiro256StarStar.fastNormal(bits, tables: t)
            if accepted {
                base[i] = sd * x
                i += 1
                continue
            }
            var g = Xoshiro256StarStar(state: (a, b, c, d))
            if let y = g.slowPath(bits: bits, x: x, tables: t) { base[i] = sd * y; i += 1 }
            (a, b, c, d) = (g.s0, g.s1, g.s2, g.s3)
          }
          i = 0
          row += 1
          base += stride
        }
        (s0, s1, s2, s3) = (a, b, c, d)
    }

    /// `count` independent N(0, 1) variates.
    public mutating func normals(count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buf, n in
            fillNormals(buf)
            n = count
        }
    }
}

/// The ziggurat tables as plain pointers, so inlined code reads them without
/// going through the lazy global each time.
@frozen @usableFromInline
struct ZigguratTableView {
    @usableFromInline let k: UnsafePointer<UInt64>
    @usableFromInline let w: UnsafePointer<Double>
    @usableFromInline let f: UnsafePointer<Double>
    @usableFromInline let bounds: UnsafePointer<Double>
}

extension Ziggurat {
    @usableFromInline
    static var tablesForInlining: ZigguratTableView {
        let t = tables
        return ZigguratTableView(k: t.k, w: t.w, f: t.f, bounds: t.bounds)
    }
}
