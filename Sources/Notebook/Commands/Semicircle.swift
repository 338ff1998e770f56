// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// `semicircle`: each degenerate block's levels against the g×g GOE density
/// (the 2×2 GOE density for pairs, the Wigner semicircle for large blocks).
///
/// A pair with enough samples (≥ 10) is fitted on its own. Pairs are also
/// pooled: each level's deviation from its pair's centre (the pair's mean
/// over the samples, or its target when there are too few) in units of the
/// pair's predicted width σ = ⟨S⟩/√π, against the 2×2 GOE density of unit
/// width — one run of an n = 100 RBM gives 100 such deviations.
public enum SemicircleCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "semicircle", summary: "fit each degenerate block's levels with the GOE density (semicircle for large blocks)",
        parameters: Analysis.parameters, examples: ["semicircle", "semicircle of=small"])

    /// Samples a pair needs for a fit of its own.
    static let perPairMinimum = 10

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let samples = try Analysis.samples(args, context, automatic: true)
        let result = samples.result, spectra = samples.spectra
        let blocks = result.target.blocks
        guard !blocks.isEmpty else {
            throw NotebookError("the target has no degenerate block to compare with a GOE density",
                                suggestion: "use a degenerate teacher (model ts teacher=2), an rbm, or dbm")
        }
        var out = CommandOutput()
        out.line("\(result.variable.description), \(samples.source)")
        out.lines += Analysis.convergenceWarning(samples)
        var figures = 0
        for block in blocks where block.count > 2 || spectra.count >= perPairMinimum {
            let values = spectra.flatMap { x in block.map { x[$0] } }
            guard values.count >= 8 else {
                out.line("\(Analysis.blockName(block)): only \(values.count) levels, too few for a density (train more runs)")
                continue
            }
            let shown = figures < 4
            if block.count == 2 {
                try pairFit(block, values: values, result: result, figure: shown, context: context, into: &out)
            } else {
                try blockFit(block, values: values, result: result, figure: shown, context: context, into: &out)
            }
            if shown { figures += 1 }
        }
        let pairs = blocks.filter { $0.count == 2 }
        if pairs.count >= 2 || (!pairs.isEmpty && spectra.count < perPairMinimum) {
            do throws(NotebookError) {
                try pooledPairs(pairs, spectra: spectra, samples: samples, context: context, into: &out)
            } catch {
                // Too few samples or levels not there yet: say so, and what gives an answer.
                out.line("pooled pairs: \(error.message)")
                if let hint = error.suggestion { out.line("  to get one: \(hint)") }
            }
        }
        return out
    }

    /// One pair fitted with the 2×2 GOE density by maximum likelihood.
    static func pairFit(_ block: [Int], values: [Double], result: TrainingResult, figure: Bool,
                        context: CommandContext, into out: inout CommandOutput) throws(NotebookError) {
        let name = Analysis.blockName(block)
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
        if figure {
            out.figure("semicircle", density(values, law: GOE2x2Density(center: fit.center.value, sigma: fit.sigma.value), lawLabel: "2×2 GOE fit",
                                             title: "Levels of \(name)", x: result.variable.axisLabel, target: result.target.values[block[0]]))
        }
    }

    /// A block of g > 2 levels: centre and radius by moments, against the
    /// finite-g GOE density and the semicircle.
    static func blockFit(_ block: [Int], values: [Double], result: TrainingResult, figure: Bool,
                         context: CommandContext, into out: inout CommandOutput) throws(NotebookError) {
        let g = block.count, name = Analysis.blockName(block)
        let fit: (center: Estimate, offDiagonalVariance: Estimate, radius: Estimate)
        do throws(FitError) { fit = try DensityFit.goeBlock(values, size: g) } catch {
            throw NotebookError(error, tooFew: "train more runs (train … runs=100)")
        }
        let predicted = Analysis.prediction(result, "radius\(block)") ?? Analysis.prediction(result, "radius")
        var line = "\(name)  centre \(context.fmt(fit.center.value, fit.center.error))  radius R = \(context.fmt(fit.radius.value, fit.radius.error))"
        if let p = predicted { line += "   predicted \(context.fmt(p))" }
        out.line(line)
        out.record(ResultRecord(command: "semicircle", quantity: "radius \(name)", estimate: fit.radius, prediction: predicted))
        guard fit.radius.value > 0 && fit.radius.value.isFinite else {
            out.line("  the levels do not spread (radius 0): there is no density to compare")
            return
        }
        let law = FiniteGOEDensity(size: g, offDiagonalVariance: max(fit.offDiagonalVariance.value, 1e-300), center: fit.center.value)
        let d = KolmogorovSmirnov.distance(values, cdf: Semicircle(center: fit.center.value, radius: fit.radius.value).cdf)
        out.line("  KS distance to the semicircle of that radius \(context.fmt(d)) (finite-g GOE density drawn)")
        if figure {
            out.figure("semicircle", density(values, law: law, lawLabel: "GOE \(g)×\(g) fit", title: "Levels of \(name)",
                                             x: result.variable.axisLabel, target: result.target.values[block[0]],
                                             fitted: Semicircle(center: fit.center.value, radius: fit.radius.value), fittedLabel: "semicircle, same radius"))
        }
    }

    /// Every pair's levels as deviations u = (λ − c)/σ from the pair's centre c
    /// in units of its predicted width σ, pooled, against the 2×2 GOE density
    /// of unit width; the fitted width of the pool says how far the widths are
    /// from the prediction (1 at leading order).
    static func pooledPairs(_ pairs: [[Int]], spectra: [[Double]], samples: Analysis.Samples,
                            context: CommandContext, into out: inout CommandOutput) throws(NotebookError) {
        let result = samples.result
        let ownCentres = spectra.count >= perPairMinimum
        if !ownCentres && samples.from == nil {
            // Targets stand in for the centres only once the levels are there.
            let c = result.convergence()
            if !c.converged {
                let continuing = c.stepsNeeded.map { "train continue steps=\(Convergence.roundUp($0)) (the drift's estimate), or " } ?? ""
                throw NotebookError("with \(spectra.count) sample\(spectra.count == 1 ? "" : "s") per pair the pairs' centres must be their targets, but the levels have not converged (\(c.farLevels.map { "\($0) of \(c.levels)" } ?? "some") more than \(Format.plain(Convergence.threshold))σ from their stationary positions), so there is no honest density to show",
                                    suggestion: "\(continuing)train at least \(perPairMinimum) runs (runs=\(perPairMinimum)) so that each pair is centred on its own mean")
            }
        }
        let widths = pairs.map { Analysis.prediction(result, "S_mean\($0)").map { $0 / Double.pi.squareRoot() } }
        guard widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw NotebookError("the model predicts no width for these pairs, so they cannot be pooled",
                                suggestion: "train at least \(perPairMinimum) runs (train … runs=\(2 * perPairMinimum)) to fit each pair on its own")
        }
        var u = [Double](), isolatedU = [Double]()
        var isolatedCount = 0
        for (pair, width) in zip(pairs, widths) {
            let levels = spectra.flatMap { x in pair.map { x[$0] } }
            let centre = ownCentres ? Statistics.mean(levels) : result.target.values[pair[0]]
            let deviations = levels.map { ($0 - centre) / width! }.filter(\.isFinite)
            u += deviations
            if Analysis.isIsolated(pair, targets: result.target.values, predictedSpacing: width! * Double.pi.squareRoot()) {
                isolatedCount += 1
                isolatedU += deviations
            }
        }
        guard u.count >= 8 else {
            throw NotebookError("only \(u.count) levels in all pairs together: too few for a density",
                                suggestion: "train more runs (train … runs=\(2 * perPairMinimum))")
        }
        let fit: (center: Estimate, sigma: Estimate)
        do throws(FitError) { fit = try DensityFit.goe2x2(u) } catch {
            throw NotebookError(error, tooFew: "train more runs (train … runs=\(2 * perPairMinimum))")
        }
        let centreText = ownCentres ? "each pair's mean over the samples" : "each pair's target (too few samples for its own mean)"
        out.line("pooled pairs: \(u.count) levels of \(pairs.count) pairs as u = (level − centre)/σ, centre = \(centreText), σ = predicted ⟨S⟩/√π (\(SpacingCommand.predictionNote(result)))")
        out.line("  2×2 GOE fit of u: centre \(context.fmt(fit.center.value, fit.center.error))  width \(context.fmt(fit.sigma.value, fit.sigma.error))   (0 and 1 if every pair is the predicted 2×2 GOE block)")
        out.record(ResultRecord(command: "semicircle", quantity: "width/predicted σ, pooled pairs", estimate: fit.sigma, prediction: 1))
        out.record(ResultRecord(command: "semicircle", quantity: "centre/σ, pooled pairs", estimate: fit.center, prediction: 0))
        if isolatedCount < pairs.count {
            // Overlapping pairs are not 2×2 blocks: say how many, and fit the isolated ones alone.
            var line = "  \(pairs.count - isolatedCount) of the \(pairs.count) pairs overlap a neighbour (nearest other target < 6σ): for them the 2×2 GOE density is only a rough guide"
            if isolatedCount >= 2 && isolatedU.count >= 8, let alone = try? DensityFit.goe2x2(isolatedU) {
                line += "; the \(isolatedCount) isolated pairs alone: centre \(context.fmt(alone.center.value, alone.center.error))  width \(context.fmt(alone.sigma.value, alone.sigma.error))"
                out.record(ResultRecord(command: "semicircle", quantity: "width/predicted σ, isolated pairs", estimate: alone.sigma, prediction: 1))
            }
            out.line(line)
        }
        // The 2×2 GOE density is negligible beyond |u| = 5; a few far values (unconverged pairs) are left out of the view.
        let lo = max(Statistics.quantile(u, 0.005), fit.center.value - 6 * fit.sigma.value)
        let hi = min(Statistics.quantile(u, 0.995), fit.center.value + 6 * fit.sigma.value)
        let range = min(lo, -4)...max(hi, 4)
        let outside = u.filter { !range.contains($0) }.count
        if outside > 0 { out.line("  \(outside) of the \(u.count) values lie outside the figure's range") }
        out.figure("pooled", density(u.filter { range.contains($0) }, law: GOE2x2Density(center: 0, sigma: 1), lawLabel: "2×2 GOE, predicted width",
                                     title: "Levels of \(pairs.count) pairs around their centres", x: "u = (level − centre)/σ", target: 0, range: range,
                                     fitted: GOE2x2Density(center: fit.center.value, sigma: fit.sigma.value)))
    }

    /// Histogram of `values` with a density curve (and a fitted one) over it.
    static func density(_ values: [Double], law: any ContinuousLaw, lawLabel: String, title: String, x: String, target: Double,
                        range: ClosedRange<Double>? = nil, fitted: (any ContinuousLaw)? = nil, fittedLabel: String = "fit") -> Figure {
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let pad = max(0.1 * (hi - lo), 1e-9 * max(1, abs(lo)))
        let span = range ?? (lo - pad)...(hi + pad)
        let h = Histogram(freedmanDiaconis: values, range: span)
        var layers: [Layer] = [
            Analysis.histogramBars(h, label: "\(values.count) levels"),
            .line(Line(function: law.pdf, over: span, label: lawLabel)),
        ]
        if let fitted { layers.append(.line(Line(function: fitted.pdf, over: span, label: fittedLabel, style: .dashed))) }
        layers.append(.rule(Rule(.vertical, at: target, label: range == nil ? "target" : "centre")))
        // The density of the axis's symbol: ρ(u) for "u = …", ρ(x) for "x".
        let symbol = x.split(separator: " ").first.map(String.init) ?? x
        return Figure(title: title, x: Axis(x), y: Axis("density ρ(\(symbol))"), layers: layers)
    }
}
