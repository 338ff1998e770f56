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

/// What a scan trains: its settings in table order (noise, then lr, then
/// batch), those from first= to last=, each with its model and training.
/// Setting k trains with seed + k, so a scan run in parts (or on a cluster)
/// equals the whole.
struct ScanPlan {
    struct Setting {
        let number: Int
        let model: any LearningModel
        let config: TrainingConfig
    }

    let kind: ModelKind
    let blocks: [[Int]]
    let runs: Int
    let first: Int, last: Int
    let label: String
    let settings: [Setting]
    var total: Int { last - first + 1 }

    init(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) {
        guard let base = context.workspace.model else {
            throw NotebookError("there is no model to scan", suggestion: "set one first, e.g. model ts n=2")
        }
        guard base.kind != .dbm else { throw NotebookError("scan needs degenerate pairs: use ts or rbm", suggestion: "model ts n=2 or model rbm n=10") }
        let blocks = base.target.blocks
        guard !blocks.isEmpty else {
            throw NotebookError("the \(base.kind.rawValue) target has no degenerate levels: a scan measures how degenerate levels spread, and these are all distinct",
                                suggestion: base.kind == .ts ? "give the teacher one repeated value, e.g. model ts n=2 teacher=2" : "model rbm n=10 (pairs from the lattice's ±k modes)")
        }
        let lrs = args.reals("lr") ?? [], batchValues = args.reals("batch") ?? []
        guard batchValues.allSatisfy({ $0 == $0.rounded() }) else {
            throw NotebookError("batch sizes must be whole numbers", suggestion: "e.g. scan batch=8,16,32")
        }
        let batches = batchValues.map { Int($0) }
        var noises: [Double?] = [nil]
        if let n = args.reals("noise") {
            guard base is TeacherStudent else {
                throw NotebookError("noise= applies to the ts model only", suggestion: "leave out noise=; the rbm's noise is set by lr and batch")
            }
            noises = n
        }
        let steps = args.integer("steps") ?? 10_000
        let every = args.integer("every") ?? steps
        let runs = args.integer("runs") ?? TrainCommand.defaultRuns(for: base)
        if let from = args.integer("from") {
            if from >= steps {
                throw NotebookError("from=\(from) is not before the last step \(steps)", suggestion: "from= a step before steps=\(steps), e.g. from=\(steps / 2)")
            }
            try Analysis.refuseTrajectorySampling(base.trajectoryCaveat)
        }
        if blocks.contains(where: { $0.count == 2 }) { try ScanCommand.requireEnoughSpacings(args, runs: runs, steps: steps, every: every) }
        let count = lrs.count * batches.count * noises.count
        let first = args.integer("first") ?? 1, last = min(args.integer("last") ?? count, count)
        guard first <= last else {
            throw NotebookError("first=\(first) is after the last setting \(last)", suggestion: "settings are numbered 1…\(count) (noise, then lr, then batch)")
        }
        var settings = [Setting](), number = 0
        for noise in noises {
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
                    number += 1
                    guard (first...last).contains(number) else { continue }
                    settings.append(Setting(number: number, model: model, config: TrainingConfig(
                        lr: lr, batch: batch, steps: steps, runs: runs, seed: seed &+ UInt64(number), every: every)))
                }
            }
        }
        kind = base.kind
        self.blocks = blocks
        self.runs = runs
        self.first = first
        self.last = last
        label = args.word("as") ?? "scan \(context.workspace.scans.count + 1)"
        self.settings = settings
    }
}

/// A scan's table and what it gathers for the collapse, setting by setting.
struct ScanTally {
    var out = CommandOutput()
    var points = [ScanPoint]()
    /// s = S/⟨S⟩ of every pair and setting of this scan.
    var pooled = [Double]()
    /// Their effective number (N/(2τ_int) each with from=).
    var pooledEffective = 0
    /// Settings finished.
    var completed = 0

    init() {
        out.line("setting  lr        batch  noise   pair     scale      ⟨S⟩                 √π·σ                λ_fit/κ")
    }

