// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import RMT

/// The reference fixture written by Fixtures/make_reference.py (numpy/scipy/mpmath).
struct Reference: Decodable {
    struct Symmetric: Decodable { let n: Int; let matrix: [Double]; let eigenvalues: [Double] }
    struct Singular: Decodable { let rows: Int; let cols: Int; let matrix: [Double]; let singularValues: [Double] }
    struct SPD: Decodable { let n: Int; let matrix: [Double]; let inverse: [Double] }
    let symmetric: [Symmetric]
    let singular: [Singular]
    let spd: [SPD]

    static func load() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

/// Largest |a_i − b_i|.
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Standard normal CDF Φ(x).
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// One-sample Kolmogorov–Smirnov distance and its asymptotic p-value (RMT's).
func kolmogorovSmirnov(_ sample: [Double], cdf: (Double) -> Double) -> (distance: Double, pValue: Double) {
    let d = KolmogorovSmirnov.distance(sample, cdf: cdf)
    return (d, KolmogorovSmirnov.asymptoticPValue(distance: d, sampleSize: sample.count))
}

func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

func variance(_ x: [Double]) -> Double {
    let m = mean(x)
    return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
}

func correlation(_ x: [Double], _ y: [Double]) -> Double {
    let mx = mean(x), my = mean(y)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (a, b) in zip(x, y) {
        sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my)
    }
    return sxy / (sxx * syy).squareRoot()
}
