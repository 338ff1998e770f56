// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Number formatting for results: a fixed number of significant digits, and
/// value ± error with the value rounded to the error's last digit.
public enum Format {
    /// x with `digits` significant digits, no trailing zeros in the exponent form.
    public static func value(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
            return String(format: "%.\(decimals)f", x)
        }
        return String(format: "%.\(max(0, digits - 1))e", x)
    }

    /// "v ± e" with e to two significant digits and v to the same decimal place.
    public static func measured(_ v: Double, _ e: Double?, digits: Int = 4) -> String {
        guard let e, e > 0, e.isFinite, v.isFinite else { return value(v, digits: digits) }
        let place = Int(floor(log10(e))) - 1
        if place < 0 && place > -12 && abs(v) < 1e6 {
            let decimals = -place
            return String(format: "%.\(decimals)f ± %.\(decimals)f", v, e)
        }
        return "\(value(v, digits: digits)) ± \(value(e, digits: 2))"
    }

    /// A plain short rendering for ranges in help texts.
    public static func plain(_ x: Double) -> String {
        if x == .infinity { return "∞" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }

    /// Bytes as kB / MB / GB.
    public static func bytes(_ b: Int) -> String {
        let d = Double(b)
        if b >= 1 << 30 { return String(format: "%.1f GB", d / 1_073_741_824) }
        if b >= 1 << 20 { return String(format: "%.1f MB", d / 1_048_576) }
        return String(format: "%.0f kB", d / 1024)
    }

    /// Seconds as "0.42 s", "3.1 min".
    public static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.2g s", s) }
        if s < 3600 { return String(format: "%.1f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }
}
