// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Plot
import RMT

/// `flow of=SERIES [layer=GLOB]`: a checkpoint series over training, layer by
/// layer — the top levels and the bulk edge against the step, the outliers
/// leaving the bulk, and the tail exponent α against the step.
///
/// Per checkpoint: σ² fitted to Marchenko–Pastur, the edge σ²(1 + √γ)², the
/// outlier threshold (edge + 4 Tracy–Widom scales + 3 errors of the edge, as
/// `layer`), the largest levels, and α by Clauset–Shalizi–Newman with its
/// asymptotic error (α − 1)/√n_tail (`powerlaw` gives a bootstrap error for
/// one checkpoint). A level of rank k (k = 1 the largest) *detaches* at the
/// first step from which it stays above the threshold at every later step.
enum SeriesFlow {
    /// Ranks of the largest levels followed (1 = the largest).
    static let followed = 5
    /// Layers drawn (the table covers all of them).
    static let drawn = 4

    static func run(_ series: WeightSeries, name: String, layerGlob: String?, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let all = series.sets.flatMap { $0.layers.map(\.name) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let names = layerGlob.map { g in all.filter { fnmatch(g, $0, 0) == 0 } } ?? all
        guard !names.isEmpty else {
            throw NotebookError("no layer of \(name) matches \(layerGlob ?? "")", suggestion: "its layers: " + all.prefix(8).joined(separator: ", "))
        }
        let f: (Double) -> String = { context.fmt($0) }
        let stepAxis = series.byStep ? "step" : "checkpoint (by name)"
        var out = CommandOutput()
        out.line("\(name): \(series.sets.count) checkpoints of \(series.source), \(series.byStep ? "steps from the file names" : "in name order"); X = WᵀW/M per layer")
        out.line("x₁ ≥ x₂ ≥ x₃ the largest levels; threshold = MP edge + 4 Tracy–Widom scales + 3 errors of the edge; α by Clauset–Shalizi–Newman, error (α − 1)/√n_tail")
        var alphaLayers = [Layer]()
        for (l, layerName) in names.enumerated() {
            let rows = series.sets.indices.compactMap { k -> (step: Int, layer: LoadedLayer)? in
                series.sets[k].layers.first { $0.name == layerName }.map { (series.steps[k], $0) }
            }
            guard let shape = rows.first?.layer else { continue }
            out.line("")
            out.line("\(layerName) (\(shape.rows)×\(shape.cols)):")
            var table = TextTable([.init("step"), .init("σ²"), .init("edge"), .init("threshold"), .init("x₁"), .init("x₂"), .init("x₃"),
                                   .init("outliers"), .init("α"), .init("x_min")], indent: "  ")
            var steps = [Double](), edges = [Double](), thresholds = [Double](), tops = [[Double]](), alphas = [(Double, Double, Double)]()
            var above = [[Bool]]()
            for (step, layer) in rows {
                let x = layer.eigenvalues
                let top = (0..<min(followed, x.count)).map { x[x.count - 1 - $0] }
                let fit = try? PowerLawFit(x, minimumTail: PowerLawFit.defaultMinimumTail)
                let q = "of \(layerName) at \(series.byStep ? "step" : "checkpoint") \(step)"
                if let fit {
                    alphas.append((Double(step), fit.alpha, fit.asymptoticError))
                    out.record(ResultRecord(command: "flow", quantity: "power-law exponent α \(q)", value: fit.alpha, error: fit.asymptoticError,
                                            sampleSize: fit.tailSize, method: "Clauset–Shalizi–Newman MLE, x_min by smallest KS distance; asymptotic error"))
                }
                out.record(ResultRecord(command: "flow", quantity: "largest level \(q)", value: top.first ?? .nan, error: nil, sampleSize: x.count, method: "x_max = s_max²/M"))
                let cells = top.prefix(3).map(f) + Array(repeating: "—", count: max(0, 3 - top.count))
                let alphaCells = fit.map { [context.fmt($0.alpha, $0.asymptoticError), f($0.xmin)] } ?? ["—", "—"]
                switch layer.spectrum {
                case .success(let s):
                    steps.append(Double(step)); edges.append(s.bulkEdge); thresholds.append(s.outlierThreshold); tops.append(top)
                    above.append((0..<followed).map { $0 < top.count && top[$0] > s.outlierThreshold })
                    table.append(["\(step)", context.fmt(s.variance.value, s.variance.error), f(s.bulkEdge), f(s.outlierThreshold)] + cells + ["\(s.outliers.count)"] + alphaCells)
                    out.record(ResultRecord(command: "flow", quantity: "bulk edge \(q)", value: s.bulkEdge, error: s.bulkEdge * (s.variance.error ?? 0) / s.variance.value,
                                            sampleSize: s.n, method: "σ²(1+√γ)², σ² fitted to Marchenko–Pastur"))
                    out.record(ResultRecord(command: "flow", quantity: "outliers above the MP edge \(q)", value: Double(s.outliers.count), error: nil, sampleSize: s.n,
                                            method: "levels above edge + 4 Tracy–Widom scales + 3 errors of the edge"))
                case .failure(let why):
                    table.append(["\(step)", "—", "—", "—"] + cells + ["—"] + alphaCells)
                    out.line("  \(layerName) at \(step): no Marchenko–Pastur fit: \(why.message)")
                }
            }
            out.lines += table.lines
            out.line("  " + detachment(above, steps: steps))
            if !alphas.isEmpty {
                alphaLayers.append(.points(Points(xs: alphas.map(\.0), ys: alphas.map(\.1), yErrors: alphas.map(\.2), label: layerName,
                                                  marker: Marker.allCases[l % Marker.allCases.count])))
            }
            if l < drawn && !steps.isEmpty {
                var layers: [Layer] = (0..<followed).compactMap { k in
                    let ys = tops.map { k < $0.count ? $0[k] : .nan }
                    return ys.allSatisfy(\.isNaN) ? nil : .line(Line(xs: steps, ys: ys, label: k == 0 ? "x₁ … x\(subscriptDigits(followed)) (largest levels)" : nil))
                }
                layers.append(.line(Line(xs: steps, ys: edges, label: "Marchenko–Pastur edge", style: .dashed)))
                layers.append(.line(Line(xs: steps, ys: thresholds, label: "edge + 4 TW (outlier threshold)", style: .dotted)))
                out.figure("flow", Figure(title: "\(layerName): largest levels and bulk edge over training", x: Axis(stepAxis), y: Axis("x = s²/M"), layers: layers))
            }
        }
        if names.count > drawn { out.line("(figures for the first \(drawn) layers; layer=GLOB picks others)") }
        if !alphaLayers.isEmpty {
            out.figure("alpha", Figure(title: "Tail exponent α over training", x: Axis(stepAxis), y: Axis("α"), layers: alphaLayers))
        }
        return out
    }

    /// "x₁ leaves the bulk at step 20 (and stays out); x₂ at step 60; x₃ … stay in":
    /// for each followed rank, the first step from which it is above the
    /// threshold at every later checkpoint.
    static func detachment(_ above: [[Bool]], steps: [Double]) -> String {
        guard !above.isEmpty else { return "no checkpoint has a Marchenko–Pastur fit" }
        var parts = [String](), inside = [Int]()
        for k in 0..<followed {
            let column = above.map { $0[k] }
            guard column.last == true else { inside.append(k + 1); continue }
            let first = (column.lastIndex(of: false).map { $0 + 1 }) ?? 0
            let step = Format.plain(steps[first])
            parts.append(first == 0 ? "x\(subscriptDigits(k + 1)) is out from the start" : "x\(subscriptDigits(k + 1)) leaves the bulk at step \(step)")
        }
        if parts.isEmpty { return "detachment: no level is outside the bulk at the last checkpoint" }
        let rest = inside.isEmpty ? "" : "; \(inside.map { "x" + subscriptDigits($0) }.joined(separator: ", ")) \(inside.count == 1 ? "is" : "are") inside at the end"
        return "detachment (from then on above the threshold): " + parts.joined(separator: ", ") + rest
    }

    static func subscriptDigits(_ n: Int) -> String {
        String(String(n).map { c -> Character in
            let subs: [Character] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]
            return c.wholeNumberValue.map { subs[$0] } ?? c
        })
    }
}
