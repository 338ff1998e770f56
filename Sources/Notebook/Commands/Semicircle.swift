// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `semicircle`: each degenerate block's levels against the g×g GOE density
/// (the 2×2 GOE density for pairs, the Wigner semicircle for large blocks).
public enum SemicircleCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "semicircle", summary: "fit each degenerate block's levels with the GOE density (semicircle for large blocks)",
        parameters: Analysis.parameters, examples: ["semicircle", "semicircle of=small"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (result, spectra, source) = try Analysis.spectra(args, context)
        let blocks = result.target.blocks
        guard !blocks.isEmpty else {
            throw NotebookError("the target has no degenerate block to compare with a GOE density",
                                suggestion: "use a degenerate teacher (model ts teacher=2), an rbm, or dbm")
        }
        var out = CommandOutput()
        out.line("\(result.variable.description), \(source)")
        for (k, block) in blocks.enumerated() {
            let values = spectra.flatMap { x in block.map { x[$0] } }
            let g = block.count
            let name = Analysis.blockName(block)
            let law: any ContinuousLaw
            if g == 2 {
                let fit: (center: Estimate, sigma: Estimate)
                do throws(FitError) { fit = try DensityFit.goe2x2(values) } catch {
                    throw NotebookError(error, tooFew: "\(name) has \(values.count) levels: train more runs (train … runs=100), or sample along the runs (semicircle from=STEP)")
                }
                let predictedSigma = Analysis.prediction(result, "S_mean\(block)").map { $0 / Double.pi.squareRoot() }
                var line = "\(name)  centre \(context.fmt(fit.center.value, fit.center.error))  σ = \(context.fmt(fit.sigma.value, fit.sigma.error))"
                if let p = predictedSigma { line += "   predicted σ \(context.fmt(p))" }
                line += "   target \(context.fmt(result.target.values[block[0]]))"
                out.line(line)
                out.record(ResultRecord(command: "semicircle", quantity: "σ \(name)", estimate: fit.sigma, prediction: predictedSigma))
                out.record(ResultRecord(command: "semicircle", quantity: "centre \(name)", estimate: fit.center, prediction: result.target.values[block[0]]))
                law = GOE2x2Density(center: fit.center.value, sigma: fit.sigma.value)
            } else {
                let fit: (center: Estimate, offDiagonalVariance: Estimate, radius: Estimate)
                do throws(FitError) { fit = try DensityFit.goeBlock(values, size: g) } catch {
                    throw NotebookError(error, tooFew: "train more runs (train … runs=100)")
                }
                let predicted = Analysis.prediction(result, "radius\(block)") ?? Analysis.prediction(result, "radius")
                var line = "\(name)  centre \(context.fmt(fit.center.value, fit.center.error))  radius R = \(context.fmt(fit.radius.value, fit.radius.error))"
                if let p = predicted { line += "   predicted \(context.fmt(p))" }
                out.line(line)
                out.record(ResultRecord(command: "semicircle", quantity: "radius \(name)", estimate: fit.radius, prediction: predicted))
                law = FiniteGOEDensity(size: g, offDiagonalVariance: max(fit.offDiagonalVariance.value, 1e-300), center: fit.center.value)
                let d = KolmogorovSmirnov.distance(values, cdf: Semicircle(center: fit.center.value, radius: fit.radius.value).cdf)
                out.line("  KS distance to the semicircle of that radius \(context.fmt(d)) (finite-g GOE density drawn)")
            }
            if k < 4 {
                let lo = values.min()!, hi = values.max()!, pad = 0.1 * (hi - lo)
                let h = Histogram(freedmanDiaconis: values, range: (lo - pad)...(hi + pad))
                out.figure("semicircle", Figure(
                    title: "Levels of \(name)", x: Axis(result.variable.rawValue), y: Axis("density"),
                    layers: [
                        Analysis.histogramBars(h, label: "\(values.count) levels"),
                        .line(Line(function: law.pdf, over: (lo - pad)...(hi + pad), label: g == 2 ? "2×2 GOE fit" : "GOE \(g)×\(g) fit")),
                        .rule(Rule(.vertical, at: result.target.values[block[0]], label: "target")),
                    ]))
            }
        }
        return out
    }
}
