// SPDX-License-Identifier: GPL-3.0-or-later
import CNormalLanes

/// Standard normal variates in bulk from eight xoshiro256** lanes stepped
/// together: a 64-layer ziggurat whose tables fit in AVX-512 registers,
/// ≈ 1 ns per normal on one core where the CPU has AVX-512 (F, DQ, BW), ≈ 2.3×
/// the scalar generator (`Xoshiro256StarStar.fillNormals`). Elsewhere a
/// portable path computes the same numbers, bit for bit.
///
/// The method (details in Sources/CNormalLanes/normal_lanes.c and
/// docs/theory.md): each round steps the eight lanes once and fills eight
/// slots, lane 0 to 7. 95 % of draws land in their layer's inner rectangle
/// and are the slot's value. The others are settled with uniforms from a
/// second set of eight lanes: kept if under e^{−x²/2} (the wedge test), sampled
/// in the tail beyond r in the base layer, or, when the wedge test rejects,
/// replaced by an independent N(0, 1) variate from a fallback stream. A slot is
/// therefore N(0, 1) exactly (accepted with probability p it is N(0, 1), and
/// the replacement is N(0, 1) with weight 1 − p), slots are independent, and
/// no lane waits for another. Resolution: 52-bit abscissae, as for the scalar
/// generator.
///
/// The values do not depend on how a fill is split into calls: the state keeps
/// the unused values of the last round.
public struct NormalLanes: Sendable {
    var state = dyson_normal_lanes()

    /// Lanes and streams seeded from `source`: each of the 18 xoshiro256**
    /// states is `Xoshiro256StarStar(seed:)` of one of `source`'s next 18
    /// outputs (distinct SplitMix64 seeds, so the streams do not overlap in
    /// any realistic use).
    public init(seededBy source: inout Xoshiro256StarStar) {
        var words = [UInt64]()
        words.reserveCapacity(4 * 18)
        for _ in 0..<18 {
            let g = Xoshiro256StarStar(seed: source.next())
            words += [g.s0, g.s1, g.s2, g.s3]
        }
        // lanes (8), wedge (8): s0 of every lane, then s1, s2, s3.
        withUnsafeMutableBytes(of: &state.lanes) { laneWords in
            withUnsafeMutableBytes(of: &state.wedge) { wedgeWords in
                let lanes = laneWords.bindMemory(to: UInt64.self), wedge = wedgeWords.bindMemory(to: UInt64.self)
                for j in 0..<8 {
                    for w in 0..<4 {
                        lanes[8 * w + j] = words[4 * j + w]
                        wedge[8 * w + j] = words[32 + 4 * j + w]
                    }
                }
            }
        }
        state.tail = (words[64], words[65], words[66], words[67])
        state.fallback = (words[68], words[69], words[70], words[71])
    }

    /// Whether this CPU runs the AVX-512 path (else the portable one).
    public static var isVectorised: Bool { dyson_normal_lanes_vectorised() != 0 }

    /// Writes `count` independent N(0, 1) variates to `out`.
    public mutating func fill(_ out: UnsafeMutablePointer<Double>, count: Int) {
        guard count > 0 else { return }
        dyson_normal_lanes_fill(&state, out, count)
    }

    /// Writes `count` independent N(0, sd²) variates to `out`.
    public mutating func fill(_ out: UnsafeMutablePointer<Double>, count: Int, sd: Double) {
        fill(out, count: count)
        if sd != 1 { for i in 0..<count { out[i] *= sd } }
    }

    /// The same variates as `fill`, from the portable path (for tests and benchmarks).
    public mutating func fillPortable(_ out: UnsafeMutablePointer<Double>, count: Int) {
        guard count > 0 else { return }
        dyson_normal_lanes_fill_portable(&state, out, count)
    }

    /// Number of 64-bit words in `words`.
    public static let wordCount = MemoryLayout<dyson_normal_lanes>.size / 8

    /// The whole state as words (pending values as their bit patterns), to
    /// save a position and continue from it bit for bit. Values already handed
    /// out are written as 0, so equal positions give equal words.
    public var words: [UInt64] {
        var s = state
        withUnsafeMutableBytes(of: &s.pending) { raw in
            let p = raw.bindMemory(to: Double.self)
            for i in 0..<(8 - Int(state.pendingCount)) { p[i] = 0 }
        }
        withUnsafeMutableBytes(of: &s.wedgePending) { raw in
            let p = raw.bindMemory(to: Double.self)
            for i in 0..<(8 - Int(state.wedgePendingCount)) { p[i] = 0 }
        }
        return withUnsafeBytes(of: s) { Array($0.bindMemory(to: UInt64.self)) }
    }

    /// A generator at a saved position, or nil when `words` is not one
    /// (wrong length, pending counts outside 0…8, or a xoshiro256** state of
    /// all zeros, which would give the same value for ever).
    public init?(words: [UInt64]) {
        guard words.count == Self.wordCount else { return nil }
        var s = dyson_normal_lanes()
        withUnsafeMutableBytes(of: &s) { raw in
            let w = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count { w[i] = words[i] }
        }
        guard (0...8).contains(s.pendingCount), (0...8).contains(s.wedgePendingCount) else { return nil }
        // The 18 streams: lanes and wedge lanes (s0…s3 eight apart), tail, fallback.
        let streams = (0..<8).map { j in [j, 8 + j, 16 + j, 24 + j] } + (0..<8).map { j in [32 + j, 40 + j, 48 + j, 56 + j] }
            + [[64, 65, 66, 67], [68, 69, 70, 71]]
        guard streams.allSatisfy({ $0.contains { words[$0] != 0 } }) else { return nil }
        state = s
    }
}

extension NormalLanes {
    /// The ziggurat behind the lanes, for tests and documentation.
    public enum Tables {
        /// Number of layers (64).
        public static var layers: Int { Int(dyson_normal_lanes_layers()) }
        /// Where the tail begins: x of the top layer.
        public static var r: Double { dyson_normal_lanes_r() }
        /// The area of every layer (the base strip with the tail included).
        public static var v: Double { dyson_normal_lanes_v() }

        /// Layer i's fast-accept threshold k (abscissae a < k are inside the
        /// inner rectangle), its width per abscissa unit w = xᵢ/2⁵², and f(xᵢ).
        public static func layer(_ i: Int) -> (k: UInt64, w: Double, f: Double) {
            var k: UInt64 = 0, w = 0.0, f = 0.0
            dyson_normal_lanes_layer(Int32(i), &k, &w, &f)
            return (k, w, f)
        }

        /// e^{−x²/2} as the wedge test computes it (|x| ≤ 4).
        public static func expHalfSquare(_ x: Double) -> Double { dyson_normal_lanes_exp_half_square(x) }
    }
}
