// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Axis ticks at "nice" numbers (1, 2 or 5 × 10ᵏ) and their labels.
enum Ticks {
    /// About `target` tick values inside `range`.
    static func values(_ range: ClosedRange<Double>, target: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var t = ceil(range.lowerBound / step) * step
        var out = [Double]()
        while t <= range.upperBound + 1e-9 * step {
            out.append(abs(t) < 1e-12 * step ? 0 : t)
            t += step
        }
        return out
    }

    /// Labels with just enough decimals to tell the ticks apart.
    static func labels(_ ticks: [Double]) -> [String] {
        guard ticks.count >= 2 else { return ticks.map { format($0, decimals: 2) } }
        let step = abs(ticks[1] - ticks[0])
        let maxAbs = ticks.map(abs).max() ?? 0
        if maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3) {
            return ticks.map { $0 == 0 ? "0" : String(format: "%.1e", $0) }
        }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return ticks.map { format($0, decimals: decimals) }
    }

    static func format(_ v: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", v)
    }
}
