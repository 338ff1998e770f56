// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Plot
import RMT

/// `layer [NAME] [of=SET]`: one loaded layer's spectrum against Marchenko–Pastur.
public enum LayerCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "layer", summary: "one loaded layer's spectrum vs Marchenko–Pastur: fitted σ², bulk edge, outliers, norms",
        positional: [ParameterSpec("name", .text, default: "", help: "the layer (as weights lists it); may be left out when only one is loaded")],
        parameters: [ParameterSpec("of", .text, help: "the weights loaded as NAME (weights … as=NAME) instead of the last file read")],
        examples: ["layer fc1.weight", "layer encoder.0.attn.k.weight of=epoch10", "layer"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (_, set, layer) = try context.workspace.layer(args.word("name") ?? "", of: args.word("of"), command: "layer")
        let names = set.layers.map(\.name)
        let s: LayerSpectrum
        switch layer.spectrum {
        case .success(let fitted): s = fitted
        case .failure(let why):
            throw NotebookError("\(layer.name) has no Marchenko–Pastur bulk to compare with: \(why.message)",
                                suggestion: "its \(layer.eigenvalues.count) levels are kept; another layer: layer \(names.first { $0 != layer.name } ?? names[0])")
        }
        var out = CommandOutput()
        let f: (Double) -> String = { context.fmt($0) }
        out.line("\(layer.name) of \(set.file): \(layer.shapeDescription) \(layer.typeName) as a \(layer.rows)×\(layer.cols) matrix; M×N = \(s.m)×\(s.n), γ = N/M = \(f(s.ratio)); \(s.n) levels of X = WᵀW/M")
        out.line("σ² = \(context.fmt(s.variance.value, s.variance.error))   (\(s.variance.method))")
        out.line("bulk edge σ²(1+√γ)² = \(f(s.bulkEdge))   Tracy–Widom scale \(f(s.tracyWidomScale))   outlier threshold \(f(s.outlierThreshold))")
        let top = s.eigenvalues.last ?? 0
        out.line("largest level \(f(top)) = edge \(top >= s.bulkEdge ? "+" : "−") \(f(abs(top - s.bulkEdge) / s.tracyWidomScale)) Tracy–Widom scales")
        if s.outliers.isEmpty {
            out.line("outliers: none (every level within the bulk and its Tracy–Widom margin)")
        } else {
            let shown = s.outliers.prefix(10).map { x -> String in
                let t = SpikedWishart.strength(ofOutlierAt: x, variance: s.variance.value, ratio: s.ratio)
                return f(x) + (t.map { " (t = \(f($0)))" } ?? "")
            }
            out.line("outliers: \(s.outliers.count): " + shown.joined(separator: ", ") + (s.outliers.count > 10 ? ", …" : ""))
            out.line("  (t: the rank-one signal strength, in units of σ, that puts an outlier there; the BBP threshold is γ^¼ = \(f(SpikedWishart.threshold(ratio: s.ratio))))")
        }
        out.line("‖W‖₂ = \(f(s.spectralNorm))   stable rank ‖W‖_F²/‖W‖₂² = \(f(s.stableRank)) of \(s.n)   KS distance of the bulk to the fitted law D = \(f(s.bulkDistance))")
        let bulkRatios = s.bulkRatios
        var ratioMean: Estimate?
        if bulkRatios.ratios.count >= 2 {
            let r = Statistics.meanWithError(bulkRatios.ratios)
            ratioMean = r
            out.line("bulk spacing ratios ⟨r̃⟩ = \(context.fmt(r.value, r.error))   GOE \(f(SpacingRatioReference.goe))   Poisson \(f(SpacingRatioReference.poisson))   (\(bulkRatios.ratios.count) ratios of the \(bulkRatios.levels) bulk levels, \(bulkRatios.trimmed) dropped at each end)")
        }
        if s.n < 20 { out.line("caution: \(s.n) levels are too few for a density; the fit and the edge are rough") }

        let q = "of \(layer.name)"
        out.record(ResultRecord(command: "layer", quantity: "σ² \(q)", estimate: s.variance))
        out.record(ResultRecord(command: "layer", quantity: "outliers above the MP edge \(q)", value: Double(s.outliers.count), error: nil, sampleSize: s.n,
                                method: "levels above edge + 4 Tracy–Widom scales + 3 errors of the edge"))
        out.record(ResultRecord(command: "layer", quantity: "largest level \(q)", value: top, error: nil, sampleSize: s.n, method: "x_max = s_max²/M", prediction: s.bulkEdge))
        out.record(ResultRecord(command: "layer", quantity: "spectral norm \(q)", value: s.spectralNorm, error: nil, sampleSize: s.n, method: "largest singular value"))
        out.record(ResultRecord(command: "layer", quantity: "stable rank \(q)", value: s.stableRank, error: nil, sampleSize: s.n, method: "‖W‖_F²/‖W‖₂²"))
        out.record(ResultRecord(command: "layer", quantity: "KS distance of the bulk to Marchenko–Pastur \(q)", value: s.bulkDistance, error: nil,
                                sampleSize: s.n - s.outliers.count, method: "KS distance, σ² fitted", prediction: 0))

        if let r = ratioMean {
            out.record(ResultRecord(command: "layer", quantity: "⟨r̃⟩ of the bulk \(q)", estimate: r, prediction: SpacingRatioReference.goe))
        }
        // The bulk and its law; far outliers are marked, not binned (they would squash the bulk).
        let hi = max(s.outlierThreshold, min(top, 3 * s.outlierThreshold)) * 1.05
        let bulk = s.eigenvalues.filter { $0 <= hi }
        let h = Histogram(freedmanDiaconis: bulk, range: 0...hi)
        var layers: [Layer] = [.bars(Bars(edges: h.edges, heights: h.densities.map { $0 * Double(bulk.count) / Double(s.n) }, label: "levels")),
                               .line(Line(function: s.law.pdf, over: 0...hi, count: 400, label: "Marchenko–Pastur, fitted σ²")),
                               .rule(Rule(.vertical, at: s.bulkEdge, label: "edge")),
                               .rule(Rule(.vertical, at: s.outlierThreshold, label: "edge + 4 TW"))]
        for (i, x) in s.outliers.prefix(10).enumerated() where x <= hi { layers.append(.rule(Rule(.vertical, at: x, label: i == 0 ? "outliers" : nil))) }
        out.figure("layer", Figure(title: "\(layer.name): spectrum of WᵀW/M vs Marchenko–Pastur", x: Axis("x = s²/M (eigenvalue of WᵀW/M)"), y: Axis("density ρ(x)"), layers: layers))
        if s.outliers.contains(where: { $0 > hi }) {
            out.line("(the figure stops at \(f(hi)); \(s.outliers.filter { $0 > hi }.count) outlier\(s.outliers.filter { $0 > hi }.count == 1 ? " lies" : "s lie") beyond it)")
        }
        return out
    }
}
