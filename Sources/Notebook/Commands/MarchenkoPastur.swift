// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `mp`: the spectrum at initialisation against Marchenko–Pastur.
public enum MarchenkoPasturCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "mp", summary: "spectrum of WᵀW/N at initialisation vs Marchenko–Pastur",
        parameters: [Analysis.parameters[0]], examples: ["mp"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let result = try context.workspace.result(named: args.word("of"))
        guard result.kind != .dbm else {
            throw NotebookError("the reference DBM starts from H = 0, not from random weights", suggestion: "mp applies to ts and rbm")
        }
        guard result.runCount > 0 else { throw NotebookError("the result has no runs left (all were dropped)", suggestion: "train again with a smaller lr") }
        guard let initToken = result.modelSummary.split(separator: " ").first(where: { $0.hasPrefix("init=") }),
              let v0 = Double(initToken.dropFirst(5)), v0 > 0 else {
            throw NotebookError("the model started from zero weights", suggestion: "set init > 0")
        }
        guard v0 * v0 >= Double.leastNormalMagnitude else {
            throw NotebookError("init=\(v0) is too small: the entry variance init² underflows", suggestion: "set init to a normal scale, e.g. init=0.1")
        }
        let rows = Double(result.weightRows)
        let x = result.spectra(atSnapshot: 0).flatMap { $0 }.map { v in
            (result.variable == .singularValues ? v * v : v) / rows
        }
        let law = MarchenkoPastur(variance: v0 * v0, ratio: min(1, Double(result.weightCols) / rows))
        let d = KolmogorovSmirnov.distance(x, cdf: law.cdf)
        let p = KolmogorovSmirnov.asymptoticPValue(distance: d, sampleSize: x.count)
        var out = CommandOutput()
        out.line("x/N at step 0 for \(result.runCount) runs (\(x.count) levels), N = \(Int(rows)), q = \(context.fmt(law.ratio)), entry variance \(context.fmt(v0 * v0))")
        out.line("support [\(context.fmt(law.lowerEdge)), \(context.fmt(law.upperEdge))]   mean \(context.fmt(Statistics.mean(x))) (MP \(context.fmt(v0 * v0)))   KS D = \(context.fmt(d)) (p \(context.fmt(p)))")
        if rows < 10 {
            out.line("caution: Marchenko–Pastur is the law of large matrices; with N = \(Int(rows)) the comparison is only qualitative (a large KS distance is expected, not a defect)")
        } else {
            out.line("(finite N: the levels spill slightly past the edges; KS p is asymptotic, levels of one run are correlated)")
        }
        out.record(ResultRecord(command: "mp", quantity: "KS distance to Marchenko–Pastur", value: d, error: nil, sampleSize: x.count, method: "KS distance", prediction: 0))
        let hi = max(x.max()!, law.upperEdge) * 1.05
        let h = Histogram(freedmanDiaconis: x, range: 0...hi)
        out.figure("mp", Figure(
            title: "Initial spectrum vs Marchenko–Pastur", x: Axis("x/N (eigenvalue of WᵀW over N)"), y: Axis("density ρ(x/N)"),
            layers: [Analysis.histogramBars(h, label: "step 0"), .line(Line(function: law.pdf, over: 0...hi, count: 400, label: "Marchenko–Pastur"))]))
        return out
    }
}
