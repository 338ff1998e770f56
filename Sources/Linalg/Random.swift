// SPDX-License-Identifier: GPL-3.0-or-later

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit counter passed through a
/// strong mixing function. Used only to expand seeds into generator states;
/// it is what the xoshiro authors recommend for that.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijection of UInt64 with full avalanche.
    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna 2018): 256 bits of state, period 2²⁵⁶ − 1,
/// passes BigCrush and PractRand; ≈ 1 ns per 64-bit output. Not cryptographic.
///
/// Seeding goes through SplitMix64 so that any 64-bit seed, including 0, gives a
/// well-mixed non-zero state.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    public var s0, s1, s2, s3: UInt64

    /// The generator for `seed` (state = four SplitMix64 outputs).
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// A generator with this exact state (not all zero).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// Generator number `index` of the family of `seed`: run r of an ensemble
    /// seeded with s uses `stream(seed: s, index: r)`, so what a run draws never
    /// depends on which thread runs it or in what order.
    ///
    /// The (seed, index) pair is hashed through two different 64-bit mixers into
    /// one SplitMix64 seed. Two streams share a state sequence only if their
    /// hashed seeds land within a few billion SplitMix steps of each other, a
    /// chance of order 2⁻³² per pair for any realistic use — negligible.
    public static func stream(seed: UInt64, index: UInt64) -> Xoshiro256StarStar {
        // fmix64 from MurmurHash3 for the index, SplitMix64's mixer for the seed.
        var h = index &+ 0x632B_E59B_D9B4_E019
        h = (h ^ (h >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return Xoshiro256StarStar(seed: SplitMix64.mix(seed ^ 0xD1B5_4A32_D192_ED03) ^ h)
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Xoshiro256StarStar.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256StarStar.rotl(s3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Advances the state by 2¹²⁸ steps (the authors' `jump`): 2¹²⁸
    /// non-overlapping subsequences, for parallel streams drawn from one.
    public mutating func jump() {
        let constants: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for c in constants {
            for bit in 0..<64 {
                if c & (1 << UInt64(bit)) != 0 { t0 ^= s0; t1 ^= s1; t2 ^= s2; t3 ^= s3 }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (t0, t1, t2, t3)
    }
}