    /// The rows of one trained setting: a point per pair (⟨S⟩, 2×2 GOE width,
    /// shift), the GOE width of larger blocks.
    mutating func add(_ setting: ScanPlan.Setting, result: TrainingResult, args: Arguments, context: CommandContext) {
        completed += 1
        let model = setting.model, lr = setting.config.lr, batch = setting.config.batch
        let spectra = args.integer("from").map { result.samples(fromStep: $0) } ?? result.finalSpectra
        let row = ScanCommand.Row(setting: setting.number, lr: lr, batch: batch, noise: (model as? TeacherStudent)?.noise, context: context)
        for block in model.target.blocks {
            guard block.count == 2 else {
                out.line(row.text(block, ScanCommand.blockRow(spectra, block: block, lr: lr, batch: batch, model: model, context: context)))
                continue
            }
            let s = Spacings.withinBlock(spectra, block: block)
            guard s.count >= ScanCommand.minimumSpacings else {
                out.line(row.text(block, "too few spacings (\(s.count)): \(result.droppedRuns.count) of \(setting.config.runs) runs diverged"))
                continue
            }
            let measured: (point: ScanPoint, text: String)
            do throws(FitError) {
                measured = try ScanCommand.pairPoint(spectra, spacings: s, pair: block, lr: lr, batch: batch, model: model, context: context)
            } catch {
                out.line(row.text(block, "no fit: \(error.message)"))
                continue
            }
            points.append(measured.point)
            out.line(row.text(block, measured.text))
            pooled += s.map { $0 / measured.point.meanSpacing.value }
            pooledEffective += Analysis.correlation(args, result, block: block, count: s.count)?.effective ?? s.count
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
            ParameterSpec("on", .choice(["here", "slurm"]), default: "here",
                          help: "here, or slurm: submit every setting's runs as one Slurm job array (parallel= throttles the whole scan; wait collects it)"),
        ] + TrainCommand.clusterParameters.map { p in
            p.name == "shards" ? ParameterSpec("shards", .integer(1...100_000), help: "array tasks per setting (default: about 20 minutes of work each, from a short timing run)") : p
        },
        examples: ["scan lr=0.01,0.02,0.04 batch=16 steps=5000 runs=1000", "scan lr=0.01,0.02,0.04 batch=16 steps=5000 runs=1000 seed=7 first=3 as=lr",
                   "scan lr=0.01,0.02,0.04 batch=16,32 steps=1e5 runs=7500 on=slurm shards=20 parallel=100 as=rbm-lr"],
        usesSeed: true)

