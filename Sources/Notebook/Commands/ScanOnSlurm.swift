// SPDX-License-Identifier: GPL-3.0-or-later
import Cluster
import Foundation
import Learning

/// `scan … on=slurm`: every setting's runs as one Slurm job array, and `wait`
/// analysing the merged settings exactly as a local scan does.
extension ScanCommand {
    /// Parameters that say where and how the scan runs, not what it measures:
    /// left out of the command a scan job records.
    static let placement: Set<String> = Set(["on", "seed", "as"] + TrainCommand.clusterParameters.map(\.name))

    /// One job for the whole scan: a part per setting, `shards=` tasks each,
    /// array tasks numbered setting by setting, so that `parallel=` throttles
    /// the scan as a whole. The manifest keeps the scan's command (with its
    /// label) so that `wait` prints the table, collapse and figures a local
    /// scan prints, from the same runs.
    static func submit(_ plan: ScanPlan, args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        guard let firstSetting = plan.settings.first else {
            throw NotebookError("the scan has no settings to submit", suggestion: "give lr= and batch= values")
        }
        if args.integer("runs") == nil { out.recordedParameters["runs"] = "\(plan.runs)" }
        out.recordedParameters["as"] = plan.label
        let cpus = args.integer("cpus") ?? 1
        let shards: Int
        if let given = args.integer("shards") {
            shards = given
        } else {
            let estimate = try SubmitCommand.estimateShards(model: firstSetting.model, config: firstSetting.config, cpus: cpus, context: context)
            shards = estimate.shards
            out.recordedParameters["shards"] = "\(shards)"
            out.remark("a timing run of setting \(firstSetting.number) here: ≈ \(Format.duration(estimate.secondsPerTask)) of work per task on \(cpus) CPU\(cpus == 1 ? "" : "s") like this machine's")
        }
        var parts = [JobPart]()
        do {
            let ranges = try JobManifest.split(runs: plan.runs, into: shards)
            for s in plan.settings { parts.append(try JobPart(setting: s.number, model: s.model, config: s.config, ranges: ranges)) }
        } catch {
            throw JobPlace.error(error)
        }
        // What one task holds must fit.
        var largest = firstSetting.config
        largest.runs = parts[0].shards.map(\.count).max() ?? 1
        for s in plan.settings {
            largest.lr = s.config.lr
            largest.batch = s.config.batch
            do { try Trainer.check(model: s.model, config: largest) } catch { throw refusal(error, setting: s.number) }
        }
        var arguments = args.raw.arguments.filter { !placement.contains($0.key.lowercased()) }
        arguments.append(("as", plan.label))
        let command = Notebook.canonical(RawCommand(name: "scan", positional: args.raw.positional, arguments: arguments, comment: nil))
        let manifest: JobManifest
        do { manifest = try JobManifest(dysonVersion: Notebook.version, parts: parts, command: command) } catch { throw JobPlace.error(error) }
        let given = args.word("as").flatMap { (try? JobPlace.check(name: $0)) == nil ? nil : $0 }
        let name = try JobPlace.name(given, manifest: manifest, prefix: "scan-")
        let sizes = Set(parts[0].shards.map(\.count)).sorted().map(String.init).joined(separator: "–")
        out.line("job \(name): scan '\(plan.label)' of \(firstSetting.model.summary)")
        out.line("settings \(plan.first)…\(plan.last): \(plan.total) × \(plan.runs) runs × \(firstSetting.config.steps) steps in \(manifest.taskCount) task\(manifest.taskCount == 1 ? "" : "s") (\(shards) per setting, of \(sizes) runs), seed=\(seed)")
        try JobPlace.submit(manifest, name: name, named: given != nil, args: args, context: context, into: &out)
        return out
    }

    /// A finished scan job analysed as `scan` analyses its settings: the
    /// same table, collapse and pooled spacings, bit for bit, since every
    /// setting's merged runs equal those trained here.
    static func collect(_ job: JobFolder, name: String, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let command = job.manifest.command, let first = job.manifest.parts.first else {
            throw NotebookError("job \(name) is not a scan", suggestion: "wait job=\(name) collects it as a training")
        }
        let args: Arguments
        do throws(NotebookError) {
            guard case .command(let raw) = try Lexer.parse(command), raw.name == "scan" else {
                throw NotebookError("'\(command)' is not a scan")
            }
            args = try spec.bind(raw)
        } catch {
            throw NotebookError("job \(name) records a scan this dyson cannot read: \(error.message)", suggestion: "submit the scan again")
        }
        // Setting k trained with the scan's seed + k.
        let seed = first.config.seed &- UInt64(first.setting ?? 1)
        let plan = try ScanPlan(job: job, label: args.word("as") ?? name, runs: first.config.runs)
        var tally = ScanTally()
        for (p, setting) in plan.settings.enumerated() {
            let result: TrainingResult
            do { result = try job.merge(part: p) } catch { throw JobPlace.error(error) }
            tally.add(setting, result: result, args: args, context: context)
        }
        var out = conclude(tally, plan: plan, seed: seed, context: context)
        out.remark("collected from \(job.taskCount) shard\(job.taskCount == 1 ? "" : "s") of job \(name) (\(job.contentHash.prefix(12))): \(plan.total) settings")
        return out
    }
}

extension ScanPlan {
    /// A scan job's plan: its settings from the job's parts.
    init(job: JobFolder, label: String, runs: Int) throws(NotebookError) {
        var settings = [Setting]()
        for (p, part) in job.manifest.parts.enumerated() {
            let model: any LearningModel
            do { model = try part.buildModel() } catch { throw JobPlace.error(error) }
            settings.append(Setting(number: part.setting ?? p + 1, model: model, config: part.config))
        }
        guard let model = settings.first?.model else { throw NotebookError("the scan job has no settings", suggestion: "submit the scan again") }
        kind = model.kind
        blocks = model.target.blocks
        self.runs = runs
        first = settings.first?.number ?? 1
        last = settings.last?.number ?? 1
        self.label = label
        self.settings = settings
    }
}
