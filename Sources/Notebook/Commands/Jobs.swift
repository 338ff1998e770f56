// SPDX-License-Identifier: GPL-3.0-or-later
import Cluster
import Foundation
import Learning

/// Where a session's cluster jobs live: `jobs/NAME/` in the note's folder
/// (the working folder when there is no note). Everything about a job is in
/// its folder, so a later session finds it there and collects it.
enum JobPlace {
    static func root(_ context: CommandContext) throws(NotebookError) -> String {
        if let note = context.notePath, !context.confined {
            return URL(fileURLWithPath: note).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("jobs").path
        }
        // A replayed note writes only into its scratch folder: the job folders
        // beside the note are copied there (regular files only, links and
        // devices left behind), so finished shards are reused and the rest is
        // trained in the scratch copy, never beside the note.
        let target = try context.resolve("jobs", for: "submit")
        if target.destination != target.path {
            copyRegularFiles(from: target.path, to: target.destination)
        }
        return target.destination
    }

    /// Copies the regular files below `source` (folders recreated) to `target`
    /// unless `target` exists already; symbolic links and special files are skipped.
    static func copyRegularFiles(from source: String, to target: String) {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue, !fm.fileExists(atPath: target),
              (try? fm.attributesOfItem(atPath: source)[.type] as? FileAttributeType) == .typeDirectory else { return }
        try? fm.createDirectory(atPath: target, withIntermediateDirectories: true)
        guard let names = try? fm.subpathsOfDirectory(atPath: source) else { return }
        for name in names.sorted() {
            let from = source + "/" + name, to = target + "/" + name
            switch (try? fm.attributesOfItem(atPath: from)[.type] as? FileAttributeType) ?? nil {
            case .typeDirectory?: try? fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            case .typeRegular?: try? fm.copyItem(atPath: from, toPath: to)
            default: continue
            }
        }
    }