    /// Spacings a pair needs per setting: ⟨S⟩ with a jackknife error and the 2×2
    /// GOE fit of its levels (which needs two pairs' worth of levels).
    static let minimumSpacings = 4

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        if args.word("on") != "slurm", let stray = TrainCommand.clusterParameters.map(\.name).first(where: args.has) {
            throw NotebookError("\(stray)= is for a scan on a cluster", suggestion: "add on=slurm, or drop \(stray)=")
        }
        let plan = try ScanPlan(args, seed: seed, context: context)
        if args.word("on") == "slurm" { return try submit(plan, args: args, seed: seed, context: context) }
        var tally = ScanTally()
        var interrupted = false
        for (k, setting) in plan.settings.enumerated() {
            context.cancel.reset()
            let result: TrainingResult
            do {
                result = try Trainer.train(model: setting.model, config: setting.config, progress: { p in
                    context.progress?.update(label: "scan", fraction: (Double(k) + p.fraction) / Double(plan.total),
                                             detail: "setting \(setting.number)/\(plan.last)")
                }, cancel: context.cancel)
            } catch { throw refusal(error, setting: setting.number) }
            if result.cancelled {
                interrupted = true
                break
            }
            tally.add(setting, result: result, args: args, context: context)
        }
        if interrupted {
            guard tally.completed > 0 else {
                throw NotebookError("scan interrupted during its first setting: nothing to keep", suggestion: "run it again, or with fewer steps")
            }
            // Keep the finished settings. The note records the scan up to the
            // last finished setting (so a replay stops there too) under its label,
            // and says how to run the rest: the same command from the next setting.
            let done = plan.first + tally.completed - 1
            tally.out.recordedParameters = ["last": "\(done)", "as": plan.label]
            tally.out.remark("interrupted: kept the \(tally.completed) finished settings of \(plan.total)")
            tally.out.remark("to finish it: \(continuation(args, seed: seed, from: done + 1, last: args.integer("last"), label: plan.label))")
            tally.out.remark("in a new session, first load this note with only=scans: it restores the finished settings from the table, without training")
        }
        return conclude(tally, plan: plan, seed: seed, context: context)
    }

    /// The collapse and pooled spacings of a scan's measured points (or why
    /// there is none), after its table; the scan joins the workspace's.
    static func conclude(_ tally: ScanTally, plan: ScanPlan, seed: UInt64, context: CommandContext) -> CommandOutput {
        var out = tally.out
        guard !tally.points.isEmpty else {
            out.line(nothingToCollapse(plan.blocks))
            return out
        }
        context.workspace.addScan(ScanSeries(label: plan.label, kind: plan.kind, points: tally.points))
        collapse(plan.kind, context: context, into: &out)
        pooledSpacings(tally.pooled, effective: tally.pooledEffective, label: plan.label, settings: tally.completed, seed: seed, context: context, into: &out)
        if plan.kind == .rbm { shiftFigure(context.workspace.scans.filter { $0.kind == plan.kind }.flatMap(\.points), into: &out) }
        return out
    }

    /// Refuses, before training, a scan whose settings would each give a pair
    /// fewer than ``minimumSpacings`` spacings: runs × samples per run (1, or the
    /// snapshots at step ≥ from=). Prints the same scan with enough runs.
    static func requireEnoughSpacings(_ args: Arguments, runs: Int, steps: Int, every: Int) throws(NotebookError) {
        let perRun = args.integer("from").map { from in
            TrainingConfig(lr: 1, batch: 1, steps: steps, runs: runs, every: every).snapshotSteps.filter { $0 >= from }.count
        } ?? 1
        guard runs * perRun < minimumSpacings else { return }
        let needed = (minimumSpacings + perRun - 1) / perRun
        var arguments = args.raw.arguments.filter { $0.key.lowercased() != "runs" }
        arguments.append(("runs", "\(max(needed, 100))"))
        let command = Notebook.canonical(RawCommand(name: "scan", positional: args.raw.positional, arguments: arguments, comment: nil))
        let samples = perRun == 1 ? "\(runs) run\(runs == 1 ? "" : "s")" : "\(runs) run\(runs == 1 ? "" : "s") × \(perRun) snapshots"
        throw NotebookError("\(samples) give each pair \(runs * perRun) spacing\(runs * perRun == 1 ? "" : "s") per setting; ⟨S⟩ and the 2×2 GOE width need at least \(minimumSpacings)",
                            suggestion: command)
    }

    /// A setting the trainer refuses (unstable lr, memory), told with its remedy.
    static func refusal(_ error: TrainingError, setting: Int) -> NotebookError {
        switch error {
        case .model(let e):
            return NotebookError("setting \(setting): \(e.message)", suggestion: e.suggestion ?? "help scan lists the parameters and their ranges")
        case .memory(_, _, let remedy):
            return NotebookError("setting \(setting): \(error.description)", suggestion: remedy)
        case .invalidSetting(let why):
            return NotebookError("setting \(setting): \(why)", suggestion: "help scan lists the parameters and their ranges")
        }
    }

    /// The start of a table row: setting, lr, batch, noise.
    struct Row {
        let setting: Int, lr: Double, batch: Int, noise: Double?
        let context: CommandContext

        func text(_ block: [Int], _ rest: String) -> String {
            let name = block.count == 2 ? "[\(block[0]),\(block[1])]" : "[\(block.first!)…\(block.last!)]"
            return String(format: "%5d    ", setting) + Format.plain(lr).padding(toLength: 10, withPad: " ", startingAt: 0)
                + "\(batch)".padding(toLength: 7, withPad: " ", startingAt: 0) + (noise.map { context.fmt($0) } ?? "—").padding(toLength: 8, withPad: " ", startingAt: 0)
                + name.padding(toLength: 9, withPad: " ", startingAt: 0) + rest
        }
    }

    /// The predicted scale of a pair's spacing: √(αA/|B|) (ts) or √((α/|B|)·x*) (rbm).
    static func scale(_ model: any LearningModel, pair: [Int], lr: Double, batch: Int) -> Double {
        if let ts = model as? TeacherStudent { return (lr * ts.noise * ts.noise / Double(batch)).squareRoot() }
        return (lr / Double(batch) * model.target.values[pair[0]]).squareRoot()
    }

    /// One pair at one setting: ⟨S⟩ with its jackknife error, the 2×2 GOE fit of
    /// its levels (σ, centre) and, for the RBM, the mean shift λ_fit/κ; with the
    /// rest of its table row.
    static func pairPoint(_ spectra: [[Double]], spacings s: [Double], pair: [Int], lr: Double, batch: Int,
                          model: any LearningModel, context: CommandContext) throws(FitError) -> (point: ScanPoint, text: String) {
        let mean = Statistics.meanWithError(s)
        let fit = try DensityFit.goe2x2(spectra.flatMap { x in pair.map { x[$0] } })
        let scale = scale(model, pair: pair, lr: lr, batch: batch)
        var shift: Double?
        if let rbm = model as? GaussianRBM {
            shift = (rbm.mu * rbm.mu - rbm.sigmaH * rbm.sigmaH * fit.center.value) / rbm.targetKappa[pair[0]]
        }
        let root = Double.pi.squareRoot()
        let point = ScanPoint(lr: lr, batch: batch, noise: (model as? TeacherStudent)?.noise, pair: pair, scale: scale,
                              meanSpacing: mean, sigma: fit.sigma, center: fit.center, shift: shift)
        let text = context.fmt(scale).padding(toLength: 11, withPad: " ", startingAt: 0)
            + context.fmt(mean.value, mean.error).padding(toLength: 20, withPad: " ", startingAt: 0)
            + context.fmt(root * fit.sigma.value, fit.sigma.error.map { root * $0 }).padding(toLength: 20, withPad: " ", startingAt: 0)
            + (shift.map { context.fmt($0) } ?? "—")
        return (point, text)
    }

    /// The rest of a table row for a block of g > 2 levels: no pair spacing, but
    /// the width of its GOE fit, σ = √(2v) (v the off-diagonal variance, so σ² is
    /// the diagonal variance as for a pair), shown as √π·σ. Not part of the collapse.
    static func blockRow(_ spectra: [[Double]], block: [Int], lr: Double, batch: Int, model: any LearningModel, context: CommandContext) -> String {
        let values = spectra.flatMap { x in block.map { x[$0] } }
        let scaleText = context.fmt(scale(model, pair: block, lr: lr, batch: batch)).padding(toLength: 11, withPad: " ", startingAt: 0)
        guard let fit = try? DensityFit.goeBlock(values, size: block.count) else {
            return scaleText + "—                   no GOE fit: \(values.count) levels without spread"
        }
        let factor = (2 * Double.pi).squareRoot()  // √π·σ = √π·√(2v)
        let v = fit.offDiagonalVariance
        let sigmaRoot = factor * v.value.squareRoot()
        // δ(√v) = δv/(2√v)
        let error = v.error.map { factor * $0 / (2 * v.value.squareRoot()) }
        return scaleText + "—".padding(toLength: 20, withPad: " ", startingAt: 0)
            + context.fmt(sigmaRoot, error).padding(toLength: 20, withPad: " ", startingAt: 0) + "—"
    }

    /// Why a scan measured no point: the target's blocks are not pairs, or no
    /// setting gave a pair enough spacings.
    static func nothingToCollapse(_ blocks: [[Int]]) -> String {
        guard blocks.contains(where: { $0.count == 2 }) else {
            let names = blocks.map { "[\($0.first!)…\($0.last!)] (g=\($0.count))" }.joined(separator: " ")
            return "nothing to collapse: the target has no degenerate pair, only \(names); √π·σ above is each block's GOE width σ = √(2v) (see semicircle), ⟨S⟩ is a pair's"
        }
        return "nothing to collapse: no setting gave a pair enough spacings (see the rows above)"
    }

    /// The collapse of every scan of this model kind: ⟨S⟩ and √π·σ against the
    /// predicted scale, each fitted by a weighted line through the origin, with
    /// the figure. Says why when the line cannot be fitted (e.g. every scale 0).
    static func collapse(_ kind: ModelKind, context: CommandContext, into out: inout CommandOutput) {
        let series = context.workspace.scans.filter { $0.kind == kind }
        let all = series.flatMap(\.points)
        let xs = all.map(\.scale)
        let root = Double.pi.squareRoot()
        let theory = kind == .ts ? root : (2 * Double.pi).squareRoot()
        out.line("collapse over \(series.count) scan\(series.count == 1 ? "" : "s") (\(all.count) points):")
        let spacingFit: (slope: Estimate, chi2PerDof: Double), sigmaFit: (slope: Estimate, chi2PerDof: Double)
        do throws(FitError) {
            spacingFit = try LeastSquares.lineThroughOrigin(x: xs, y: all.map(\.meanSpacing.value), yErrors: all.map { max($0.meanSpacing.error ?? 1e-12, 1e-12) })
            sigmaFit = try LeastSquares.lineThroughOrigin(x: xs, y: all.map { root * $0.sigma.value },
                                                          yErrors: all.map { root * max($0.sigma.error ?? 1e-12, 1e-12) })
        } catch {
            let why = xs.allSatisfy { $0 == 0 } ? "every point's predicted scale is 0 (noise=0: the theory's scale √(αA/|B|) vanishes)" : error.message
            out.line("  no line fitted: \(why)")
            return
        }
        out.line("  ⟨S⟩  = a·scale, a_fit = \(context.fmt(spacingFit.slope.value, spacingFit.slope.error))  χ²/dof \(context.fmt(spacingFit.chi2PerDof))")
        out.line("  √π·σ = a·scale, a_fit = \(context.fmt(sigmaFit.slope.value, sigmaFit.slope.error))  χ²/dof \(context.fmt(sigmaFit.chi2PerDof))")
        out.line("  small-α/|B| theory slope \(kind == .ts ? "√π" : "√(2π)") = \(context.fmt(theory))")
        out.record(ResultRecord(command: "scan", quantity: "a_fit ⟨S⟩", estimate: spacingFit.slope, prediction: theory))
        out.record(ResultRecord(command: "scan", quantity: "a_fit √πσ", estimate: sigmaFit.slope, prediction: theory))
        let markers = Marker.allCases
        var layers = [Layer]()
        for (k, s) in series.enumerated() {
            layers.append(.points(Points(xs: s.points.map(\.scale), ys: s.points.map(\.meanSpacing.value),
                                         yErrors: s.points.map { $0.meanSpacing.error ?? 0 }, label: "⟨S⟩ \(s.label)", marker: markers[(2 * k) % 4])))
            layers.append(.points(Points(xs: s.points.map(\.scale), ys: s.points.map { root * $0.sigma.value },
                                         yErrors: s.points.map { root * ($0.sigma.error ?? 0) }, label: "√πσ \(s.label)", marker: markers[(2 * k + 1) % 4])))
        }
        let top = (xs.max() ?? 1) * 1.1
        layers.append(.line(Line(xs: [0, top], ys: [0, spacingFit.slope.value * top], label: "fit a = \(context.fmt(spacingFit.slope.value))")))
        layers.append(.line(Line(xs: [0, top], ys: [0, theory * top], label: "theory", style: .dashed)))
        out.figure("collapse", Figure(title: "Scaling collapse", x: Axis(kind == .ts ? "√(αA/|B|)" : "√((α/|B|)x*)"), y: Axis("⟨S⟩, √π·σ"), layers: layers))
    }

    /// This scan's s = S/⟨S⟩, pooled over pairs and settings, against the surmise.
    static func pooledSpacings(_ pooled: [Double], effective: Int, label: String, settings: Int, seed: UInt64,
                               context: CommandContext, into out: inout CommandOutput) {
        let surmise = WignerSurmise(beta: 1)
        let ks = KolmogorovSmirnov.testSpacings(pooled, law: surmise, replicas: 200, seed: seed,
                                                effectiveSize: effective < pooled.count ? effective : nil)
        let effectiveText = effective < pooled.count ? " (N_eff ≈ \(effective))" : ""
        out.line("s = S/⟨S⟩ of this scan, pooled: \(pooled.count) spacings\(effectiveText), Var(s) = \(context.fmt(Statistics.variance(pooled)))  surmise \(context.fmt(surmise.variance))  KS \(Analysis.ksText(ks, context))")
        let h = Histogram(freedmanDiaconis: pooled, range: 0...3.5)
        out.figure("spacing", Figure(
            title: "\(label): s = S/⟨S⟩ pooled over \(settings) settings (n = \(pooled.count))", x: Axis("s"), y: Axis("P(s)"),
            layers: [Analysis.histogramBars(h, label: "measured"),
                     .line(Line(function: surmise.pdf, over: 0...3.5, label: "Wigner surmise β=1"))]))
    }

    /// The RBM's non-universal mean shift λ_fit/κ of each pair against α/|B|.
    static func shiftFigure(_ all: [ScanPoint], into out: inout CommandOutput) {
        let markers = Marker.allCases
        var layers = [Layer]()
        for (k, pair) in Set(all.map(\.pair)).sorted(by: { $0[0] < $1[0] }).enumerated() {
            let p = all.filter { $0.pair == pair }
            layers.append(.points(Points(xs: p.map { $0.lr / Double($0.batch) }, ys: p.map { $0.shift ?? .nan },
                                         label: "pair [\(pair[0]),\(pair[1])]", marker: markers[k % 4])))
        }
        layers.append(.rule(Rule(.horizontal, at: 1, label: "no shift")))
        out.figure("shift", Figure(title: "Mean shift of the pairs", x: Axis("α/|B|"), y: Axis("λ_fit/κ"), layers: layers))
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
