// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Linalg
import Testing

/// The ziggurat decides most wedge tests by two lines instead of e^{−m²/2}.
/// That may never change a decision: on every layer the lower line must lie
/// below, and the upper line above, the exponential exactly as the test
/// computes it, at the layer's ends and at 4000 points between.
@Suite struct ZigguratBoundsTests {
    @Test func theLinesNeverContradictTheExponential() {
        let t = Ziggurat.tablesForInlining
        var decided = 0, tried = 0
        var g = Xoshiro256StarStar(seed: 5)
        for i in 1..<256 {
            let a = i == 1 ? 0 : t.w[i - 1] * Ziggurat.scale, c = t.w[i] * Ziggurat.scale
            let b = t.bounds + 4 * i
            for j in 0...4000 {
                let m = a + (c - a) * Double(j) / 4000
                let f = exp(-0.5 * m * m)
                #expect(b[0] + b[1] * m < f, "layer \(i), m = \(m): lower line above e^{−m²/2}")
                #expect(b[2] + b[3] * m > f, "layer \(i), m = \(m): upper line below e^{−m²/2}")
                // How often a uniform y in the wedge is decided without f.
                let y = (t.f[i - 1] - t.f[i]) * g.nextUniform() + t.f[i]
                tried += 1
                if y < b[0] + b[1] * m || y >= b[2] + b[3] * m { decided += 1 }
            }
        }
        // The lines are worth having: almost every test is decided by them.
        #expect(Double(decided) / Double(tried) > 0.9, "\(decided) of \(tried)")
    }
}
