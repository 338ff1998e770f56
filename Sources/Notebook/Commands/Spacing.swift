// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `spacing`: level spacings of degenerate pairs (or unfolded bulk spacings)
/// against the Wigner surmise and the exact GOE law.
public enum SpacingCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "spacing", summary: "spacings within degenerate pairs (or unfolded bulk spacings) vs the Wigner surmise",
        parameters: Analysis.parameters + [
            ParameterSpec("replicas", .integer(10...100_000), default: "500", help: "bootstrap samples for the KS p-value"),
        ],
        examples: ["spacing", "spacing from=50000"], usesSeed: true)

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (result, spectra, source) = try Analysis.spectra(args, context)
        let replicas = args.integer("replicas")!
        var out = CommandOutput()
        out.line("spacings of \(result.variable.description), \(source)")
        let surmise = WignerSurmise(beta: 1), exact = GaudinSpacing(beta: 1)
        var pooled = [Double]()
        let n = result.spectrumSize
        let blocks = result.target.blocks
        let bulk = blocks.count == 1 && blocks[0].count > 2
        if bulk || blocks.isEmpty {
            guard n >= 3 else { throw NotebookError("the spectrum has \(n) levels and no degenerate pair", suggestion: "use a model with degenerate targets or n ≥ 3") }
            let unfolded = Spacings.unfold(spectra, method: .perIndexAverage, discard: Analysis.discard(n))
            let s = unfolded.values
            guard s.count >= 10 else { throw NotebookError("only \(s.count) spacings", suggestion: "train more runs (runs=…)") }
            let variance = Statistics.jackknife(s, blocks: 50, label: "Var(s)", Statistics.variance)
            // Along runs, the middle spacing's τ_int stands for the bulk's.
            let correlation = Analysis.correlation(args, result, block: [n / 2 - 1, n / 2], count: s.count)
            let ks = KolmogorovSmirnov.testSpacings(s, law: surmise, replicas: replicas, seed: seed, effectiveSize: correlation?.effective)
            let ksExact = KolmogorovSmirnov.testSpacings(s, law: exact, replicas: replicas, seed: seed &+ 1, effectiveSize: correlation?.effective)
            out.line("bulk nearest-neighbour spacings, \(unfolded.description): \(s.count) spacings")
            if let correlation {
                out.line("middle spacing along the runs: \(Analysis.correlationText(correlation, result, context))")
            }
            out.line("Var(s) = \(context.fmt(variance.value, variance.error))   GOE (exact) \(context.fmt(exact.moment(2) - 1))   surmise \(context.fmt(surmise.variance))   Poisson 1")
            out.line("KS vs surmise \(Analysis.ksText(ks, context))   vs exact GOE \(Analysis.ksText(ksExact, context))")
            out.record(ResultRecord(command: "spacing", quantity: "Var(s)", estimate: variance, prediction: exact.moment(2) - 1))
            out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise", value: ks.pValue, error: nil, sampleSize: s.count, method: ks.method))
            pooled = s
            out.figure("deviation", deviationFigure(s, inflation: correlation.map { Double(s.count) / Double($0.effective) } ?? 1))
        } else {
            var pairs = [PairSummary]()
            for block in blocks {
                let s = block.count == 2
                    ? Spacings.withinBlock(spectra, block: block)
                    : Spacings.unfolded(spectra.map { x in block.map { x[$0] } }, method: .perIndexAverage)
                guard s.count >= 2 else { throw NotebookError("only \(s.count) spacing per block", suggestion: "train more runs (runs=…), or use from=STEP to sample along the runs") }
                let mean = Statistics.meanWithError(s)
                let predicted = Analysis.prediction(result, "S_mean\(block)")
                let correlation = Analysis.correlation(args, result, block: block, count: s.count)
                let ks = KolmogorovSmirnov.testSpacings(s, law: surmise, replicas: replicas, seed: seed &+ UInt64(block[0]),
                                                        effectiveSize: correlation?.effective)
                var line = "\(Analysis.blockName(block))  ⟨S⟩ = \(context.fmt(mean.value, mean.error))"
                if let predicted { line += "   predicted \(context.fmt(predicted))" }
                line += "   KS vs surmise \(Analysis.ksText(ks, context))"
                out.line(line)
                if let correlation {
                    out.line("             \(Analysis.correlationText(correlation, result, context))")
                    out.record(ResultRecord(command: "spacing", quantity: "τ_int \(Analysis.blockName(block))", estimate: correlation.tau))
                }
                out.record(ResultRecord(command: "spacing", quantity: "⟨S⟩ \(Analysis.blockName(block))", estimate: mean, prediction: predicted))
                out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise \(Analysis.blockName(block))", value: ks.pValue, error: nil, sampleSize: s.count, method: ks.method))
                pooled += s.map { $0 / mean.value }
                if block.count == 2, let predicted {
                    pairs.append(PairSummary(block: block, target: result.target.values[block[0]], mean: mean, predicted: predicted,
                                             scaled: s.map { $0 / mean.value }, effective: correlation?.effective ?? s.count))
                }
            }
            out.line("s = S/⟨S⟩ pooled over \(blocks.count) block\(blocks.count == 1 ? "" : "s"): \(pooled.count) spacings, Var(s) = \(context.fmt(Statistics.variance(pooled)))   surmise \(context.fmt(surmise.variance))")
            if pairs.count >= 5 && pairs.count == blocks.count {
                isolatedPairs(pairs, targets: result.target.values, replicas: replicas, seed: seed, context: context, into: &out)
            }
        }
        let h = Histogram(freedmanDiaconis: pooled, range: 0...max(3.5, min(5, pooled.max() ?? 3.5)))
        let top = h.edges.last!
        out.figure("spacing", Figure(
            title: "Spacings s = S/⟨S⟩ (n = \(pooled.count))", x: Axis("s"), y: Axis("P(s)"),
            layers: [
                Analysis.histogramBars(h, label: "measured"),
                .line(Line(function: surmise.pdf, over: 0...top, label: "Wigner surmise β=1")),
                .line(Line(function: exact.pdf, over: 0...top, label: "exact GOE (Gaudin)", style: .dashed)),
            ]))
        return out
    }

    /// One degenerate pair's spacing statistics, for the many-pair summary.
    struct PairSummary {
        let block: [Int]
        let target: Double
        let mean: Estimate
        let predicted: Double
        let scaled: [Double]
        let effective: Int
    }

    /// Many pairs (e.g. an n = 100 RBM): a pair is a 2×2 GOE block only while no
    /// other level comes near it. A pair counts as isolated when the nearest other
    /// target level is at least 6σ away (σ = predicted ⟨S⟩/√π, each level's
    /// spread); the isolated pairs are pooled against the surmise on their own,
    /// and a figure shows ⟨S⟩/predicted of every pair against its target.
    static func isolatedPairs(_ pairs: [PairSummary], targets: [Double], replicas: Int, seed: UInt64,
                              context: CommandContext, into out: inout CommandOutput) {
        func nearestOther(_ p: PairSummary) -> Double {
            targets.enumerated().filter { !p.block.contains($0.offset) }.map { abs($0.element - p.target) }.min() ?? .infinity
        }
        let isolated = pairs.filter { nearestOther($0) >= 6 * $0.predicted / Double.pi.squareRoot() }
        var line = "isolated pairs (nearest other target ≥ 6σ away, σ = predicted ⟨S⟩/√π): \(isolated.count) of \(pairs.count)"
        if isolated.count >= 2 {
            let s = isolated.flatMap(\.scaled)
            let ratios = isolated.map { $0.mean.value / $0.predicted }
            let ks = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: replicas, seed: seed &+ 7919,
                                                    effectiveSize: isolated.map(\.effective).reduce(0, +))
            line += "; their ⟨S⟩/predicted = \(context.fmt(Statistics.mean(ratios))) (spread \(context.fmt(Statistics.variance(ratios).squareRoot())))"
            out.line(line)
            out.line("  pooled s of the isolated pairs: \(s.count) spacings, Var(s) = \(context.fmt(Statistics.variance(s)))   surmise \(context.fmt(WignerSurmise(beta: 1).variance))   KS vs surmise \(Analysis.ksText(ks, context))")
            out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise, isolated pairs", value: ks.pValue, error: nil, sampleSize: s.count, method: ks.method))
        } else {
            out.line(line + " (a smaller α/|B| separates more)")
        }
        // Unconverged pairs can be many times the prediction; keep the scale readable.
        let top = 2.5
        let shown = pairs.filter { $0.mean.value / $0.predicted <= top }
        let isIsolated = Set(isolated.map { $0.block[0] })
        let groups = [(true, "isolated", Marker.circle), (false, "overlapping a neighbour", Marker.square)]
        var layers = [Layer]()
        for (flag, label, marker) in groups {
            let chosen = shown.filter { isIsolated.contains($0.block[0]) == flag }
            guard !chosen.isEmpty else { continue }
            layers.append(.points(Points(xs: chosen.map(\.target), ys: chosen.map { $0.mean.value / $0.predicted },
                                         yErrors: chosen.map { ($0.mean.error ?? 0) / $0.predicted }, label: label, marker: marker)))
        }
        layers.append(.rule(Rule(.horizontal, at: 1, label: "leading-order theory")))
        let hidden = pairs.count - shown.count
        out.figure("pairs", Figure(title: "Pair spacings against theory (\(pairs.count) pairs\(hidden > 0 ? ", \(hidden) above \(Format.plain(top)) not shown" : ""))",
                                   x: Axis("target level"), y: Axis("⟨S⟩ / predicted", range: 0...top), layers: layers))
    }

    /// The measured density minus the surmise, bin by bin (both averaged over
    /// the bin), with Poisson errors (inflated by N/N_eff for correlated
    /// samples), against exact GOE − surmise: the ≤ 0.016 difference between the
    /// Gaudin law and the surmise, visible only with ~10⁵ spacings or more.
    static func deviationFigure(_ s: [Double], inflation: Double) -> Figure {
        let surmise = WignerSurmise(beta: 1), exact = GaudinSpacing(beta: 1)
        let h = Histogram(s, bins: 30, range: 0...3)
        func binAverage(_ cdf: (Double) -> Double, _ i: Int) -> Double {
            (cdf(h.edges[i + 1]) - cdf(h.edges[i])) / (h.edges[i + 1] - h.edges[i])
        }
        let bins = h.counts.indices
        let deviations = bins.map { h.densities[$0] - binAverage(surmise.cdf, $0) }
        let errors = h.densityErrors.map { $0 * inflation.squareRoot() }
        return Figure(
            title: "Deviation from the Wigner surmise (n = \(s.count))", x: Axis("s"), y: Axis("P(s) − P_surmise(s)"),
            layers: [
                .points(Points(xs: h.centers, ys: deviations, yErrors: errors, label: "measured − surmise", marker: .circle)),
                .line(Line(function: { exact.pdf($0) - surmise.pdf($0) }, over: 0...3, label: "exact GOE − surmise")),
                .rule(Rule(.horizontal, at: 0, label: "surmise")),
            ])
    }
}
