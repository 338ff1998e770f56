// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `ratio`: spacing ratios r̃ (no unfolding needed) against GOE and Poisson.
public enum RatioCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "ratio", summary: "spacing ratios r̃ = min/max of neighbouring gaps vs GOE (0.5307) and Poisson (0.3863)",
        parameters: Analysis.parameters + [LayerBulk.parameter], examples: ["ratio", "ratio layer=fc1.weight"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if let layer = args.word("layer") { return try LayerBulk.ratio(layer, of: args.word("of"), context: context) }
        let (result, spectra, source) = try Analysis.spectra(args, context)
        let n = result.spectrumSize
        guard n >= 3 else { throw NotebookError("spacing ratios need at least 3 levels, the spectrum has \(n)", suggestion: "use a larger n") }
        let discard = Analysis.discard(n)
        let r = Spacings.ratios(spectra, discard: discard)
        guard r.count >= 2 else { throw NotebookError("too few ratios (\(r.count))", suggestion: "train more runs") }
        let mean = Statistics.meanWithError(r)
        var out = CommandOutput()
        out.line("\(r.count) ratios from \(source)\(discard > 0 ? ", \(discard) edge levels dropped at each end" : "")")
        let shown = Format.measured(mean.value, mean.error, digits: context.digits,
                                    unavailable: "a ratio is not finite: a level of some run is not a finite number")
        out.line("⟨r̃⟩ = \(shown)   GOE \(context.fmt(SpacingRatioReference.goe))   surmise 4−2√3 = \(context.fmt(SpacingRatioLaw(beta: 1).mean))   Poisson \(context.fmt(SpacingRatioReference.poisson))")
        out.lines += pairCaveat(result)
        out.record(ResultRecord(command: "ratio", quantity: "⟨r̃⟩", estimate: mean, prediction: SpacingRatioReference.goe))
        out.figure("ratio", figure(r))
        return out
    }

    /// The ratios' histogram against the GOE and Poisson laws.
    static func figure(_ r: [Double], title: String = "Spacing ratios") -> Figure {
        let h = Histogram(r, bins: 20, range: 0...1, method: "20 equal bins on [0, 1]")
        return Figure(
            title: "\(title) (n = \(r.count))", x: Axis("r̃"), y: Axis("P(r̃)"),
            layers: [
                Analysis.histogramBars(h, label: "measured"),
                .line(Line(function: SpacingRatioLaw(beta: 1).pdf, over: 0...1, label: "GOE (Atas)")),
                .line(Line(function: SpacingRatioLaw(beta: 0).pdf, over: 0...1, label: "Poisson", style: .dashed)),
            ])
    }

    /// Targets in degenerate pairs make neighbouring gaps alternate between
    /// within-pair and between-pair ones: where the pairs are isolated, ⟨r̃⟩
    /// is neither GOE's nor Poisson's, and `spacing` is the analysis to use;
    /// where they overlap, the levels form one spectrum and ⟨r̃⟩ is meaningful.
    static func pairCaveat(_ result: TrainingResult) -> [String] {
        let pairs = result.target.blocks.filter { $0.count == 2 }
        guard !pairs.isEmpty else { return [] }
        let isolated = pairs.filter { pair in
            Analysis.prediction(result, "S_mean\(pair)").map { Analysis.isIsolated(pair, targets: result.target.values, predictedSpacing: $0) } ?? true
        }.count
        if 2 * isolated >= pairs.count {
            return ["caution: the targets come in degenerate pairs (\(isolated) of \(pairs.count) isolated), so neighbouring gaps alternate between a pair's spacing and the gap to the next pair: ⟨r̃⟩ is then neither the GOE's nor Poisson's; the pairs are compared with the surmise by spacing"]
        }
        return ["(\(pairs.count - isolated) of the \(pairs.count) degenerate pairs overlap their neighbours, so the levels form one spectrum and its ratios are comparable with the GOE)"]
    }
}
