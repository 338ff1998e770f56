// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `flow`: the ensemble-mean level trajectories against learning time t = α·step.
public enum FlowCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "flow", summary: "eigenvalue flow: mean levels against learning time t = α·step; for a checkpoint series, the largest levels, bulk edge, outliers and α against the step",
        parameters: [ParameterSpec("of", .text, help: "the result named NAME (train … as=NAME), or a checkpoint series (load weights DIR/ as=NAME), instead of the last"),
                     ParameterSpec("layer", .text, help: "for a checkpoint series: only the layers matching this pattern")],
        examples: ["flow", "flow of=mlp layer=coefs_0"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if let series = context.workspace.series(for: args.word("of")) {
            return try SeriesFlow.run(series, name: args.word("of") ?? context.workspace.lastSeries ?? "series", layerGlob: args.word("layer"), context: context)
        }
        if args.word("layer") != nil { throw NotebookError("layer= is for a checkpoint series, and none is loaded", suggestion: "load weights DIR/ as=NAME, then flow of=NAME layer=…") }
        let result = try context.workspace.result(named: args.word("of"))
        guard result.runCount > 0 else { throw NotebookError("the result has no runs left (all were dropped)", suggestion: "train again with a smaller lr") }
        let n = result.spectrumSize, snaps = result.snapshotSteps.count
        let t = result.snapshotSteps.map { Double($0) * result.config.lr }
        var mean = Array(repeating: Array(repeating: 0.0, count: snaps), count: n)
        for s in 0..<snaps {
            for x in result.spectra(atSnapshot: s) { for i in 0..<n { mean[i][s] += x[i] / Double(result.runCount) } }
        }
        var out = CommandOutput()
        out.line("mean of \(result.runCount) runs at \(snaps) snapshots (every \(result.config.snapshotInterval) steps), t = α·step up to \(context.fmt(t.last!))")
        var table = TextTable([.init("level"), .init("start"), .init("end"), .init("target")])
        let levels = n <= 12 ? Array(0..<n) : Array(0..<3) + Array((n - 3)..<n)
        for i in levels {
            if n > 12 && i == n - 3 { table.append(["…"]) }
            table.append(["\(i)", context.fmt(mean[i][0]), context.fmt(mean[i][snaps - 1]), context.fmt(result.target.values[i])])
        }
        for line in table.lines { out.line(line) }
        let shown = n <= 40 ? Array(0..<n) : stride(from: 0, to: n, by: max(1, n / 40)).map { $0 }
        var layers: [Layer] = shown.enumerated().map { k, i in .line(Line(xs: t, ys: mean[i], label: k == 0 ? "⟨\(result.variable.rawValue)_i⟩(t)" : nil)) }
        for (k, v) in Array(Set(result.target.values)).sorted().prefix(20).enumerated() {
            layers.append(.rule(Rule(.horizontal, at: v, label: k == 0 ? "targets" : nil)))
        }
        out.figure("flow", Figure(title: "Eigenvalue flow (\(result.modelSummary))", x: Axis("t = α·step"), y: Axis(result.variable.axisLabel), layers: layers))
        return out
    }
}
