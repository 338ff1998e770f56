// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing

/// dyson's own first session, typed as README writes it, and `train continue`.
@Suite("First session")
struct FirstSessionTests {
    /// model rbm n=100 / train lr=0.01 batch=32 steps=1e4 / spacing / semicircle:
    /// every line answers, and what it says is true of a training that has not
    /// converged (t = α·steps = 100).
    @Test func theFirstSessionWorksAndSaysTheLevelsHaveNotConverged() throws {
        let (nb, dir) = try makeSession(seed: 1)
        nb.run("model rbm n=100")
        let train = nb.run("train lr=0.01 batch=32 steps=1e4")
        let result = try #require(nb.workspace.last)
        #expect(result.runCount == TrainCommand.defaultRuns(for: try #require(nb.workspace.model)))
        #expect(result.runCount == max(1, ProcessInfo.processInfo.activeProcessorCount))
        // The verdict agrees with the levels: the lowest sits far below its target.
        let verdict = try #require(train.lines.first { $0.hasPrefix("not converged: ") }, "\(train.lines)")
        let far = try #require(Int(verdict.dropFirst("not converged: ".count).prefix { $0.isNumber }))
        let mean = result.meanSpectrum(atSnapshot: result.snapshotSteps.count - 1)
        let model = try #require(result.model as? GaussianRBM)
        let stationary = StationaryLevels(targets: result.target.values, fluctuation: model.levelFluctuation(lr: 0.01, batch: 32))
        #expect(mean[0] < 0.5 * result.target.values[0])
        // Far: beyond 4 deviations, plus a tenth of the repulsion's displacement allowed for theory's corrections.
        let x = result.target.values
        let counted = mean.indices.filter {
            abs(mean[$0] - stationary.mean[$0]) > 4 * stationary.deviation[$0] + 0.1 * abs(stationary.mean[$0] - x[$0])
        }.count
        #expect(far == counted && far > 0, "\(verdict)")
        #expect(abs(mean[0] - stationary.mean[0]) > 4 * stationary.deviation[0])
        let advice = try #require(train.lines.first { $0.contains("train continue steps=") })
        // The runs are recorded, so a replay on another machine trains the same ones.
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("train lr=0.01 batch=32 steps=1e4 runs=\(result.runCount) seed="))

        let spacing = nb.run("spacing")
        #expect(spacing.lines.contains { $0.hasPrefix("caution: the levels have not converged") })
        let pooled = try #require(spacing.lines.first { $0.hasPrefix("pooled s = S/⟨S⟩ over 49 blocks") })
        #expect(pooled.contains("predicted ⟨S⟩") && pooled.contains("\(49 * result.runCount) spacings"))
        #expect(spacing.lines.contains { $0.hasPrefix("isolated pairs") })
        #expect(!spacing.records.isEmpty && !spacing.figures.isEmpty)

        // One or two samples per pair and unconverged levels: no honest density; say what gives one.
        let semicircle = nb.run("semicircle")
        #expect(semicircle.lines.contains { $0.hasPrefix("pooled pairs: ") && $0.contains("not converged") }, "\(semicircle.lines)")
        let command = advice.components(separatedBy: ": ").last ?? ""
        #expect(semicircle.lines.contains { $0.hasPrefix("  to get one: ") && $0.contains(command) }, "\(semicircle.lines) vs \(command)")
        #expect(semicircle.records.isEmpty && semicircle.figures.isEmpty)
    }

    /// After continuing to convergence, semicircle pools the pairs around
    /// their targets and spacing samples along the runs (small model, fast).
    @Test func continuingToConvergenceGivesTheStationaryAnalyses() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 5))
        nb.run("model rbm n=10")
        let first = nb.run("train lr=0.01 batch=16 steps=2000 runs=2")
        let advice = try #require(first.lines.first { $0.contains("train continue steps=") })
        let command = try #require(advice.components(separatedBy: ": ").last)
        let continued = nb.run(command)
        #expect(continued.lines.contains { $0.hasPrefix("converged: all 10 levels") }, "\(continued.lines)")
        let result = try #require(nb.workspace.last)
        #expect(result.completedSteps > 2000 && result.snapshotSteps.first == 0)
        let spacing = nb.run("spacing replicas=50")
        #expect(spacing.lines[0].contains("trajectory sampling from step"), "\(spacing.lines[0])")
        #expect(spacing.lines.contains { $0.contains("τ_int") })
        let semicircle = nb.run("semicircle")
        #expect(semicircle.lines.contains { $0.hasPrefix("pooled pairs:") })
        let width = try #require(semicircle.records.first { $0.quantity == "width/predicted σ, pooled pairs" })
        // Leading-order theory within its stated ≈ 15 %, and within the fit's error band.
        #expect(abs(width.value - 1) < 0.15 + 4 * (width.error ?? 0), "\(width)")
    }

    @Test func continueIsRecordedAndReplaysAndTakesOfAndAs() throws {
        let (nb, dir) = try makeSession(seed: 8)
        nb.run("model dbm n=6")
        nb.run("train lr=0.05 steps=40 runs=3 as=short")
        nb.run("train lr=0.05 steps=10 runs=3")
        let out = nb.run("train continue steps=60 of=short as=long")
        #expect(out.lines[1].contains("3 runs × 100 steps") && out.lines[1].contains("continued from step 40"), "\(out.lines)")
        let long = try #require(nb.workspace.named["long"])
        #expect(long.completedSteps == 100 && nb.workspace.named["short"]?.completedSteps == 40)
        // The same as 100 steps at once with the seed of `short`.
        let short = try #require(nb.workspace.named["short"])
        let whole = try Trainer.train(model: short.model, config: TrainingConfig(lr: 0.05, batch: 16, steps: 100, runs: 3, seed: short.config.seed, every: short.config.snapshotInterval))
        #expect(long.finalWeights == whole.finalWeights && long.spectra == whole.spectra)
        nb.run("ratio of=long")
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("```dyson\ntrain continue steps=60 of=short as=long\n```"), "no seed is recorded for a continuation")
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.ok && report.entries.count == 5, "\(report.mismatches)")
        // A continuation draws no new seed.
        #expect(nb.fail("train continue steps=5 seed=3")?.suggestion?.contains("seed") == true)
        #expect(nb.fail("train continue steps=5 of=nothing")?.suggestion != nil)
        #expect(nb.fail("train continue lr=0.1")?.message.contains("lr") == true)
    }

    @Test func continueWithoutAResultSaysHowToGetOne() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        #expect(nb.fail("train continue")?.suggestion?.contains("model") == true)
        nb.run("model ts")
        #expect(nb.fail("train continue")?.suggestion?.contains("train") == true)
    }
}
