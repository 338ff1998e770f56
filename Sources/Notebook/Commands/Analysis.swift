// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// What every analysis command shares: which result, which samples.
enum Analysis {
    static let parameters = [
        ParameterSpec("of", .text, help: "analyse the result named NAME (train … as=NAME) instead of the last"),
        ParameterSpec("from", .integer(0...1_000_000_000), help: "trajectory sampling: use every snapshot at step ≥ FROM of every run, not just the final one"),
    ]

    /// The result and the spectra to analyse (final, or all snapshots after `from`).
    static func spectra(_ args: Arguments, _ context: CommandContext) throws(NotebookError) -> (TrainingResult, [[Double]], String) {
        let s = try samples(args, context, automatic: false)
        return (s.result, s.spectra, s.source)
    }

    /// What an analysis looks at: the final spectra of the runs, or snapshots
    /// along the runs from step `from` (trajectory sampling).
    struct Samples {
        let result: TrainingResult
        let spectra: [[Double]]
        /// "2 runs at step 10000", or what was sampled along the runs.
        let source: String
        /// The first step sampled along the runs, nil for final spectra.
        let from: Int?
        /// Whether trajectory sampling was chosen here rather than by from=.
        let automatic: Bool
    }

    /// Runs fewer than this get trajectory sampling when their snapshots allow it.
    static let fewRuns = 10

    /// The samples for an analysis: `from=` if given; with `automatic`, a result
    /// with few runs whose levels converged before its last snapshots is
    /// sampled along the runs from the first converged snapshot (only for
    /// models whose runs draw fresh noise, and with at least 8 snapshots, so
    /// that τ_int can be measured); otherwise the final spectra.
    static func samples(_ args: Arguments, _ context: CommandContext, automatic: Bool) throws(NotebookError) -> Samples {
        let result = try context.workspace.result(named: args.word("of"))
        guard result.runCount > 0 else { throw NotebookError("the result has no runs left (all were dropped)", suggestion: "train again with a smaller lr") }
        var from = args.integer("from")
        var chosen = false
        if from == nil && automatic && result.runCount < fewRuns && result.trajectoryCaveat == nil,
           let s0 = result.firstConvergedSnapshot, result.snapshotSteps.count - s0 >= 8,
           result.snapshotsEquallySpaced(fromStep: result.snapshotSteps[s0]) {
            from = result.snapshotSteps[s0]
            chosen = true
        }
        guard let from else {
            return Samples(result: result, spectra: result.finalSpectra, source: "\(result.runCount) run\(result.runCount == 1 ? "" : "s") at step \(result.completedSteps)",
                           from: nil, automatic: false)
        }
        try refuseTrajectorySampling(result.trajectoryCaveat)
        let samples = result.samples(fromStep: from)
        guard !samples.isEmpty else {
            throw NotebookError("no snapshot at step ≥ \(from)", suggestion: "the last snapshot is at step \(result.snapshotSteps.last ?? 0)")
        }
        guard result.snapshotsEquallySpaced(fromStep: from) else {
            let later = result.snapshotSteps.first { $0 > from && result.snapshotsEquallySpaced(fromStep: $0) } ?? from
            throw NotebookError("the snapshots from step \(from) on are not equally spaced (a continuation with another every=), so τ_int cannot be measured",
                                suggestion: "use from=\(later) or later")
        }
        let perRun = samples.count / result.runCount
        let how = chosen ? "trajectory sampling from step \(from), where the levels had converged: " : ""
        return Samples(result: result, spectra: samples,
                       source: "\(how)\(samples.count) samples (\(perRun) per run of \(result.runCount), every \(result.config.snapshotInterval) steps from step \(from))",
                       from: from, automatic: chosen)
    }

