// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Number formatting for results: a fixed number of significant digits, and
/// value ± error with the value rounded to the error's last digit.
///
/// Two rules hold for everything printed through it:
/// - a value that rounds to zero prints without a sign (`0.000`, never `-0.000`);
/// - NaN is never printed bare: it reads `n/a`, followed by the caller's reason
///   in parentheses when one is given (`n/a (all spacings are zero)`), so the
///   reader learns what happened and what to change. ±∞ print as `∞` and `-∞`.
///   None of these contain digits, so a replay counts the same numbers.
public enum Format {
    /// What stands in place of a number that could not be computed.
    public static func unavailable(_ reason: String? = nil) -> String {
        reason.map { "n/a (\($0))" } ?? "n/a"
    }

    /// "1 run", "2 runs": a count with its noun, plural by adding s.
    public static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// x with `digits` significant digits, no trailing zeros in the exponent form;
    /// NaN as `unavailable(reason)`.
    public static func value(_ x: Double, digits: Int = 4, unavailable reason: String? = nil) -> String {
        guard x.isFinite else { return x.isNaN ? unavailable(reason) : (x > 0 ? "∞" : "-∞") }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
            return unsignedZero(String(format: "%.\(decimals)f", x))
        }
        return String(format: "%.\(max(0, digits - 1))e", x)
    }

    /// "v ± e" with e to two significant digits and v to the same decimal place.
    /// Without an error (nil, or not above 0) just the value; an error that is
    /// NaN or ∞ reads "v ± n/a" or "v ± ∞"; a NaN value reads `unavailable(reason)`.
    public static func measured(_ v: Double, _ e: Double?, digits: Int = 4, unavailable reason: String? = nil) -> String {
        guard v.isFinite, let e, e.isNaN || e > 0 else { return value(v, digits: digits, unavailable: reason) }
        guard e.isFinite else { return "\(value(v, digits: digits)) ± \(value(e))" }
        let place = Int(floor(log10(e))) - 1
        if place < 0 && place > -12 && abs(v) < 1e6 {
            let decimals = -place
            return unsignedZero(String(format: "%.\(decimals)f", v)) + String(format: " ± %.\(decimals)f", e)
        }
        return "\(value(v, digits: digits)) ± \(value(e, digits: 2))"
    }

    /// "-0.000" → "0.000": a fixed-point rendering whose digits are all zero has no sign.
    static func unsignedZero(_ s: String) -> String {
        guard s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) else { return s }
        return String(s.dropFirst())
    }

    /// A plain short rendering for ranges in help texts.
    public static func plain(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? unavailable() : (x > 0 ? "∞" : "-∞") }
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
