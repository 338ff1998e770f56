// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import RMT

/// `train lr=… batch=… steps=… runs=… seed=… every=… as=NAME`
public enum TrainCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "train", summary: "train an ensemble of runs of the model with plain SGD",
        parameters: [
            ParameterSpec("lr", .real(1e-12...100), default: "0.01", help: "learning rate α (dt for dbm)"),
            ParameterSpec("batch", .integer(1...1_000_000), default: "16", help: "mini-batch size |B|"),
            ParameterSpec("steps", .integer(1...1_000_000_000), default: "1e4", help: "SGD updates per run"),
            ParameterSpec("runs", .integer(1...10_000_000), help: "independent runs (default: 1000 ts, 100 rbm n ≤ 20, 20 dbm, else 1)"),
            ParameterSpec("seed", .integer(0...Int(Int64.max)), help: "random seed (default: derived from the session seed)"),
            ParameterSpec("every", .integer(1...1_000_000_000), help: "snapshot interval in steps (default steps/50)"),
            ParameterSpec("as", .text, help: "keep the result under this name (analyses take of=NAME)"),
        ],
        examples: ["train lr=0.01 batch=32 steps=1e4", "train lr=0.1 batch=16 steps=5000 runs=3000 seed=1"],
        usesSeed: true)

    public static func defaultRuns(for model: any LearningModel) -> Int {
        switch model.kind {
        case .ts: return 1000
        case .rbm: return model.spectrumSize <= 20 ? 100 : 1
        case .dbm: return 20
        }
    }

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let model = context.workspace.model else {
            throw NotebookError("there is no model to train", suggestion: "set one first, e.g. model rbm n=10")
        }
        let config = TrainingConfig(lr: args.real("lr")!, batch: args.integer("batch")!, steps: args.integer("steps")!,
                                    runs: args.integer("runs") ?? defaultRuns(for: model), seed: seed, every: args.integer("every"))
        context.cancel.reset()
        let result: TrainingResult
        do {
            result = try Trainer.train(model: model, config: config, progress: { p in
                let left = p.remaining.map { " \(Format.duration($0)) left" } ?? ""
                let steps = p.done / max(1, config.runs)
                context.progress?.update(label: "train", fraction: p.fraction, detail: "step \(steps)/\(config.steps)\(left)")
            }, cancel: context.cancel)
        } catch {
            throw NotebookError(error.description, suggestion: nil)
        }
        context.progress?.finish()
        if result.cancelled && (result.runCount == 0 || result.completedSteps == 0) {
            throw NotebookError("training interrupted before its first snapshot: nothing to keep",
                                suggestion: "a smaller every= (now \(config.snapshotInterval) steps) keeps partial results of long trainings")
        }
        context.workspace.last = result
        context.workspace.lastName = args.word("as")
        if let name = args.word("as") { context.workspace.named[name] = result }

        var out = CommandOutput()
        let ratio = config.lr / Double(config.batch)
        out.line("\(model.summary)")
        if model.kind == .dbm {  // the exact OU step: lr is the time step dt, and there is no batch
            let t = config.lr * Double(result.completedSteps)
            out.line("trained \(result.runCount) runs × \(result.completedSteps) steps: dt=\(Format.plain(config.lr)) t=\(context.fmt(t)) seed=\(seed)")
        } else {
            out.line("trained \(result.runCount) runs × \(result.completedSteps) steps: lr=\(Format.plain(config.lr)) batch=\(config.batch) α/|B|=\(context.fmt(ratio)) seed=\(seed)")
        }
        if result.cancelled {
            // The note records what was actually trained, so a replay stops there too.
            out.recordedParameters = ["steps": "\(result.completedSteps)", "every": "\(config.snapshotInterval)",
                                      "runs": "\(result.runCount)"]
            out.remark("stopped early (interrupted): kept \(result.runCount) runs up to step \(result.completedSteps); recorded with the steps it completed")
        }
        if !result.droppedRuns.isEmpty {
            out.line("dropped \(result.droppedRuns.count) runs whose weights went non-finite (not averaged in)")
        }
        guard result.runCount > 0 else {
            out.line("no run survived: lower the learning rate")
            return out
        }
        let spectra = result.finalSpectra
        let n = result.spectrumSize
        let symbol = result.variable.rawValue
        out.line("level   ⟨\(symbol)⟩ at the end       target")
        let levels = n <= 12 ? Array(0..<n) : Array(0..<4) + Array((n - 4)..<n)
        for i in levels {
            let m = Statistics.meanWithError(spectra.map { $0[i] }, blocks: min(50, max(2, result.runCount)))
            if n > 12 && i == n - 4 { out.line("  …") }
            out.line(String(format: "%5d   ", i) + context.fmt(m.value, result.runCount > 1 ? m.error : nil).padding(toLength: 22, withPad: " ", startingAt: 0)
                     + context.fmt(result.target.values[i]))
        }
        out.remark("\(result.runCount) runs × \(result.completedSteps) steps in \(Format.duration(result.seconds)) on \(result.threads) threads")
        return out
    }
}
