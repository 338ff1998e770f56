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
        let result = try context.workspace.result(named: args.word("of"))
        guard result.runCount > 0 else { throw NotebookError("the result has no runs left (all were dropped)", suggestion: "train again with a smaller lr") }
        if let from = args.integer("from") {
            try refuseTrajectorySampling(result.trajectoryCaveat)
            let samples = result.samples(fromStep: from)
            guard !samples.isEmpty else {
                throw NotebookError("no snapshot at step ≥ \(from)", suggestion: "the last snapshot is at step \(result.snapshotSteps.last ?? 0)")
            }
            let perRun = samples.count / result.runCount
            return (result, samples, "\(samples.count) samples (\(perRun) per run, every \(result.config.snapshotInterval) steps from step \(from))")
        }
        return (result, result.finalSpectra, "\(result.runCount) runs at step \(result.completedSteps)")
    }

    /// For trajectory samples (`from=`): the integrated autocorrelation time of a
    /// block's spread x_last − x_first along the runs, in snapshot intervals, and the
    /// effective number of independent values N/(2τ_int) among `count`. Nil for
    /// final-snapshot ensembles (independent runs), or when the runs are too short
    /// to estimate τ_int (fewer than 8 snapshots after `from`).
    static func correlation(_ args: Arguments, _ result: TrainingResult, block: [Int], count: Int) -> (tau: Estimate, effective: Int)? {
        guard let from = args.integer("from") else { return nil }
        let tau = result.autocorrelationTime(fromStep: from) { x in x[block.last!] - x[block.first!] }
        guard tau.value.isFinite else { return nil }
        let effective = Int((Double(count) / max(1, 2 * tau.value)).rounded())
        return (tau, max(2, min(count, effective)))
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
