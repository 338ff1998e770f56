// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Plot
import RMT

/// One measured point of a scan: a degenerate pair at one setting.
public struct ScanPoint: Sendable {
    public let lr: Double
    public let batch: Int
    public let noise: Double?
    public let pair: [Int]
    /// The predicted scale: √(αA/|B|) (ts) or √((α/|B|)·x*) (rbm).
    public let scale: Double
    public let meanSpacing: Estimate
    public let sigma: Estimate
    /// The fitted centre of the pair (nil for points restored from a note).
    public let center: Estimate?
    /// λ_fit/κ for the RBM (the non-universal mean shift), nil for ts.
    public let shift: Double?
}

/// The points of one `scan` command.
public struct ScanSeries: Sendable {
    public let label: String
    public let kind: ModelKind
    public let points: [ScanPoint]

    /// The points of a scan as its table in a note records them (setting, lr,
    /// batch, noise, pair, scale, ⟨S⟩ ± error, √π·σ ± error, λ_fit/κ), to the
    /// printed digits. The fitted centres are not in the table; the shift is.
    static func points(fromTable lines: [String]) -> [ScanPoint] {
        let number = #"([-+0-9.eE]+)"#, estimate = number + #"(?: ± ([-+0-9.eE]+))?"#
        let pattern = #"^\s*\d+\s+"# + number + #"\s+(\d+)\s+(\S+)\s+\[(\d+),(\d+)\]\s+"# + number
            + #"\s+"# + estimate + #"\s+"# + estimate + #"\s+(\S+)\s*$"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return lines.compactMap { line -> ScanPoint? in
            let ns = line as NSString
            guard let m = regex.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) else { return nil }
            func group(_ i: Int) -> String? { m.range(at: i).location == NSNotFound ? nil : ns.substring(with: m.range(at: i)) }
            func value(_ i: Int) -> Double? { group(i).flatMap(Double.init) }
            guard let lr = value(1), let batch = group(2).flatMap(Int.init), let a = group(4).flatMap(Int.init),
                  let b = group(5).flatMap(Int.init), let scale = value(6), let mean = value(7), let sigmaRoot = value(9) else { return nil }
            let root = Double.pi.squareRoot()
            return ScanPoint(lr: lr, batch: batch, noise: value(3), pair: [a, b], scale: scale,
                             meanSpacing: Estimate(value: mean, error: value(8), sampleSize: 0, method: "from a note's scan table"),
                             sigma: Estimate(value: sigmaRoot / root, error: value(10).map { $0 / root }, sampleSize: 0, method: "from a note's scan table"),
                             center: nil, shift: value(11))
        }
    }
}

