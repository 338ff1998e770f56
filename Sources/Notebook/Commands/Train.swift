// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import RMT

/// `train lr=… batch=… steps=… runs=… seed=… every=… as=NAME`, and
/// `train continue steps=… [every=…] [of=NAME] [as=NAME]`.
public enum TrainCommand: NotebookCommand {
    static let every = ParameterSpec("every", .integer(1...1_000_000_000), help: "snapshot interval in steps (default steps/50; for continue, the interval of the result continued)")
    static let name = ParameterSpec("as", .text, help: "keep the result under this name (analyses take of=NAME)")

    public static let spec = CommandSpec(
        name: "train", summary: "train an ensemble of runs of the model with plain SGD (train continue: go on from where the last training stopped)",
        positional: [ParameterSpec("mode", .choice(["new", "continue"]), default: "new",
                                   help: "new: start from fresh weights (the default); continue: go on with the runs of the last result")],
        variants: [
            "new": [
                ParameterSpec("lr", .real(1e-12...100), default: "0.01", help: "learning rate α (dt for dbm)"),
                ParameterSpec("batch", .integer(1...1_000_000), default: "16", help: "mini-batch size |B|"),
                ParameterSpec("steps", .integer(1...1_000_000_000), default: "1e4", help: "SGD updates per run"),
                ParameterSpec("runs", .integer(1...10_000_000), help: "independent runs (default: 1000 ts, 100 rbm n ≤ 20, 20 dbm n ≤ 200; one per core for larger models)"),
                every, name,
                ParameterSpec("on", .choice(["here", "slurm"]), default: "here",
                              help: "here, or slurm: submit the runs as a Slurm job array (as submit does; wait collects it)"),
            ] + clusterParameters,
            "continue": [
                ParameterSpec("steps", .integer(1...1_000_000_000), default: "1e4", help: "further SGD updates per run"),
                every,
                ParameterSpec("of", .text, help: "continue the result named NAME instead of the last"),
                name,
            ],
        ],
        examples: ["train lr=0.01 batch=32 steps=1e4", "train lr=0.1 batch=16 steps=5000 runs=3000 seed=1", "train continue steps=9e4"],
        usesSeed: true, seedlessVariants: ["continue"])

    /// Runs when `runs=` is not given: large ensembles where a run is cheap, one
    /// run per core where a run is expensive (a second run on a second core
    /// costs no time). The number used is recorded in the note, so a replay on
    /// a machine with other cores trains the same runs.
    public static func defaultRuns(for model: any LearningModel) -> Int {
        if runsPerCore(model) { return max(1, ProcessInfo.processInfo.activeProcessorCount) }
        switch model.kind {
        case .ts: return 1000
        case .rbm: return 100
        case .dbm: return 20
        }
    }

    /// Whether a run of the model is expensive enough to default to one per core.
    static func runsPerCore(_ model: any LearningModel) -> Bool {
        switch model.kind {
        case .ts: return false
        case .rbm: return model.spectrumSize > 20
        case .dbm: return model.spectrumSize > 200
        }
    }

    /// The cluster's parameters, as `submit` declares them, for `train … on=slurm`.
    static let clusterParameters = SubmitCommand.spec.parameters.filter {
        ["shards", "partition", "account", "time", "cpus", "parallel", "sbatch"].contains($0.name)
    }

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if args.word("mode") == "continue" { return try runContinuation(args, context: context) }
        if args.word("on") == "slurm" { return try SubmitCommand.run(args, seed: seed, context: context) }
        if let stray = clusterParameters.map(\.name).first(where: args.has) {
            throw NotebookError("\(stray)= is for a training on a cluster", suggestion: "add on=slurm, or drop \(stray)=")
        }
        guard let model = context.workspace.model else {
            throw NotebookError("there is no model to train", suggestion: "set one first, e.g. model rbm n=10")
        }
        let config = TrainingConfig(lr: args.real("lr")!, batch: args.integer("batch")!, steps: args.integer("steps")!,
                                    runs: args.integer("runs") ?? defaultRuns(for: model), seed: seed, every: args.integer("every"))
        let result = try train(model: model, config: config, resume: nil, context: context)
        keep(result, args: args, context: context)

