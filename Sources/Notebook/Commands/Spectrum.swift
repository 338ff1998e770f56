// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `spectrum`: the density of all levels with the targets marked.
public enum SpectrumCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "spectrum", summary: "density of all levels at the end (or along the runs), targets marked",
        parameters: Analysis.parameters, examples: ["spectrum", "spectrum from=20000"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (result, spectra, source) = try Analysis.spectra(args, context)
        let all = spectra.flatMap { $0 }
        var out = CommandOutput()
        out.line("\(result.variable.description), \(source): \(all.count) levels")
        out.line("range [\(context.fmt(all.min()!)), \(context.fmt(all.max()!))]   mean \(context.fmt(Statistics.mean(all)))")
        let targets = Array(Set(result.target.values)).sorted()
        let lo = min(all.min()!, targets.first!), hi = max(all.max()!, targets.last!)
        let pad = 0.05 * max(hi - lo, 1e-12)
        let h = Histogram(freedmanDiaconis: all, range: (lo - pad)...(hi + pad))
        var layers: [Layer] = [Analysis.histogramBars(h, label: "levels")]
        for (i, t) in targets.prefix(20).enumerated() { layers.append(.rule(Rule(.vertical, at: t, label: i == 0 ? "targets" : nil))) }
        out.figure("spectrum", Figure(title: "Spectrum (\(result.modelSummary))", x: Axis(result.variable.axisLabel), y: Axis(result.variable.densityLabel), layers: layers))
        return out
    }
}
