// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `spacing`: level spacings of degenerate pairs (or unfolded bulk spacings)
/// against the Wigner surmise and the exact GOE law.
///
/// Each degenerate block is analysed on its own when it has enough spacings
/// (≥ 10). With fewer — one run of an n = 100 RBM has one spacing per pair —
/// the pairs are pooled: each spacing is divided by its pair's predicted ⟨S⟩
/// and the pool is compared with the surmise after scaling to unit mean.
/// A result with few runs whose levels converged early is sampled along the
/// runs (trajectory sampling, with τ_int) automatically.
public enum SpacingCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "spacing", summary: "spacings within degenerate pairs (or unfolded bulk spacings) vs the Wigner surmise",
        parameters: Analysis.parameters + [
            ParameterSpec("replicas", .integer(10...100_000), default: "500", help: "bootstrap samples for the KS p-value"),
            LayerBulk.parameter,
        ],
        examples: ["spacing", "spacing from=50000", "spacing layer=fc1.weight"], usesSeed: true)

    /// Spacings a block needs for statistics of its own.
    static let perBlockMinimum = 10

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if let layer = args.word("layer") {
            return try LayerBulk.spacing(layer, of: args.word("of"), replicas: args.integer("replicas") ?? 500, seed: seed, context: context)
        }
        let samples = try Analysis.samples(args, context, automatic: true)
        let result = samples.result
        let replicas = args.integer("replicas")!
        var out = CommandOutput()
        out.line("spacings of \(result.variable.description), \(samples.source)")
        out.lines += Analysis.convergenceWarning(samples)
        let n = result.spectrumSize
        let blocks = result.target.blocks
        let pooled: [Double]
        if blocks.isEmpty || (blocks.count == 1 && blocks[0].count > 2) {
            guard n >= 3 else {
                throw NotebookError("the spectrum has \(n) level\(n == 1 ? "" : "s") and no degenerate pair: there is no spacing to compare",
                                    suggestion: "use a model with degenerate targets (model ts n=2) or at least 3 levels (model dbm n=50)")
            }
            pooled = try bulk(samples, replicas: replicas, seed: seed, context: context, into: &out)
        } else {
            pooled = try degenerateBlocks(samples, replicas: replicas, seed: seed, context: context, into: &out)
        }
        let h = Histogram(freedmanDiaconis: pooled, range: 0...max(3.5, min(5, pooled.max() ?? 3.5)))
        let top = h.edges.last ?? 3.5
        let surmise = WignerSurmise(beta: 1), exact = GaudinSpacing(beta: 1)
        out.figures.insert(("spacing", Figure(
            title: "Spacings s = S/⟨S⟩ (n = \(pooled.count))", x: Axis("s"), y: Axis("P(s)"),
            layers: [
                Analysis.histogramBars(h, label: "measured"),
                .line(Line(function: surmise.pdf, over: 0...top, label: "Wigner surmise β=1")),
                .line(Line(function: exact.pdf, over: 0...top, label: "exact GOE (Gaudin)", style: .dashed)),
            ])), at: 0)
        return out
    }

    // MARK: - Bulk

    /// Nearest-neighbour spacings of all levels after unfolding (edges dropped),
    /// against the surmise and the exact GOE law. Many spectra are unfolded by
    /// each gap's ensemble mean; a few (where that mean would be the gap
    /// itself) by a polynomial fitted to the pooled staircase.
    static func bulk(_ samples: Analysis.Samples, replicas: Int, seed: UInt64, context: CommandContext,
                     into out: inout CommandOutput, heading: String? = nil) throws(NotebookError) -> [Double] {
        let result = samples.result, spectra = samples.spectra, n = result.spectrumSize
        let surmise = WignerSurmise(beta: 1), exact = GaudinSpacing(beta: 1)
        let discard = Analysis.discard(n)
        let method: Spacings.Unfolding = spectra.count >= 20 ? .perIndexAverage : .polynomial(degree: max(1, min(9, (n - 2 * discard) / 8)))
        let unfolded = Spacings.unfold(spectra, method: method, discard: discard)
        let s = unfolded.values
        let perSpectrum = max(1, n - 2 * discard - 1)
        guard s.count >= 10 else {
            let runs = (50 + perSpectrum - 1) / perSpectrum
            throw NotebookError("only \(s.count) bulk spacing\(s.count == 1 ? "" : "s") (\(perSpectrum) per spectrum after dropping \(discard) edge levels): too few for a distribution",
                                suggestion: "train at least \(runs) runs (train … runs=\(max(runs, 20))), or sample along the runs with from=STEP")
        }
        let variance = Statistics.jackknife(s, blocks: 50, label: "Var(s)", Statistics.variance)
        // Along runs, the middle spacing's τ_int stands for the bulk's.
        let correlation = Analysis.correlation(from: samples.from, result, block: [n / 2 - 1, n / 2], count: s.count)
        let ks = KolmogorovSmirnov.testSpacings(s, law: surmise, replicas: replicas, seed: seed, effectiveSize: correlation?.effective)
        let ksExact = KolmogorovSmirnov.testSpacings(s, law: exact, replicas: replicas, seed: seed &+ 1, effectiveSize: correlation?.effective)
        if let heading { out.line(heading) }
        out.line("bulk nearest-neighbour spacings, \(unfolded.description): \(s.count) spacings")
        if let correlation {
            out.line("middle spacing along the runs: \(Analysis.correlationText(correlation, result, context))")
        }
        out.line("Var(s) = \(context.fmt(variance.value, variance.error))   GOE (exact) \(context.fmt(exact.moment(2) - 1))   surmise \(context.fmt(surmise.variance))   Poisson 1")
        out.line("KS vs surmise \(Analysis.ksText(ks, context))   vs exact GOE \(Analysis.ksText(ksExact, context))")
        out.record(ResultRecord(command: "spacing", quantity: "Var(s)", estimate: variance, prediction: exact.moment(2) - 1))
        out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise", ks: ks))
        out.figure("deviation", deviationFigure(s, inflation: correlation.map { Double(s.count) / Double($0.effective) } ?? 1))
        return s
    }

    // MARK: - Degenerate blocks

    /// One degenerate block's spacings: within a pair, or unfolded inside a
    /// larger block.
    struct BlockSpacings {
        let block: [Int]
        let target: Double
        let spacings: [Double]
        let predicted: Double?
        let correlation: (tau: Estimate, effective: Int)?
        var effective: Int { correlation?.effective ?? spacings.count }
    }

    /// Every degenerate block: per-block statistics where a block has enough
    /// spacings, then the pool of all blocks against the surmise; with many
    /// pairs, which of them are isolated; and when most pairs overlap their
    /// neighbours, the bulk of the whole spectrum as well.
    static func degenerateBlocks(_ samples: Analysis.Samples, replicas: Int, seed: UInt64, context: CommandContext,
                                 into out: inout CommandOutput) throws(NotebookError) -> [Double] {
        let result = samples.result, spectra = samples.spectra
        let surmise = WignerSurmise(beta: 1)
        let blocks = result.target.blocks.map { block -> BlockSpacings in
            let s = block.count == 2
                ? Spacings.withinBlock(spectra, block: block)
                : Spacings.unfolded(spectra.map { x in block.map { x[$0] } },
                                    method: spectra.count >= 20 ? .perIndexAverage : .polynomial(degree: max(1, min(5, block.count / 4))))
            return BlockSpacings(block: block, target: result.target.values[block[0]], spacings: s,
                                 predicted: block.count == 2 ? Analysis.prediction(result, "S_mean\(block)") : nil,
                                 correlation: Analysis.correlation(from: samples.from, result, block: block, count: s.count))
        }
        if blocks.allSatisfy({ $0.spacings.allSatisfy { $0 == 0 } }) {
            throw NotebookError("every spacing is 0: the levels of each block have not spread apart (weights that start at 0 stay there)",
                                suggestion: "train from non-zero weights (model \(result.kind.rawValue) init=0.1) or for longer (steps=…)")
        }
        let fewest = blocks.map(\.spacings.count).min() ?? 0
        let enough = fewest >= perBlockMinimum
        // How each block's spacings are put on a common scale.
        let scaleBy: (BlockSpacings) -> Double?
        let scaling: String
        if enough {
            scaleBy = { Statistics.mean($0.spacings) }
            scaling = "each block's S divided by its own ⟨S⟩"
        } else if blocks.allSatisfy({ $0.block.count > 2 || $0.predicted != nil }) {
            scaleBy = { $0.block.count == 2 ? $0.predicted : 1 }
            scaling = "each pair's S divided by its predicted ⟨S⟩ (\(predictionNote(result))), then the pool scaled to mean 1"
        } else {
            throw NotebookError("only \(fewest) spacing\(fewest == 1 ? "" : "s") per block and no prediction of ⟨S⟩ to pool them by",
                                suggestion: "train more runs (train … runs=\(max(20, 2 * perBlockMinimum))), or sample along the runs with from=STEP")
        }
        if enough {
            for b in blocks { perBlockLine(b, result: result, replicas: replicas, seed: seed, context: context, into: &out) }
        } else {
            out.line("\(fewest) spacing\(fewest == 1 ? "" : "s") per block: too few for each block on its own, so the \(blocks.count) blocks are pooled")
        }
        var scaled = [[Double]]()
        for b in blocks {
            let scale = scaleBy(b) ?? .nan
            scaled.append(b.spacings.map { $0 / scale })
        }
        var pooled = scaled.flatMap { $0 }.filter(\.isFinite)
        let poolMean = Statistics.mean(pooled)
        if !enough && poolMean > 0 {
            pooled = pooled.map { $0 / poolMean }
            scaled = scaled.map { $0.map { $0 / poolMean } }
        }
        guard pooled.count >= 2 else {
            throw NotebookError("only \(pooled.count) spacing in all blocks together", suggestion: "train more runs (train … runs=20)")
        }
        let effective = blocks.map(\.effective).reduce(0, +)
        let ks = KolmogorovSmirnov.testSpacings(pooled, law: surmise, replicas: replicas, seed: seed &+ 104_729,
                                                effectiveSize: min(pooled.count, effective))
        out.line("pooled s = S/⟨S⟩ over \(blocks.count) block\(blocks.count == 1 ? "" : "s") (\(scaling)): \(pooled.count) spacings, Var(s) = \(context.fmt(Statistics.variance(pooled)))   surmise \(context.fmt(surmise.variance))   KS vs surmise \(Analysis.ksText(ks, context))")
        if !enough {
            out.line("  ⟨S⟩/predicted over all pairs = \(context.fmt(poolMean)) (1 at leading order in α/|B|)")
            out.record(ResultRecord(command: "spacing", quantity: "⟨S⟩/predicted, pooled pairs", value: poolMean, error: nil,
                                    sampleSize: pooled.count, method: "mean of S/predicted ⟨S⟩ over all pairs"))
        }
        out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise, pooled blocks", ks: ks))
        let pairs = zip(blocks, scaled).filter { $0.0.block.count == 2 && $0.0.predicted != nil }
        if pairs.count >= 5 && pairs.count == blocks.count {
            let isolated = isolatedPairs(pairs.map { b, s in PairSummary(block: b.block, target: b.target, meanRatio: meanRatio(b, s, enough: enough, poolMean: poolMean),
                                                                          predicted: b.predicted!, scaled: s, effective: b.effective) },
                                         targets: result.target.values, replicas: replicas, seed: seed, context: context, into: &out)
            // Pairs that overlap their neighbours are not 2×2 blocks: the levels form one spectrum.
            if 2 * isolated < pairs.count && result.spectrumSize >= 20 {
                _ = try? bulk(samples, replicas: replicas, seed: seed &+ 2, context: context, into: &out,
                              heading: "most pairs overlap their neighbours, so the levels form one spectrum; its bulk:")
            }
        }
        return pooled
    }

    /// A pair's ⟨S⟩/predicted with its error (from its own spacings when there
    /// are enough, else the mean of its few scaled spacings, without error).
    static func meanRatio(_ b: BlockSpacings, _ scaled: [Double], enough: Bool, poolMean: Double) -> Estimate {
        let m = Statistics.meanWithError(b.spacings)
        guard let p = b.predicted, p > 0 else { return m }
        if enough { return Estimate(value: m.value / p, error: m.error.map { $0 / p }, sampleSize: m.sampleSize, method: m.method) }
        return Estimate(value: Statistics.mean(b.spacings) / p, error: nil, sampleSize: b.spacings.count, method: "mean of \(b.spacings.count) spacings")
    }

    static func predictionNote(_ result: TrainingResult) -> String {
        switch result.kind {
        case .rbm: return "√(2π(α/|B|)x*), leading order"
        case .ts: return "√π σ from the second-moment recursion"
        case .dbm: return "√π σ, exact for n = 2"
        }
    }

    /// One block's ⟨S⟩, the prediction and KS against the surmise.
    static func perBlockLine(_ b: BlockSpacings, result: TrainingResult, replicas: Int, seed: UInt64, context: CommandContext, into out: inout CommandOutput) {
        let surmise = WignerSurmise(beta: 1)
        let mean = Statistics.meanWithError(b.spacings)
        let ks = KolmogorovSmirnov.testSpacings(b.spacings, law: surmise, replicas: replicas, seed: seed &+ UInt64(b.block[0]),
                                                effectiveSize: b.correlation?.effective)
        var line = "\(Analysis.blockName(b.block))  ⟨S⟩ = \(context.fmt(mean.value, mean.error))"
        if let predicted = b.predicted { line += "   predicted \(context.fmt(predicted))" }
        line += "   KS vs surmise \(Analysis.ksText(ks, context))"
        out.line(line)
        let name = Analysis.blockName(b.block)
        if let correlation = b.correlation {
            out.line("             \(Analysis.correlationText(correlation, result, context))")
            out.record(ResultRecord(command: "spacing", quantity: "τ_int \(name)", estimate: correlation.tau))
        }
        out.record(ResultRecord(command: "spacing", quantity: "⟨S⟩ \(name)", estimate: mean, prediction: b.predicted))
        out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise \(name)", ks: ks))
    }

    /// One degenerate pair's spacing statistics, for the many-pair summary.
    struct PairSummary {
        let block: [Int]
        let target: Double
        /// ⟨S⟩ / predicted ⟨S⟩.
        let meanRatio: Estimate
        let predicted: Double
        let scaled: [Double]
        let effective: Int
    }

    /// Many pairs (e.g. an n = 100 RBM): a pair is a 2×2 GOE block only while no
    /// other level comes near it. A pair counts as isolated when the nearest other
    /// target level is at least 6σ away (σ = predicted ⟨S⟩/√π, each level's
    /// spread); the isolated pairs are pooled against the surmise on their own,
    /// and a figure shows ⟨S⟩/predicted of every pair against its target.
    /// Returns the number of isolated pairs.
    static func isolatedPairs(_ pairs: [PairSummary], targets: [Double], replicas: Int, seed: UInt64,
                              context: CommandContext, into out: inout CommandOutput) -> Int {
        let isolated = pairs.filter { Analysis.isIsolated($0.block, targets: targets, predictedSpacing: $0.predicted) }
        var line = "isolated pairs (nearest other target ≥ 6σ away, σ = predicted ⟨S⟩/√π): \(isolated.count) of \(pairs.count)"
        let s = isolated.flatMap(\.scaled)
        if isolated.count >= 2 && s.count >= 10 {
            let ratios = isolated.map(\.meanRatio.value)
            let ks = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: replicas, seed: seed &+ 7919,
                                                    effectiveSize: min(s.count, isolated.map(\.effective).reduce(0, +)))
            line += "; their ⟨S⟩/predicted = \(context.fmt(Statistics.mean(ratios))) (spread \(context.fmt(Statistics.variance(ratios).squareRoot())))"
            out.line(line)
            out.line("  pooled s of the isolated pairs: \(s.count) spacings, Var(s) = \(context.fmt(Statistics.variance(s)))   surmise \(context.fmt(WignerSurmise(beta: 1).variance))   KS vs surmise \(Analysis.ksText(ks, context))")
            out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise, isolated pairs", ks: ks))
        } else {
            out.line(line + (isolated.isEmpty ? " (a smaller α/|B| separates more)" : " (too few spacings to test them on their own)"))
        }
        // Unconverged pairs can be many times the prediction; keep the scale readable.
        let top = 2.5
        let shown = pairs.filter { $0.meanRatio.value <= top }
        let isIsolated = Set(isolated.map { $0.block[0] })
        let groups = [(true, "isolated", Marker.circle), (false, "overlapping a neighbour", Marker.square)]
        var layers = [Layer]()
        for (flag, label, marker) in groups {
            let chosen = shown.filter { isIsolated.contains($0.block[0]) == flag }
            guard !chosen.isEmpty else { continue }
            layers.append(.points(Points(xs: chosen.map(\.target), ys: chosen.map(\.meanRatio.value),
                                         yErrors: chosen.map { $0.meanRatio.error ?? 0 }, label: label, marker: marker)))
        }
        layers.append(.rule(Rule(.horizontal, at: 1, label: "leading-order theory")))
        let hidden = pairs.count - shown.count
        out.figure("pairs", Figure(title: "Pair spacings against theory (\(pairs.count) pairs\(hidden > 0 ? ", \(hidden) above \(Format.plain(top)) not shown" : ""))",
                                   x: Axis("target level"), y: Axis("⟨S⟩ / predicted", range: 0...top), layers: layers))
        return isolated.count
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