    /// A job name is a word that can be a folder name.
    static func check(name: String) throws(NotebookError) {
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }), !name.hasPrefix(".") else {
            throw NotebookError("'\(name)' cannot name a job", suggestion: "use letters, digits, '_', '-' and '.', e.g. as=rbm-big")
        }
    }

    /// The session's jobs, oldest first (by the manifest's time).
    static func all(_ context: CommandContext) throws(NotebookError) -> [(name: String, job: JobFolder)] {
        let root = try root(context)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var jobs = [(name: String, job: JobFolder, date: Date)]()
        for name in names {
            guard let job = try? JobFolder.open(root + "/" + name, version: Notebook.version) else { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: job.manifestPath)
            jobs.append((name, job, attributes?[.modificationDate] as? Date ?? .distantPast))
        }
        return jobs.sorted { ($0.date, $0.name) < ($1.date, $1.name) }.map { ($0.name, $0.job) }
    }

    /// The job named `name`, or the newest one.
    static func find(_ name: String?, _ context: CommandContext) throws(NotebookError) -> (name: String, job: JobFolder) {
        if let name {
            try check(name: name)
            let path = try root(context) + "/" + name
            do { return (name, try JobFolder.open(path, version: Notebook.version)) } catch {
                let known = (try? all(context).map(\.name)) ?? []
                let hint = closest(name, among: known).map { "did you mean job=\($0)?" }
                    ?? (known.isEmpty ? "submit one first (submit … as=NAME)" : "jobs: " + known.joined(separator: ", "))
                throw NotebookError(FileManager.default.fileExists(atPath: path) ? error.message : "there is no job named '\(name)'", suggestion: hint)
            }
        }
        guard let newest = try all(context).last else {
            throw NotebookError("there is no cluster job yet", suggestion: "submit one: submit lr=0.01 batch=16 steps=1e5 runs=1000 as=NAME")
        }
        return newest
    }

    /// The dyson executable the tasks run (`DYSON_EXECUTABLE` overrides it).
    static var executable: String {
        if let given = ProcessInfo.processInfo.environment["DYSON_EXECUTABLE"] { return given }
        #if os(Linux)
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        #else
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
    }

    static func error(_ e: ClusterError) -> NotebookError { NotebookError(e.message, suggestion: e.suggestion) }

    /// The job's name: `given` (checked), else `prefix` and its content hash's first 12 digits.
    static func name(_ given: String?, manifest: JobManifest, prefix: String = "job-") throws(NotebookError) -> String {
        let hash = SHA256.hex(SHA256.hash([UInt8]((try? manifest.encoded()) ?? Data())))
        let name = given ?? prefix + hash.prefix(12)
        try check(name: name)
        return name
    }

    /// Creates the job folder `jobs/NAME` (or reuses the one holding the same
    /// manifest), writes its script and submits the tasks without a shard,
    /// with the cluster options of `args` over the settings file. A replay
    /// (confined) submits nothing: `wait` then trains the missing tasks here.
    static func submit(_ manifest: JobManifest, name: String, named: Bool, args: Arguments, context: CommandContext,
                       into out: inout CommandOutput) throws(NotebookError) {
        let job: JobFolder
        let folder = try root(context) + "/" + name
        do { job = try JobFolder.create(at: folder, manifest: manifest) } catch {
            throw NotebookError(error.message, suggestion: named ? "name the job differently (as=…)" : error.suggestion)
        }
        out.remark("job folder \(job.path), content hash \(job.contentHash)")
        let done = job.taskCount - job.unfinishedTasks().count
        if done == job.taskCount {
            out.line("every task is already done: wait job=\(name) collects the result")
            return
        }
        if let report = reattached(job, context) {
            out.line("reattached to job \(name), submitted before: \(report.summary)")
            out.remark("jobs shows how it stands; wait job=\(name) collects it")
            return
        }
        if context.confined {
            out.remark("replaying: not submitted; wait job=\(name) trains the tasks without a shard here (those present are reused)")
            return
        }
        let given = Dictionary(uniqueKeysWithValues: ClusterSettings.keys.compactMap { key -> (String, String)? in
            if let w = args.word(key) { return (key, w) }
            if let i = args.integer(key) { return (key, "\(i)") }
            return nil
        })
        let options = try ClusterSettings.load().options(given: given)
        do {
            try SbatchScript.write(job: job, options: options, dyson: executable)
            let submissions = try Slurm().submit(job, parallel: options.parallel)
            out.remark(describe(submissions) + (done > 0 ? " (\(done) already done)" : ""))
        } catch {
            throw NotebookError(error.message, suggestion: error.suggestion)
        }
        out.remark("wait job=\(name) collects the result when the tasks are done; jobs shows how they stand")
    }

    /// A job that a note loaded into a live session (not a replay) submitted
    /// earlier, as Slurm now reports it: loading the note reattaches to it
    /// instead of submitting or training again. nil for a replay (which never
    /// asks Slurm: it reuses the shards present and trains the rest here), and
    /// for a job that was never submitted.
    static func reattached(_ job: JobFolder, _ context: CommandContext) -> JobReport? {
        guard context.confined, context.frame.sandbox.scratch == nil,
              let history = try? Submissions.read(job), !history.submissions.isEmpty else { return nil }
        return try? Slurm().status(job)
    }

    /// "submitted as Slurm array job 12, tasks 0-9", or several arrays (beyond MaxArraySize).
    static func describe(_ submissions: [Submission]) -> String {
        let parts = submissions.map { "\($0.arrayJob) (tasks \($0.tasks))" }
        return submissions.count == 1
            ? "submitted as Slurm array job \(submissions[0].arrayJob), tasks \(submissions[0].tasks)"
            : "submitted as \(submissions.count) Slurm array jobs (the cluster's MaxArraySize bounds each): " + parts.joined(separator: ", ")
    }
}

