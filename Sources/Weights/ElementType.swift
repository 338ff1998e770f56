// SPDX-License-Identifier: GPL-3.0-or-later

/// The floating-point element types dyson reads, and their conversion to Double.
///
/// Every conversion is exact: binary16, bfloat16 and binary32 values are all
/// representable as binary64 (NaN payloads aside).
public enum ElementType: String, Sendable, CaseIterable {
    /// IEEE binary16 (numpy `f2`, safetensors `F16`).
    case float16 = "f16"
    /// bfloat16: the top 16 bits of a binary32 (safetensors `BF16`).
    case bfloat16 = "bf16"
    /// IEEE binary32 (numpy `f4`, safetensors `F32`).
    case float32 = "f32"
    /// IEEE binary64 (numpy `f8`, safetensors `F64`).
    case float64 = "f64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float16, .bfloat16: return 2
        case .float32: return 4
        case .float64: return 8
        }
    }

    /// Converts `count` elements stored at `source` (byte order `bigEndian` or
    /// little-endian; no alignment assumed) into `destination`.
    func convert(_ source: UnsafeRawBufferPointer, count: Int, bigEndian: Bool, into destination: UnsafeMutablePointer<Double>) {
        guard count > 0, let p = source.baseAddress else { return }
        switch self {
        case .float64:
            for i in 0..<count {
                let bits = p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                destination[i] = Double(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
            }
        case .float32:
            for i in 0..<count {
                let bits = p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                destination[i] = Double(Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
            }
        case .float16:
            for i in 0..<count {
                let bits = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                destination[i] = Self.halfToDouble(bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits))
            }
        case .bfloat16:
            for i in 0..<count {
                let bits = p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                let b = bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits)
                destination[i] = Double(Float(bitPattern: UInt32(b) << 16))
            }
        }
    }

    /// IEEE binary16 → Double, by its fields (portable: no Float16 type needed).
    /// Sign s, exponent e (5 bits, bias 15), fraction f (10 bits):
    /// e = 0: (−1)ˢ·f·2⁻²⁴ (subnormal); e = 31: ±∞ or NaN; else (−1)ˢ·(1024 + f)·2^(e−25).
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let e = Int((h >> 10) & 0x1F), f = Double(h & 0x3FF)
        switch e {
        case 0: return sign * f * 0x1p-24
        case 31: return f == 0 ? sign * .infinity : .nan
        default: return sign * (1024 + f) * Double(sign: .plus, exponent: e - 25, significand: 1)
        }
    }
}
