// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Plot

/// The kinds of figure dyson draws, built from deterministic data.
enum SampleFigures {
    static func surmise(_ s: Double) -> Double { .pi / 2 * s * exp(-.pi * s * s / 4) }

    /// Spacing histogram against the surmise (solid) and a second law (dashed).
    static var spacing: Figure {
        let edges = stride(from: 0.0, through: 3.2, by: 0.2).map { $0 }
        let heights = zip(edges, edges.dropFirst()).enumerated().map { i, e in
            surmise(0.5 * (e.0 + e.1)) * (1 + 0.08 * sin(Double(i) * 1.7))
        }
        return Figure(
            title: "Spacings within the pair, s = S/⟨S⟩ (n = 3000)",
            x: Axis("s"), y: Axis("P(s)"),
            layers: [
                .bars(Bars(edges: edges, heights: heights, label: "measured")),
                .line(Line(function: surmise, over: 0...3.2, label: "Wigner surmise β=1")),
                .line(Line(function: { 0.98 * surmise($0 * 1.01) }, over: 0...3.2, label: "exact GOE", style: .dashed)),
            ])
    }

    /// Eigenvalue density with the 2×2 GOE density and target lines.
    static var density: Figure {
        let edges = stride(from: 1.0, through: 3.0, by: 0.1).map { $0 }
        let heights = zip(edges, edges.dropFirst()).map { e -> Double in
            let x = 0.5 * (e.0 + e.1)
            return 2.2 * exp(-pow((x - 1.6) / 0.2, 2)) + 2.0 * exp(-pow((x - 2.4) / 0.22, 2))
        }
        return Figure(
            title: "Eigenvalues of WᵀW",
            x: Axis("x", unit: "a.u."), y: Axis("ρ(x)"),
            layers: [
                .bars(Bars(edges: edges, heights: heights, label: "x_i")),
                .line(Line(function: { 2.2 * exp(-pow(($0 - 1.6) / 0.2, 2)) + 2.0 * exp(-pow(($0 - 2.4) / 0.22, 2)) },
                           over: 1...3, label: "2×2 GOE fit")),
                .rule(Rule(.vertical, at: 1.6, label: "target x*")),
                .rule(Rule(.vertical, at: 2.4)),
            ])
    }

    /// Eigenvalue flow: several levels against training time.
    static var flow: Figure {
        let t = stride(from: 0.0, through: 100, by: 1).map { $0 }
        let layers: [Layer] = (0..<4).map { i in
            let target = 1.0 + Double(i)
            return .line(Line(xs: t, ys: t.map { target * (1 - exp(-$0 / 20)) + 0.05 * sin($0 * Double(i + 1) / 7) },
                              label: i == 0 ? "x_i(t)" : nil))
        }
        return Figure(title: "Eigenvalue flow", x: Axis("t = α·step"), y: Axis("x_i"), layers: layers)
    }

    /// Scaling collapse: two scans, their fitted line and the theory line.
    static var collapse: Figure {
        let xa = [0.02, 0.03, 0.045, 0.06, 0.075], xb = [0.025, 0.04, 0.055, 0.07]
        return Figure(
            title: "Scaling collapse",
            x: Axis("√(αA/|B|)"), y: Axis("⟨S⟩, √π σ"),
            layers: [
                .points(Points(xs: xa, ys: xa.map { 2.4 * $0 + 0.002 }, yErrors: xa.map { 0.02 * $0 + 0.001 }, label: "lr scan", marker: .circle)),
                .points(Points(xs: xb, ys: xb.map { 2.45 * $0 - 0.001 }, yErrors: xb.map { 0.02 * $0 + 0.001 }, label: "batch scan", marker: .triangle)),
                .line(Line(xs: [0, 0.08], ys: [0, 0.08 * 2.42], label: "fit a = 2.42 ± 0.03")),
                .line(Line(xs: [0, 0.08], ys: [0, 0.08 * Double.pi.squareRoot() * 2.0.squareRoot()], label: "theory √(2π)", style: .dashed)),
            ])
    }

    /// Mean shift against α/|B| with a reference at 1.
    static var shift: Figure {
        let x = [0.000625, 0.00125, 0.0025, 0.005]
        return Figure(
            title: "Shift of the fitted centres",
            x: Axis("α/|B|"), y: Axis("λ_fit/κ"),
            layers: [
                .points(Points(xs: x, ys: x.map { 1 + 8 * $0 }, yErrors: x.map { _ in 0.004 }, label: "pair κ=4.38", marker: .square)),
                .points(Points(xs: x, ys: x.map { 1 - 5 * $0 }, yErrors: x.map { _ in 0.004 }, label: "κ=4", marker: .diamond)),
                .rule(Rule(.horizontal, at: 1, label: "no shift")),
            ])
    }

    static let all: [(String, Figure)] = [
        ("spacing", spacing), ("density", density), ("flow", flow), ("collapse", collapse), ("shift", shift),
    ]
}