/// `submit lr=… batch=… steps=… runs=… shards=… partition=… time=… cpus=… parallel=… account=… sbatch=… as=NAME`
public enum SubmitCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "submit",
        summary: "train on a Slurm cluster: the runs as a job array of shards, merged by wait into the result a local train gives, bit for bit",
        parameters: [
            ParameterSpec("lr", .real(1e-12...100), default: "0.01", help: "learning rate α (dt for dbm)"),
            ParameterSpec("batch", .integer(1...1_000_000), default: "16", help: "mini-batch size |B|"),
            ParameterSpec("steps", .integer(1...1_000_000_000), default: "1e4", help: "SGD updates per run"),
            ParameterSpec("runs", .integer(1...10_000_000), help: "independent runs (default as for train)"),
            ParameterSpec("every", .integer(1...1_000_000_000), help: "snapshot interval in steps (default steps/50)"),
            ParameterSpec("as", .text, help: "name of the job (its folder jobs/NAME) and of its result"),
            ParameterSpec("shards", .integer(1...100_000), help: "array tasks (default: about 20 minutes of work each, from a short timing run)"),
            ParameterSpec("partition", .text, help: "Slurm partition (default: settings file, else the site's)"),
            ParameterSpec("account", .text, help: "Slurm account to charge"),
            ParameterSpec("time", .text, help: "wall time per task: minutes, HH:MM:SS or D-HH:MM"),
            ParameterSpec("cpus", .integer(1...4096), help: "CPUs per task (threads; default 1)"),
            ParameterSpec("parallel", .integer(1...100_000), help: "at most this many tasks at once"),
            ParameterSpec("sbatch", .text, help: "further sbatch options, e.g. sbatch=\"--mem=4G --qos=long\""),
        ],
        examples: ["submit lr=0.01 batch=16 steps=1e5 runs=7500 shards=50 time=30 as=rbm-paper", "submit steps=1e6 runs=3000 partition=compute parallel=20"],
        usesSeed: true)

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let model = context.workspace.model else {
            throw NotebookError("there is no model to train", suggestion: "set one first, e.g. model rbm n=10")
        }
        var out = CommandOutput()
        let runs = args.integer("runs") ?? TrainCommand.defaultRuns(for: model)
        if args.integer("runs") == nil { out.recordedParameters["runs"] = "\(runs)" }
        let config = TrainingConfig(lr: args.real("lr")!, batch: args.integer("batch")!, steps: args.integer("steps")!,
                                    runs: runs, seed: seed, every: args.integer("every"))
        // What one task holds must fit; the whole ensemble never is in one process.
        let shards: Int
        if let given = args.integer("shards") {
            shards = given
        } else {
            let estimate = try estimateShards(model: model, config: config, cpus: args.integer("cpus") ?? 1, context: context)
            shards = estimate.shards
            out.recordedParameters["shards"] = "\(shards)"
            out.remark("a timing run here: ≈ \(Format.duration(estimate.secondsPerTask)) of work per task on \(args.integer("cpus") ?? 1) CPU\(args.integer("cpus") ?? 1 == 1 ? "" : "s") like this machine's")
        }
        let manifest: JobManifest
        do { manifest = try JobManifest(dysonVersion: Notebook.version, model: model, config: config, shards: shards) } catch {
            throw JobPlace.error(error)
        }
        var largest = config
        largest.runs = manifest.parts[0].shards.map(\.count).max() ?? 1
        do { try Trainer.check(model: model, config: largest) } catch { throw TrainCommand.notebookError(error) }

        let sizes = Set(manifest.parts[0].shards.map(\.count)).sorted()
        let name = try JobPlace.name(args.word("as"), manifest: manifest)
        out.line("job \(name): \(model.summary)")
        out.line("\(runs) runs × \(config.steps) steps in \(shards) task\(shards == 1 ? "" : "s") of \(sizes.map(String.init).joined(separator: "–")) runs, seed=\(seed)")
        try JobPlace.submit(manifest, name: name, named: args.word("as") != nil, args: args, context: context, into: &out)
        return out
    }

    /// About 20 minutes of work per task, from timing a few steps of one run
    /// here (at least one task; never more tasks than runs, nor than 1000).
    static func estimateShards(model: any LearningModel, config: TrainingConfig, cpus: Int,
                               context: CommandContext) throws(NotebookError) -> (shards: Int, secondsPerTask: Double) {
        let perRunStep = try secondsPerRunStep(model: model, config: config, context: context)
        let total = perRunStep * Double(config.runs) * Double(config.steps) / Double(max(1, cpus))
        let shards = max(1, min(config.runs, 1000, Int((total / 1200).rounded(.up))))
        return (shards, total / Double(shards))
    }

    /// Seconds per run-step on one thread, from training a few runs for a few steps here.
    static func secondsPerRunStep(model: any LearningModel, config: TrainingConfig, context: CommandContext) throws(NotebookError) -> Double {
        // A few runs: models that step several runs together cost as much for one.
        var probe = config
        probe.runs = min(config.runs, 8)
        probe.steps = min(config.steps, 500)
        probe.every = probe.steps
        probe.threads = 1
        let timed: TrainingResult
        do { timed = try Trainer.train(model: model, config: probe, cancel: context.cancel) } catch { throw TrainCommand.notebookError(error) }
        return timed.seconds / Double(max(1, probe.steps * probe.runs))
    }
}