        var out = CommandOutput()
        if args.integer("runs") == nil {
            // The note records the number, so a replay elsewhere trains the same runs.
            out.recordedParameters["runs"] = "\(config.runs)"
            if runsPerCore(model) {
                out.remark("runs=\(config.runs): one run per core (runs=N for more)")
            }
        }
        describe(result, model: model, config: config, seed: "seed=\(seed)", into: &out, context: context)
        if result.cancelled {
            // The note records what was actually trained, so a replay stops there too.
            out.recordedParameters.merge(["steps": "\(result.completedSteps)", "every": "\(config.snapshotInterval)",
                                          "runs": "\(result.runCount)"]) { $1 }
        }
        return out
    }

    /// `train continue`: every run of a result goes on from its weights, chains
    /// and random stream, so 10⁴ steps and then 9·10⁴ more equal 10⁵ steps.
    static func runContinuation(_ args: Arguments, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if args.has("seed") {
            throw NotebookError("train continue takes no seed: each run goes on with its own random stream",
                                suggestion: "drop seed=, or start a new training with train … seed=N")
        }
        let base = try context.workspace.result(named: args.word("of"))
        guard base.runCount > 0 else {
            throw NotebookError("the result has no runs left to continue (all were dropped)", suggestion: "train again with a smaller lr")
        }
        guard let resume = base.resumePoint else {
            throw NotebookError("this result was interrupted while its runs were at different steps, so it cannot be continued exactly",
                                suggestion: "train it again (train lr=\(Format.plain(base.config.lr)) batch=\(base.config.batch) steps=\(base.completedSteps) runs=\(base.runCount)), then continue")
        }
        let steps = args.integer("steps")!
        guard base.completedSteps <= 1_000_000_000 - steps || steps <= 0 else {
            throw NotebookError("\(base.completedSteps) + \(steps) steps is more than the 10⁹ a training may have", suggestion: "continue with fewer steps")
        }
        let config = TrainingConfig(lr: base.config.lr, batch: base.config.batch, steps: steps, runs: base.runCount,
                                    seed: base.config.seed, every: args.integer("every") ?? base.config.snapshotInterval)
        let next = try train(model: base.model, config: config, resume: resume, context: context)
        let result = base.continued(with: next)
        keep(result, args: args, context: context)
        var out = CommandOutput()
        describe(result, model: base.model, config: result.config,
                 seed: "continued from step \(base.completedSteps)", into: &out, context: context)
        if next.cancelled {
            out.recordedParameters = ["steps": "\(next.completedSteps - base.completedSteps)", "every": "\(config.snapshotInterval)"]
        }
        return out
    }

    /// Trains with the REPL's progress bar and cancellation; an interrupted
    /// training that kept nothing is an error (nothing is journaled).
    static func train(model: any LearningModel, config: TrainingConfig, resume: Resume?, context: CommandContext) throws(NotebookError) -> TrainingResult {
        context.cancel.reset()
        let origin = resume?.step ?? 0
        let result: TrainingResult
        do {
            result = try Trainer.train(model: model, config: config, resume: resume, progress: { p in
                let left = p.remaining.map { " \(Format.duration($0)) left" } ?? ""
                let steps = p.done / max(1, config.runs)
                context.progress?.update(label: "train", fraction: p.fraction, detail: "step \(origin + steps)/\(origin + config.steps)\(left)")
            }, cancel: context.cancel)
        } catch {
            throw notebookError(error)
        }
        context.progress?.finish()
        if result.cancelled && (result.runCount == 0 || result.completedSteps == origin) {
            throw NotebookError("training interrupted before its first snapshot: nothing to keep",
                                suggestion: "a smaller every= (now \(config.snapshotInterval) steps) keeps partial results of long trainings")
        }
        return result
    }

    /// A training that cannot start, said as the notebook says errors: what is
    /// wrong, then what to change.
    static func notebookError(_ error: TrainingError) -> NotebookError {
        switch error {
        case .model(let e): return NotebookError(e.message, suggestion: e.suggestion)
        case .memory(let estimate, let budget, let advice):
            return NotebookError("this training needs about \(TrainingError.bytes(estimate)) of memory, more than the budget of \(TrainingError.bytes(budget))",
                                 suggestion: advice)
        case .invalidSetting(let s): return NotebookError(s, suggestion: "see help train")
        }
    }

    static func keep(_ result: TrainingResult, args: Arguments, context: CommandContext) {
        context.workspace.last = result
        context.workspace.lastName = args.word("as")
        if let name = args.word("as") { context.workspace.named[name] = result }
    }

    /// The lines every training prints: what was trained, the levels against
    /// their targets, and whether they have converged (with the command that
    /// continues when they have not).
    static func describe(_ result: TrainingResult, model: any LearningModel, config: TrainingConfig, seed: String,
                         into out: inout CommandOutput, context: CommandContext) {
        let ratio = config.lr / Double(config.batch)
        out.line("\(model.summary)")
        let t = config.lr * Double(result.completedSteps)
        if model.kind == .dbm {  // the exact OU step: lr is the time step dt, and there is no batch
            out.line("trained \(Format.count(result.runCount, "run")) × \(Format.count(result.completedSteps, "step")): dt=\(Format.plain(config.lr)) t=\(context.fmt(t)) \(seed)")
        } else {
            out.line("trained \(Format.count(result.runCount, "run")) × \(Format.count(result.completedSteps, "step")): lr=\(Format.plain(config.lr)) batch=\(config.batch) α/|B|=\(context.fmt(ratio)) t=α·steps=\(context.fmt(t)) \(seed)")
        }
        if result.cancelled {
            out.remark("stopped early (interrupted): kept \(result.runCount) runs up to step \(result.completedSteps); recorded with the steps it completed")
        }
        if !result.droppedRuns.isEmpty {
            out.line("dropped \(result.droppedRuns.count) runs whose weights went non-finite (not averaged in)")
        }
        guard result.runCount > 0 else {
            out.line("no run survived: lower the learning rate")
            return
        }
        let spectra = result.finalSpectra
        let n = result.spectrumSize
        let symbol = result.variable.rawValue
        let levels = n <= 12 ? Array(0..<n) : Array(0..<4) + Array((n - 4)..<n)
        var table = TextTable([.init("level"), .init("⟨\(symbol)⟩ at the end"), .init("target")])
        for i in levels {
            let m = Statistics.meanWithError(spectra.map { $0[i] }, blocks: min(50, max(2, result.runCount)))
            if n > 12 && i == n - 4 { table.append(["…"]) }
            table.append(["\(i)", context.fmt(m.value, result.runCount > 1 ? m.error : nil), context.fmt(result.target.values[i])])
        }
        out.lines += table.lines
        out.lines += convergenceLines(result, context: context)
        out.remark("\(Format.count(result.runCount, "run")) × \(Format.count(result.completedSteps, "step")) in \(Format.duration(result.seconds)) on \(Format.count(result.threads, "thread"))")
    }

    /// Whether the levels have reached their targets, and if not, how far they
    /// are and the command that continues.
    static func convergenceLines(_ result: TrainingResult, context: CommandContext) -> [String] {
        let c = result.convergence()
        if c.converged {
            return c.farLevels == nil ? ["stationary: \(c.summary)"]
                : ["converged: all \(c.levels) levels within \(Format.plain(Convergence.threshold))σ of their stationary positions (\(c.summary))"]
        }
        var lines = [String]()
        if let far = c.farLevels {
            lines.append("not converged: \(far) of \(c.levels) levels are more than \(Format.plain(Convergence.threshold))σ from their stationary positions (\(c.summary))")
        } else {
            lines.append("not yet stationary: \(c.summary)")
        }
        if let needed = c.stepsNeeded, needed > 0 {
            lines.append("  the slowest level needs about \(needed) more steps: train continue steps=\(Convergence.roundUp(needed))")
        } else {
            lines.append("  the drift cannot say how long (a level at zero does not grow): train with init > 0")
        }
        return lines
    }
}
