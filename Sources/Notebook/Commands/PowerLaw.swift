// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Plot
import RMT

/// `powerlaw [NAME] [of=SET]`: the tail exponent of one loaded layer's
/// eigenvalue density by Clauset–Shalizi–Newman, with a bootstrap error.
public enum PowerLawCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "powerlaw", summary: "tail exponent α of a loaded layer's eigenvalue density ρ(x) ∝ x^−α above x_min (Clauset–Shalizi–Newman, as WeightWatcher fits it)",
        positional: [ParameterSpec("name", .text, default: "", help: "the layer (as weights lists it); may be left out when only one is loaded")],
        parameters: [
            ParameterSpec("of", .text, help: "the weights loaded as NAME (weights … as=NAME) instead of the last file read"),
            ParameterSpec("tail", .integer(2...1_000_000), default: "10", help: "the fewest levels the tail above x_min may hold"),
            ParameterSpec("replicas", .integer(0...10_000), default: "100", help: "bootstrap replicas for the error of α (each refits x_min); 0 for none"),
        ],
        examples: ["powerlaw fc1.weight", "powerlaw encoder.0.attn.k.weight of=epoch10 replicas=200", "powerlaw"],
        usesSeed: true)

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (_, set, layer) = try context.workspace.layer(args.word("name") ?? "", of: args.word("of"), command: "powerlaw")
        let minimumTail = args.integer("tail") ?? PowerLawFit.defaultMinimumTail
        let replicas = args.integer("replicas") ?? 100
        let x = layer.eigenvalues
        let fit: PowerLawFit
        do { fit = try PowerLawFit(x, minimumTail: minimumTail) } catch {
            let positive = x.filter { $0 > 0 }.count
            throw NotebookError("\(layer.name) has no power-law tail to fit: \(error.message)",
                                suggestion: positive > 2 ? "a smaller tail: powerlaw \(layer.name) tail=\(max(2, positive / 2))" : "another layer")
        }
        context.progress?.update(label: "powerlaw", fraction: 0, detail: "bootstrap of \(replicas) replicas")
        let alpha = fit.bootstrap(x, minimumTail: minimumTail, replicas: replicas, seed: seed, cancelled: { context.cancel.isCancelled })
        context.progress?.finish()
        guard let alpha else { throw NotebookError("stopped during the bootstrap", suggestion: "fewer replicas: powerlaw \(layer.name) replicas=20") }

        let f: (Double) -> String = { context.fmt($0) }
        var out = CommandOutput()
        out.line("\(layer.name) of \(set.file): \(x.count) levels of X = WᵀW/M (\(layer.rows)×\(layer.cols)); tail ρ(x) ∝ x^−α for x ≥ x_min")
        out.line("α = \(context.fmt(alpha.value, alpha.error))   (continuous MLE α = 1 + n/Σ ln(x/x_min); error: \(replicas >= 2 ? "bootstrap, \(replicas) replicas, x_min chosen again in each" : "none asked for"); asymptotic (α − 1)/√n = \(f(fit.asymptoticError)))")
        out.line("x_min = \(f(fit.xmin))   tail \(fit.tailSize) of \(fit.sampleSize) levels   KS distance D = \(f(fit.distance))   (D·√n = \(f(fit.distance * Double(fit.tailSize).squareRoot())))")
        if case .success(let s) = layer.spectrum {
            let inBulk = x.filter { $0 >= fit.xmin && $0 <= s.outlierThreshold }.count
            out.line("Marchenko–Pastur edge \(f(s.bulkEdge)): x_min is \(fit.xmin > s.bulkEdge ? "above" : "below") it; \(inBulk) of the tail's \(fit.tailSize) levels lie in the bulk (below the outlier threshold \(f(s.outlierThreshold)))")
        }
        if fit.tailSize < 50 { out.line("caution: a tail of \(fit.tailSize) levels gives a rough α whatever its error says") }
        out.line("(α is the same for eigenvalues of WᵀW or WᵀW/M; WeightWatcher's x_min is M times this one. A small D does not prove a power law: far enough out an exponential tail is locally one, with a steep α)")

        let q = "of \(layer.name)"
        out.record(ResultRecord(command: "powerlaw", quantity: "power-law exponent α \(q)", estimate: alpha))
        out.record(ResultRecord(command: "powerlaw", quantity: "x_min \(q)", value: fit.xmin, error: nil, sampleSize: fit.sampleSize, method: "smallest KS distance"))
        out.record(ResultRecord(command: "powerlaw", quantity: "power-law tail size \(q)", value: Double(fit.tailSize), error: nil, sampleSize: fit.sampleSize, method: "levels ≥ x_min"))
        out.record(ResultRecord(command: "powerlaw", quantity: "KS distance of the tail to the power law \(q)", value: fit.distance, error: nil,
                                sampleSize: fit.tailSize, method: "KS distance, α and x_min fitted", prediction: 0))

        // The complementary CDF on log–log axes: a power law is a straight line of slope 1 − α.
        let positive = x.filter { $0 > 0 }.sorted()
        let n = Double(positive.count)
        let xs = positive.map { log10($0) }
        let ys = positive.indices.map { log10((n - Double($0)) / n) }
        let share = Double(fit.tailSize) / n
        let top = positive.last ?? fit.xmin
        let fitted = Line(function: { u in log10(share) + (1 - fit.alpha) * (u - log10(fit.xmin)) },
                          over: log10(fit.xmin)...max(log10(fit.xmin) + 1e-9, log10(top)), count: 50, label: "power law, α = \(f(fit.alpha))")
        out.figure("powerlaw", Figure(title: "\(layer.name): P(X ≥ x), log–log", x: Axis("log₁₀ x"), y: Axis("log₁₀ P(X ≥ x)"),
                                      layers: [.points(Points(xs: xs, ys: ys, label: "levels")), .line(fitted),
                                               .rule(Rule(.vertical, at: log10(fit.xmin), label: "x_min"))]))
        return out
    }
}