/// `wait [job=NAME] [as=NAME] [local=yes]`: collect a job into the workspace.
public enum WaitCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "wait",
        summary: "wait until a cluster job's tasks are done, then merge them into a result, like train (Ctrl-C stops only the waiting)",
        parameters: [
            ParameterSpec("job", .text, help: "the job (default: the newest)"),
            ParameterSpec("as", .text, help: "keep the result under this name (default: the job's name)"),
            ParameterSpec("local", .choice(["no", "yes"]), default: "no", help: "yes: train the tasks without a shard here instead of on the cluster"),
        ],
        examples: ["wait", "wait job=rbm-paper", "wait job=rbm-paper local=yes"])

    /// Seconds between two looks at Slurm.
    static let pollInterval = 3.0

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (name, job) = try JobPlace.find(args.word("job"), context)
        var out = CommandOutput()
        out.recordedParameters["job"] = name
        context.cancel.reset()
        // A note loaded into a live session asks Slurm once and does not block
        // on a job still running: it stays in jobs.
        let reattached = args.word("local") == "yes" ? nil : JobPlace.reattached(job, context)
        if let report = reattached, !report.isComplete {
            var out = CommandOutput()
            out.line("job \(name) is not done yet (\(report.summary)); it goes on, jobs shows it, and wait job=\(name) collects it")
            out.journaled = false
            return out
        }
        if reattached != nil {
            context.progress?.finish()  // done on the cluster: collected below
        } else if context.confined || args.word("local") == "yes" {
            if args.word("local") != "yes" { try refuseLongLocalTraining(job, name: name, context: context) }
            try trainHere(job, context: context)
        } else {
            let slurm = Slurm()
            while true {
                let report: JobReport
                do { report = try slurm.status(job) } catch { throw JobPlace.error(error) }
                if report.isComplete { break }
                if report.active.isEmpty {
                    context.progress?.finish()
                    throw NotebookError("job \(name): \(report.summary); nothing is queued or running. " + failureSummary(report),
                                        suggestion: "resubmit job=\(name) sends the missing tasks again (or wait job=\(name) local=yes trains them here)")
                }
                context.progress?.update(label: "wait", fraction: Double(report.done) / Double(max(1, job.taskCount)), detail: report.summary)
                if sleepUnlessCancelled(pollInterval, context.cancel) {
                    context.progress?.finish()
                    var stopped = CommandOutput()
                    stopped.line("stopped waiting: \(report.summary); the job goes on, and wait job=\(name) collects it later")
                    stopped.journaled = false
                    return stopped
                }
            }
            context.progress?.finish()
        }
        if job.manifest.command != nil {
            var scan = try ScanCommand.collect(job, name: name, context: context)
            scan.recordedParameters["job"] = name
            return scan
        }
        let result: TrainingResult
        do { result = try job.merge() } catch { throw JobPlace.error(error) }
        let resultName = args.word("as") ?? name
        context.workspace.last = result
        context.workspace.lastName = resultName
        context.workspace.named[resultName] = result
        TrainCommand.describe(result, model: result.model, config: result.config, seed: "seed=\(result.config.seed)", into: &out, context: context)
        out.remark("collected from \(job.taskCount) shard\(job.taskCount == 1 ? "" : "s") of job \(name) (\(job.contentHash.prefix(12))); kept as \(resultName)")
        return out
    }

    /// Work a replay may do here without being asked (local=yes asks).
    static let localLimit = 3600.0

    /// A replay whose job folder lacks shards trains them here; when that
    /// would take longer than ``localLimit`` (from a short timing run, on this
    /// machine's cores) it says how long and how to avoid it instead.
    static func refuseLongLocalTraining(_ job: JobFolder, name: String, context: CommandContext) throws(NotebookError) {
        let missing = job.unfinishedTasks()
        guard !missing.isEmpty else { return }
        var runSteps = 0.0
        for task in missing {
            guard let (part, runs) = try? job.manifest.locate(task) else { continue }
            runSteps += Double(runs.count) * Double(job.manifest.parts[part].config.steps)
        }
        guard let part = job.manifest.parts.first, let model = try? part.buildModel() else { return }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let perRunStep = try SubmitCommand.secondsPerRunStep(model: model, config: part.config, context: context)
        let seconds = perRunStep * runSteps / Double(cores)
        guard seconds > localLimit else { return }
        throw NotebookError("job \(name) has \(missing.count) of \(job.taskCount) tasks without a shard here; training them on this machine's \(cores) cores would take about \(Format.duration(seconds)) (from a short timing run)",
                            suggestion: "put the job's finished folder jobs/\(name) beside the note (its shards are reused), or run the note's submission on a cluster (on=slurm); wait job=\(name) local=yes trains here anyway")
    }

    /// Trains, here, every task without a verified shard (a replay, or a
    /// cluster that is gone): the same runs, so the same result.
    static func trainHere(_ job: JobFolder, context: CommandContext) throws(NotebookError) {
        for task in job.unfinishedTasks() {
            let outcome: ShardRunner.Outcome
            do {
                outcome = try ShardRunner.run(folder: job.path, task: task, version: Notebook.version, threads: nil, progress: { p in
                    context.progress?.update(label: "wait", fraction: p.fraction, detail: "task \(task) of \(job.taskCount) here")
                }, cancel: context.cancel)
            } catch {
                context.progress?.finish()
                throw JobPlace.error(error)
            }
            if outcome == .cancelled {
                context.progress?.finish()
                throw NotebookError("interrupted while training task \(task) here; the tasks done so far are kept",
                                    suggestion: "wait again to go on")
            }
        }
        context.progress?.finish()
    }

    /// The failed tasks in one line (an error message has one): the first
    /// few, each with its reason and the last line of its log.
    static func failureSummary(_ report: JobReport, limit: Int = 3) -> String {
        let failed = report.failed
        var parts = [String]()
        for t in failed.prefix(limit) {
            guard case .failed(let why) = t.status else { continue }
            parts.append("task \(t.task): \(why)" + (t.logTail.last.map { ", its log ends '\($0)'" } ?? ""))
        }
        if failed.count > limit { parts.append("\(failed.count - limit) more (jobs lists them)") }
        return parts.joined(separator: "; ")
    }

    /// Failed tasks, each with its reason and the end of its log.
    static func failures(_ report: JobReport) -> String {
        var lines = [String]()
        for t in report.tasks {
            guard case .failed(let why) = t.status else { continue }
            lines.append("  task \(t.task)\(t.arrayJob.map { " (array job \($0))" } ?? ""): \(why)")
            for l in t.logTail { lines.append("    | " + l) }
        }
        return lines.joined(separator: "\n")
    }

    /// Sleeps `seconds` in short slices; true if `cancel` was raised meanwhile.
    static func sleepUnlessCancelled(_ seconds: Double, _ cancel: CancellationFlag) -> Bool {
        var left = seconds
        while left > 0 {
            if cancel.isCancelled { return true }
            usleep(100_000)
            left -= 0.1
        }
        return cancel.isCancelled
    }
}

