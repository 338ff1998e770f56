// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Plot
import RMT

/// `ratio layer=NAME` and `spacing layer=NAME`: the bulk statistics of one
/// loaded layer's levels against the β = 1 laws.
///
/// The bulk of X = WᵀW/M for a random W is a Laguerre (Wishart) ensemble of
/// real matrices, β = 1: its local statistics are the GOE's. The bulk is the
/// levels at or below the outlier threshold of ``LayerSpectrum`` (edge + 4
/// Tracy–Widom scales), a tenth dropped at each end. Ratios need no
/// unfolding; spacings are unfolded by a polynomial fit to the bulk's
/// staircase (``LayerSpectrum/bulkSpacings``). Errors of means and variances
/// are jackknife errors over 50 blocks of neighbouring values, which takes in
/// their short-range correlation.
enum LayerBulk {
    static let parameter = ParameterSpec("layer", .text,
                                         help: "a loaded layer (load weights …) instead of a training result; of=SET then names the weights it is in")

    /// The layer's Marchenko–Pastur analysis, or an error naming why there is none.
    static func spectrum(_ name: String, of set: String?, command: String, context: CommandContext) throws(NotebookError) -> (LoadedLayer, LayerSpectrum, String) {
        let (_, weights, layer) = try context.workspace.layer(name, of: set, command: "\(command) layer=")
        guard case .success(let s) = layer.spectrum else {
            throw NotebookError("\(layer.name) has no Marchenko–Pastur bulk: its levels could not be fitted", suggestion: "layer \(layer.name) says why")
        }
        return (layer, s, weights.file)
    }

    static func ratio(_ name: String, of set: String?, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (layer, s, file) = try spectrum(name, of: set, command: "ratio", context: context)
        let bulk = s.bulkRatios
        guard bulk.ratios.count >= 10 else {
            throw NotebookError("\(layer.name) has \(bulk.levels) bulk levels, \(bulk.ratios.count) ratios: too few for a mean", suggestion: "a larger layer")
        }
        let mean = Statistics.meanWithError(bulk.ratios)
        var out = CommandOutput()
        out.line("\(layer.name) of \(file): \(bulk.ratios.count) ratios of the \(bulk.levels) bulk levels of X = WᵀW/M (\(bulk.trimmed) dropped at each end; outliers left out)")
        out.line("⟨r̃⟩ = \(context.fmt(mean.value, mean.error))   GOE \(context.fmt(SpacingRatioReference.goe))   surmise 4−2√3 = \(context.fmt(SpacingRatioLaw(beta: 1).mean))   Poisson \(context.fmt(SpacingRatioReference.poisson))")
        out.line("(the bulk of WᵀW is a Laguerre ensemble, β = 1: a random layer gives the GOE value; error: jackknife over blocks of neighbouring ratios)")
        out.record(ResultRecord(command: "ratio", quantity: "⟨r̃⟩ of the bulk of \(layer.name)", estimate: mean, prediction: SpacingRatioReference.goe))
        out.figure("ratio", RatioCommand.figure(bulk.ratios, title: "\(layer.name): bulk spacing ratios"))
        return out
    }

    static func spacing(_ name: String, of set: String?, replicas: Int, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (layer, s, file) = try spectrum(name, of: set, command: "spacing", context: context)
        let unfolded = s.bulkSpacings
        let x = unfolded.values
        guard x.count >= 10 else {
            throw NotebookError("\(layer.name) has \(x.count) unfolded bulk spacings: too few for a distribution", suggestion: "a larger layer")
        }
        let surmise = WignerSurmise(beta: 1), exact = GaudinSpacing(beta: 1)
        let variance = Statistics.jackknife(x, blocks: 50, label: "Var(s)", Statistics.variance)
        let ks = KolmogorovSmirnov.testSpacings(x, law: surmise, replicas: replicas, seed: seed)
        let ksExact = KolmogorovSmirnov.testSpacings(x, law: exact, replicas: replicas, seed: seed &+ 1)
        var out = CommandOutput()
        out.line("\(layer.name) of \(file): bulk nearest-neighbour spacings of X = WᵀW/M, \(unfolded.description): \(x.count) spacings")
        out.line("Var(s) = \(context.fmt(variance.value, variance.error))   GOE (exact) \(context.fmt(exact.moment(2) - 1))   surmise \(context.fmt(surmise.variance))   Poisson 1")
        out.line("KS vs surmise \(Analysis.ksText(ks, context))   vs exact GOE \(Analysis.ksText(ksExact, context))")
        out.line("(β = 1: the bulk of WᵀW is a Laguerre ensemble; p-values treat the spacings as independent, which rigid spectra are not)")
        out.record(ResultRecord(command: "spacing", quantity: "Var(s) of the bulk of \(layer.name)", estimate: variance, prediction: exact.moment(2) - 1))
        out.record(ResultRecord(command: "spacing", quantity: "KS p vs surmise, bulk of \(layer.name)", ks: ks))
        let h = Histogram(freedmanDiaconis: x, range: 0...max(3.5, min(5, x.max() ?? 3.5)))
        let top = h.edges.last ?? 3.5
        out.figure("spacing", Figure(
            title: "\(layer.name): bulk spacings s (n = \(x.count))", x: Axis("s"), y: Axis("P(s)"),
            layers: [
                Analysis.histogramBars(h, label: "measured"),
                .line(Line(function: surmise.pdf, over: 0...top, label: "Wigner surmise β=1")),
                .line(Line(function: exact.pdf, over: 0...top, label: "exact GOE (Gaudin)", style: .dashed)),
                .line(Line(function: { exp(-$0) }, over: 0...top, label: "Poisson", style: .dotted)),
            ]))
        return out
    }
}