    /// "not converged" lines for an analysis of final spectra whose levels are
    /// still drifting to their targets (nothing when they have converged).
    static func convergenceWarning(_ samples: Samples) -> [String] {
        guard samples.from == nil else { return [] }
        let c = samples.result.convergence()
        guard !c.converged else { return [] }
        var line = "caution: the levels have not converged"
        if let far = c.farLevels { line += " (\(far) of \(c.levels) more than \(Format.plain(Convergence.threshold))σ from their stationary positions)" }
        line += ": this is a spectrum still moving towards its targets, not the stationary one the laws below describe"
        if let needed = c.stepsNeeded, needed > 0 { line += "; train continue steps=\(Convergence.roundUp(needed)) gets there" }
        return [line]
    }

    /// For trajectory samples (`from`): the integrated autocorrelation time of a
    /// block's spread x_last − x_first along the runs, in snapshot intervals, and the
    /// effective number of independent values N/(2τ_int) among `count`. Nil for
    /// final-snapshot ensembles (independent runs), or when the runs are too short
    /// to estimate τ_int (fewer than 8 snapshots after `from`).
    static func correlation(from: Int?, _ result: TrainingResult, block: [Int], count: Int) -> (tau: Estimate, effective: Int)? {
        guard let from, let lo = block.first, let hi = block.last else { return nil }
        let tau = result.autocorrelationTime(fromStep: from) { x in x[hi] - x[lo] }
        guard tau.value.isFinite else { return nil }
        let effective = Int((Double(count) / max(1, 2 * tau.value)).rounded())
        return (tau, max(2, min(count, effective)))
    }

    static func correlation(_ args: Arguments, _ result: TrainingResult, block: [Int], count: Int) -> (tau: Estimate, effective: Int)? {
        correlation(from: args.integer("from"), result, block: block, count: count)
    }

    /// "τ_int = 0.8 intervals of 1000 steps, N_eff ≈ 520": the note beside a
    /// trajectory-sampled statistic.
    static func correlationText(_ c: (tau: Estimate, effective: Int), _ result: TrainingResult, _ context: CommandContext) -> String {
        "τ_int = \(context.fmt(c.tau.value, c.tau.error)) × \(result.config.snapshotInterval) steps, N_eff ≈ \(c.effective)"
    }

    /// Trajectory sampling is refused, with the model's reason, where samples
    /// along a run are not new draws (ts); independent runs are the remedy.
    static func refuseTrajectorySampling(_ caveat: String?) throws(NotebookError) {
        if let caveat {
            throw NotebookError("from= cannot be used here: \(caveat)", suggestion: "use independent runs instead (runs=3000 at 5000 steps takes about 0.1 s)")
        }
    }

    /// "D = 0.0063 (p ≤ 0.0099)": a KS result, saying when p is only a bound
    /// (no bootstrap replica came as far from the law as the data).
    static func ksText(_ ks: KolmogorovSmirnov.Result, _ context: CommandContext) -> String {
        "D = \(context.fmt(ks.distance)) (p \(ks.isUpperBound ? "≤ " : "")\(context.fmt(ks.pValue)))"
    }

    /// A degenerate pair is a 2×2 GOE block only while no other level comes
    /// near it: isolated when the nearest other target is at least 6σ away
    /// (σ = predicted ⟨S⟩/√π, each level's spread).
    static func isIsolated(_ pair: [Int], targets: [Double], predictedSpacing: Double) -> Bool {
        let centre = targets[pair[0]]
        let nearest = targets.indices.filter { !pair.contains($0) }.map { abs(targets[$0] - centre) }.min() ?? .infinity
        return nearest >= 6 * predictedSpacing / Double.pi.squareRoot()
    }

    static func prediction(_ result: TrainingResult, _ key: String) -> Double? {
        result.predictions.first { $0.key == key }?.value
    }

    static func blockName(_ b: [Int]) -> String {
        b.count == 2 ? "pair [\(b[0]),\(b[1])]" : "block [\(b.first!)…\(b.last!)] (g=\(b.count))"
    }

    /// Edge levels to drop from long spectra before bulk statistics.
    static func discard(_ n: Int) -> Int { n >= 20 ? n / 10 : 0 }

    static func histogramBars(_ h: Histogram, label: String) -> Layer {
        .bars(Bars(edges: h.edges, heights: h.densities, label: label))
    }
}