/// `jobs`: the session's cluster jobs and how their tasks stand.
public enum JobsCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "jobs", summary: "list the cluster jobs (in jobs/ beside the note) and how their tasks stand",
        examples: ["jobs"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        out.journaled = false
        let jobs = try JobPlace.all(context)
        guard !jobs.isEmpty else {
            out.line("no cluster jobs in \(try JobPlace.root(context))")
            return out
        }
        let slurm = Slurm()
        var table = TextTable([.init("job", .left), .init("trains", .left), .init("tasks"), .init("progress", .left), .init("state", .left)])
        var failed = [String]()
        for (name, job) in jobs {
            let state: String, bar: String
            do {
                let report = try slurm.status(job)
                state = report.summary
                bar = report.bar()
                let f = WaitCommand.failures(report)
                if !f.isEmpty { failed.append("\(name):\n" + f) }
            } catch {
                state = error.message
                bar = ""
            }
            table.append([name, Self.trains(job.manifest), "\(job.taskCount)", bar, state])
        }
        out.lines += table.lines
        out.line("progress: █ done  ▓ running  ░ pending  ✗ failed  · not submitted or unknown")
        out.lines += failed
        return out
    }
}

extension JobsCommand {
    /// What a job trains: "7500 × 100000" (runs × steps), or for a scan
    /// "scan: 12 settings × 1000 × 10000".
    static func trains(_ m: JobManifest) -> String {
        guard let p = m.parts.first else { return "" }
        let each = "\(p.config.runs) × \(p.config.steps)"
        return m.command == nil ? each : "scan: \(m.parts.count) settings × \(each)"
    }

}