/// `scan lr=0.01,0.02,… batch=… steps=… runs=…`: trains every setting and
/// collects the pairs' ⟨S⟩ and √π·σ against the predicted scale.
public enum ScanCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "scan", summary: "train several settings (lists of lr, batch, noise) and show the scaling collapse",
        parameters: [
            ParameterSpec("lr", .reals(1e-12...100), default: "0.01", help: "learning rates α (comma list)"),
            ParameterSpec("batch", .reals(1...1_000_000), default: "16", help: "batch sizes |B| (comma list)"),
            ParameterSpec("noise", .reals(0...1e3), help: "ts only: noise levels ε (comma list; default the model's)"),
            ParameterSpec("steps", .integer(1...1_000_000_000), default: "1e4", help: "SGD updates per run"),
            ParameterSpec("runs", .integer(1...10_000_000), help: "runs per setting (default as for train)"),
            ParameterSpec("from", .integer(0...1_000_000_000), help: "trajectory sampling: use snapshots at step ≥ FROM (with every=)"),
            ParameterSpec("every", .integer(1...1_000_000_000), help: "snapshot interval (default: only the end)"),
            ParameterSpec("as", .text, help: "label of this scan in the collapse figure (a scan with the label of an earlier one adds to it)"),
            ParameterSpec("first", .integer(1...1_000_000), help: "run only the settings from this number on (numbers as in the table; resumes an interrupted scan)"),
            ParameterSpec("last", .integer(1...1_000_000), help: "run only the settings up to this number"),
        ],
        examples: ["scan lr=0.01,0.02,0.04 batch=16 steps=5000 runs=1000", "scan lr=0.01,0.02,0.04 batch=16 steps=5000 runs=1000 seed=7 first=3 as=lr"],
        usesSeed: true)

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let base = context.workspace.model else {
            throw NotebookError("there is no model to scan", suggestion: "set one first, e.g. model ts n=2")
        }
        guard base.kind != .dbm else { throw NotebookError("scan needs degenerate pairs: use ts or rbm", suggestion: "model ts n=2 or model rbm n=10") }
        let lrs = args.reals("lr")!, batches = args.reals("batch")!.map { Int($0) }
        guard args.reals("batch")!.allSatisfy({ $0 == $0.rounded() }) else { throw NotebookError("batch sizes must be whole numbers") }
        var noises: [Double?] = [nil]
        if let n = args.reals("noise") {
            guard let ts = base as? TeacherStudent else { throw NotebookError("noise= applies to the ts model only") }
            _ = ts
            noises = n
        }
        let steps = args.integer("steps")!
        let every = args.integer("every") ?? steps
        if let from = args.integer("from") {
            if from >= steps { throw NotebookError("from=\(from) is not before the last step \(steps)") }
            try Analysis.refuseTrajectorySampling(base.trajectoryCaveat)
        }
        var points = [ScanPoint]()
        var out = CommandOutput()
        var setting = 0
        let count = lrs.count * batches.count * noises.count
        let first = args.integer("first") ?? 1, last = min(args.integer("last") ?? count, count)
        guard first <= last else {
            throw NotebookError("first=\(first) is after the last setting \(last)", suggestion: "settings are numbered 1…\(count) (noise, then lr, then batch)")
        }
        let total = last - first + 1
        let label = args.word("as") ?? "scan \(context.workspace.scans.count + 1)"
        out.line("setting  lr        batch  noise   pair     scale      ⟨S⟩                 √π·σ                λ_fit/κ")
        var pooled = [Double]()  // s = S/⟨S⟩ of every pair and setting of this scan
        var pooledEffective = 0  // their effective number (N/(2τ_int) each with from=)
        var interrupted = false
        var completed = 0  // settings finished
        settings: for noise in noises {
            let model: any LearningModel
            if let noise, let ts = base as? TeacherStudent {
                do {
                    model = try TeacherStudent(n: ts.n, teacher: ts.teacher, noise: noise, initScale: ts.initScale,
                                               batchesPerEpoch: ts.batchesPerEpoch, sharedData: ts.sharedData)
                } catch { throw NotebookError(error.message, suggestion: error.suggestion) }
            } else {
                model = base
            }
            for lr in lrs {
                for batch in batches {
                    setting += 1
                    guard (first...last).contains(setting) else { continue }
                    // The seed depends on the setting's number only, so a scan run in parts equals the whole.
                    let config = TrainingConfig(lr: lr, batch: batch, steps: steps, runs: args.integer("runs") ?? TrainCommand.defaultRuns(for: model),
                                                seed: seed &+ UInt64(setting), every: every)
                    context.cancel.reset()
                    let result: TrainingResult
                    do {
                        result = try Trainer.train(model: model, config: config, progress: { p in
                            context.progress?.update(label: "scan", fraction: (Double(setting - first) + p.fraction) / Double(total),
                                                     detail: "setting \(setting)/\(last)")
                        }, cancel: context.cancel)
                    } catch { throw NotebookError(error.description) }
                    if result.cancelled {
                        interrupted = true
                        break settings
                    }
                    completed += 1
                    let spectra = args.integer("from").map { result.samples(fromStep: $0) } ?? result.finalSpectra
                    for pair in model.target.blocks where pair.count == 2 {
                        let s = Spacings.withinBlock(spectra, block: pair)
                        guard s.count >= 4 else { throw NotebookError("too few spacings at setting \(setting)", suggestion: "more runs, or from= with every=") }
                        let mean = Statistics.meanWithError(s)
                        pooled += s.map { $0 / mean.value }
                        pooledEffective += Analysis.correlation(args, result, block: pair, count: s.count)?.effective ?? s.count
                        let fit = DensityFit.goe2x2(spectra.flatMap { x in pair.map { x[$0] } })
                        let scale: Double
                        var shift: Double?
                        if let ts = model as? TeacherStudent {
                            scale = (lr * ts.noise * ts.noise / Double(batch)).squareRoot()
                        } else {
                            let rbm = model as! GaussianRBM
                            let x = model.target.values[pair[0]], kappa = rbm.targetKappa[pair[0]]
                            scale = (lr / Double(batch) * x).squareRoot()
                            shift = (rbm.mu * rbm.mu - rbm.sigmaH * rbm.sigmaH * fit.center.value) / kappa
                        }
                        let root = Double.pi.squareRoot()
                        points.append(ScanPoint(lr: lr, batch: batch, noise: (model as? TeacherStudent)?.noise, pair: pair, scale: scale,
                                                meanSpacing: mean, sigma: fit.sigma, center: fit.center, shift: shift))
                        let noiseText = (model as? TeacherStudent).map { context.fmt($0.noise) } ?? "—"
                        out.line(String(format: "%5d    ", setting) + Format.plain(lr).padding(toLength: 10, withPad: " ", startingAt: 0)
                                 + "\(batch)".padding(toLength: 7, withPad: " ", startingAt: 0) + noiseText.padding(toLength: 8, withPad: " ", startingAt: 0)
                                 + "[\(pair[0]),\(pair[1])]".padding(toLength: 9, withPad: " ", startingAt: 0)
                                 + context.fmt(scale).padding(toLength: 11, withPad: " ", startingAt: 0)
                                 + context.fmt(mean.value, mean.error).padding(toLength: 20, withPad: " ", startingAt: 0)
                                 + context.fmt(root * fit.sigma.value, fit.sigma.error.map { root * $0 }).padding(toLength: 20, withPad: " ", startingAt: 0)
                                 + (shift.map { context.fmt($0) } ?? "—"))
                    }
                }
            }
        }
        if interrupted {
            guard !points.isEmpty else {
                throw NotebookError("scan interrupted during its first setting: nothing to keep", suggestion: "run it again, or with fewer steps")
            }
            // Keep the finished settings. The note records the scan up to the
            // last finished setting (so a replay stops there too) under its label,
            // and says how to run the rest: the same command from the next setting.
            let done = first + completed - 1
            out.recordedParameters = ["last": "\(done)", "as": label]
            out.remark("interrupted: kept the \(completed) finished settings of \(total)")
            out.remark("to finish it: \(continuation(args, seed: seed, from: done + 1, last: args.integer("last"), label: label))")
            out.remark("in a new session, first load this note with only=scans: it restores the finished settings from the table, without training")
        }
        context.workspace.addScan(ScanSeries(label: label, kind: base.kind, points: points))
        let series = context.workspace.scans.filter { $0.kind == base.kind }
        let all = series.flatMap(\.points)
        let xs = all.map(\.scale)
        let spacingFit = LeastSquares.lineThroughOrigin(x: xs, y: all.map(\.meanSpacing.value), yErrors: all.map { max($0.meanSpacing.error ?? 1e-12, 1e-12) })
        let sigmaFit = LeastSquares.lineThroughOrigin(x: xs, y: all.map { Double.pi.squareRoot() * $0.sigma.value },
                                                      yErrors: all.map { Double.pi.squareRoot() * max($0.sigma.error ?? 1e-12, 1e-12) })
        let theory = base.kind == .ts ? Double.pi.squareRoot() : (2 * Double.pi).squareRoot()
        out.line("collapse over \(series.count) scan\(series.count == 1 ? "" : "s") (\(all.count) points):")
        out.line("  ⟨S⟩  = a·scale, a_fit = \(context.fmt(spacingFit.slope.value, spacingFit.slope.error))  χ²/dof \(context.fmt(spacingFit.chi2PerDof))")
        out.line("  √π·σ = a·scale, a_fit = \(context.fmt(sigmaFit.slope.value, sigmaFit.slope.error))  χ²/dof \(context.fmt(sigmaFit.chi2PerDof))")
        out.line("  small-α/|B| theory slope \(base.kind == .ts ? "√π" : "√(2π)") = \(context.fmt(theory))")
        out.record(ResultRecord(command: "scan", quantity: "a_fit ⟨S⟩", estimate: spacingFit.slope, prediction: theory))
        out.record(ResultRecord(command: "scan", quantity: "a_fit √πσ", estimate: sigmaFit.slope, prediction: theory))
        let markers = Marker.allCases
        var layers = [Layer]()
        for (k, s) in series.enumerated() {
            layers.append(.points(Points(xs: s.points.map(\.scale), ys: s.points.map(\.meanSpacing.value),
                                         yErrors: s.points.map { $0.meanSpacing.error ?? 0 }, label: "⟨S⟩ \(s.label)", marker: markers[(2 * k) % 4])))
            layers.append(.points(Points(xs: s.points.map(\.scale), ys: s.points.map { Double.pi.squareRoot() * $0.sigma.value },
                                         yErrors: s.points.map { Double.pi.squareRoot() * ($0.sigma.error ?? 0) }, label: "√πσ \(s.label)", marker: markers[(2 * k + 1) % 4])))
        }
        let top = (xs.max() ?? 1) * 1.1
        layers.append(.line(Line(xs: [0, top], ys: [0, spacingFit.slope.value * top], label: "fit a = \(context.fmt(spacingFit.slope.value))")))
        layers.append(.line(Line(xs: [0, top], ys: [0, theory * top], label: "theory", style: .dashed)))
        out.figure("collapse", Figure(title: "Scaling collapse", x: Axis(base.kind == .ts ? "√(αA/|B|)" : "√((α/|B|)x*)"), y: Axis("⟨S⟩, √π·σ"), layers: layers))
        let surmise = WignerSurmise(beta: 1)
        let ks = KolmogorovSmirnov.testSpacings(pooled, law: surmise, replicas: 200, seed: seed,
                                                effectiveSize: pooledEffective < pooled.count ? pooledEffective : nil)
        let effectiveText = pooledEffective < pooled.count ? " (N_eff ≈ \(pooledEffective))" : ""
        out.line("s = S/⟨S⟩ of this scan, pooled: \(pooled.count) spacings\(effectiveText), Var(s) = \(context.fmt(Statistics.variance(pooled)))  surmise \(context.fmt(surmise.variance))  KS \(Analysis.ksText(ks, context))")
        let h = Histogram(freedmanDiaconis: pooled, range: 0...3.5)
        out.figure("spacing", Figure(
            title: "\(label): s = S/⟨S⟩ pooled over \(completed) settings (n = \(pooled.count))", x: Axis("s"), y: Axis("P(s)"),
            layers: [Analysis.histogramBars(h, label: "measured"),
                     .line(Line(function: surmise.pdf, over: 0...3.5, label: "Wigner surmise β=1"))]))
        if base.kind == .rbm, !points.isEmpty {
            var shiftLayers = [Layer]()
            for (k, pair) in Set(all.map(\.pair)).sorted(by: { $0[0] < $1[0] }).enumerated() {
                let p = all.filter { $0.pair == pair }
                shiftLayers.append(.points(Points(xs: p.map { $0.lr / Double($0.batch) }, ys: p.map { $0.shift ?? .nan },
                                                  label: "pair [\(pair[0]),\(pair[1])]", marker: markers[k % 4])))
            }
            shiftLayers.append(.rule(Rule(.horizontal, at: 1, label: "no shift")))
            out.figure("shift", Figure(title: "Mean shift of the pairs", x: Axis("α/|B|"), y: Axis("λ_fit/κ"), layers: shiftLayers))
        }
        return out
    }

    /// The command that runs the rest of a scan: the parameters as written,
    /// the seed it used, `first=` the next setting, and its label.
    static func continuation(_ args: Arguments, seed: UInt64, from next: Int, last: Int?, label: String) -> String {
        let replaced: Set<String> = ["seed", "first", "last", "as"]
        var arguments = args.raw.arguments.filter { !replaced.contains($0.key.lowercased()) }
        arguments.append(("seed", "\(seed)"))
        arguments.append(("first", "\(next)"))
        if let last { arguments.append(("last", "\(last)")) }
        arguments.append(("as", label))
        return Notebook.canonical(RawCommand(name: "scan", positional: args.raw.positional, arguments: arguments, comment: nil))
    }
}