/// `cancel [job=NAME]`: scancel what a job still queues or runs.
public enum CancelCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "cancel", summary: "cancel a cluster job's queued and running tasks (scancel); finished shards are kept",
        parameters: [ParameterSpec("job", .text, help: "the job (default: the newest)")],
        examples: ["cancel job=rbm-paper"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (name, job) = try JobPlace.find(args.word("job"), context)
        var out = CommandOutput()
        out.journaled = false
        do {
            let arrays = try Slurm().cancel(job)
            out.line(arrays.isEmpty ? "job \(name) has nothing queued or running" : "cancelled array job\(arrays.count == 1 ? "" : "s") \(arrays.joined(separator: ", ")) of job \(name); resubmit job=\(name) sends the tasks without a shard again")
        } catch {
            throw JobPlace.error(error)
        }
        return out
    }
}

/// `resubmit [job=NAME] [parallel=N]`: send the failed, lost or cancelled tasks again.
public enum ResubmitCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "resubmit", summary: "submit again only the tasks of a cluster job that failed, were lost or cancelled (sbatch --array=3,7 …)",
        parameters: [
            ParameterSpec("job", .text, help: "the job (default: the newest)"),
            ParameterSpec("parallel", .integer(1...100_000), help: "at most this many tasks at once (default: settings file)"),
        ],
        examples: ["resubmit job=rbm-paper", "resubmit parallel=10"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (name, job) = try JobPlace.find(args.word("job"), context)
        var out = CommandOutput()
        out.journaled = false
        let settings = try ClusterSettings.load()
        var parallel = args.integer("parallel")
        if parallel == nil { parallel = try settings.options(given: [:]).parallel }
        do {
            let s = try Slurm().resubmit(job, parallel: parallel)
            out.line("job \(name): " + JobPlace.describe(s).replacingOccurrences(of: "submitted as", with: "submitted again as"))
        } catch {
            throw JobPlace.error(error)
        }
        return out
    }
}
