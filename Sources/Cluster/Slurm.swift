// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A job's life on a Slurm cluster: submit its array, ask how its tasks
/// stand, resubmit the missing ones, cancel. Only `sbatch`, `squeue`,
/// `scontrol` and `scancel` are used; accounting (`sacct`) is not needed,
/// since a task's success is its verified shard file.
public struct Slurm: Sendable {
    public var runner: any CommandRunner
    /// Seconds to wait before each new try of a transient sbatch failure.
    public var retryDelays: [Double]
    /// How waiting is done (tests do not wait).
    public var sleep: @Sendable (Double) -> Void

    public init(runner: any CommandRunner = ProcessRunner(), retryDelays: [Double] = [5, 20, 60],
                sleep: @escaping @Sendable (Double) -> Void = { usleep(UInt32(min($0, 3600) * 1_000_000)) }) {
        self.runner = runner
        self.retryDelays = retryDelays
        self.sleep = sleep
    }

    /// Whether `sbatch` can be found (it may still fail to reach a controller).
    public static var isInstalled: Bool { ProcessRunner.find("sbatch") != nil }

    // MARK: Submitting

    /// Submits `tasks` of the job (nil: every task not done) as one array,
    /// throttled to `parallel` at once, and records the submission. A busy
    /// controller's transient errors are retried with back-off; since such
    /// an error may come after the job was accepted, the queue is searched
    /// for the job's name first, so a task array is never sent twice.
    ///
    /// Slurm accepts array indices below its MaxArraySize only (`scontrol
    /// show config`; 1001 when it cannot be read). Larger jobs go as several
    /// arrays of at most that many indices, each with the offset its tasks
    /// start at (`DYSON_TASK_OFFSET`, added by the script). With `parallel`,
    /// each array waits for the one before (`--dependency=afterany:`) so
    /// that no more than `parallel` tasks of the job run at once.
    @discardableResult
    public func submit(_ job: JobFolder, tasks: [Int]? = nil, parallel: Int? = nil) throws(ClusterError) -> [Submission] {
        let wanted = tasks ?? job.unfinishedTasks()
        guard !wanted.isEmpty else { throw ClusterError("every task of the job is done; nothing to submit", suggestion: "collect it") }
        guard wanted.allSatisfy({ (0..<job.taskCount).contains($0) }) else {
            throw ClusterError("the job has tasks 0…\(job.taskCount - 1), not \(TaskList.format(wanted.filter { !(0..<job.taskCount).contains($0) }))")
        }
        guard FileManager.default.fileExists(atPath: job.scriptPath) else {
            throw ClusterError("\(job.scriptPath) is missing", suggestion: "create the job again (its script is written with it)")
        }
        var history = try Submissions.read(job)
        var done = [Submission]()
        for chunk in Self.chunks(wanted, maxArraySize: maxArraySize()) {
            let after = parallel == nil ? nil : done.last?.arrayJob
            done.append(try submitArray(job, tasks: chunk.tasks, offset: chunk.offset, parallel: parallel, after: after, history: &history))
        }
        return done
    }

    /// Tasks grouped into arrays whose indices (task − offset) stay below
    /// `maxArraySize`: offsets are multiples of it.
    public static func chunks(_ tasks: [Int], maxArraySize: Int) -> [(offset: Int, tasks: [Int])] {
        let size = max(1, maxArraySize)
        var out = [(offset: Int, tasks: [Int])]()
        for t in Array(Set(tasks)).sorted() {
            let offset = (t / size) * size
            if out.last?.offset == offset { out[out.count - 1].tasks.append(t) } else { out.append((offset, [t])) }
        }
        return out
    }

    /// The cluster's MaxArraySize (`scontrol show config`), 1001 (Slurm's default) when it cannot be read.
    public func maxArraySize() -> Int {
        guard let r = runner.run("scontrol", ["show", "config"]), r.status == 0 else { return Self.defaultMaxArraySize }
        return Self.maxArraySize(config: r.stdout) ?? Self.defaultMaxArraySize
    }

    public static let defaultMaxArraySize = 1001

    /// "MaxArraySize            = 1001" in `scontrol show config` output.
    public static func maxArraySize(config text: String) -> Int? {
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            if f.count == 2, f[0] == "MaxArraySize", let v = Int(f[1]), v >= 1 { return v }
        }
        return nil
    }

    /// One sbatch of `tasks` as array indices task − offset.
    private func submitArray(_ job: JobFolder, tasks wanted: [Int], offset: Int, parallel: Int?, after: String?,
                             history: inout Submissions) throws(ClusterError) -> Submission {
        let known = Set(history.arrayJobs)
        var arguments = ["--parsable", "--array=" + TaskList.format(wanted.map { $0 - offset }) + (parallel.map { "%\($0)" } ?? "")]
        if offset > 0 { arguments.append("--export=ALL,DYSON_TASK_OFFSET=\(offset)") }
        if let after { arguments.append("--dependency=afterany:\(after)") }
        arguments.append(job.scriptPath)
        var lastError = ""
        for attempt in 0...retryDelays.count {
            if attempt > 0 {
                sleep(retryDelays[attempt - 1])
                if let adopted = queuedArray(named: SbatchScript.jobName(job), excluding: known) {
                    return try record(Submission(arrayJob: adopted, tasks: wanted, offset: offset), in: &history, job: job)
                }
            }
            guard let r = runner.run("sbatch", arguments) else {
                throw ClusterError("sbatch is not installed here", suggestion: "submit from a cluster's login node, or train locally")
            }
            if r.status == 0, let id = Sbatch.jobID(r.stdout) {
                return try record(Submission(arrayJob: id, tasks: wanted, offset: offset), in: &history, job: job)
            }
            lastError = r.message
            guard Sbatch.isTransient(r.stderr + r.stdout) else { break }
        }
        throw ClusterError("sbatch refused the job: \(lastError)", suggestion: Self.advice(for: lastError))
    }

    /// Resubmits the tasks that failed, were lost or never submitted (never
    /// those still queued or running, nor those done).
    @discardableResult
    public func resubmit(_ job: JobFolder, parallel: Int? = nil) throws(ClusterError) -> [Submission] {
        let report = try status(job)
        let tasks = report.toSubmit
        guard !tasks.isEmpty else {
            throw ClusterError("no task needs resubmitting (\(report.summary))", suggestion: report.isComplete ? "collect the job" : "wait for it")
        }
        return try submit(job, tasks: tasks, parallel: parallel)
    }

    private func record(_ s: Submission, in history: inout Submissions, job: JobFolder) throws(ClusterError) -> Submission {
        history.submissions.append(s)
        try history.write(job)
        return s
    }

    /// An array job named `name` in the queue that is not among `known`.
    func queuedArray(named name: String, excluding known: Set<String>) -> String? {
        guard let r = runner.run("squeue", ["--noheader", "--name=" + name, "--format=%F"]), r.status == 0 else { return nil }
        return r.stdout.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }.first { !$0.isEmpty && !known.contains($0) }
    }

    static func advice(for message: String) -> String {
        if message.contains("configuration source") || message.contains("Unable to contact slurm controller") {
            return "no Slurm controller answers here: submit from the cluster's login node (or set SLURM_CONF)"
        }
        if message.contains("partition") { return "check partition= (sinfo lists the partitions)" }
        if message.contains("account") { return "check account= (sacctmgr show assoc user=$USER lists yours)" }
        if message.contains("time") { return "check time= against the partition's limit (sinfo -o '%P %l')" }
        if message.contains("array") { return "the site may limit array sizes (scontrol show config | grep MaxArraySize): use fewer shards" }
        return "see the message above; the job script is job.sbatch in the job folder"
    }

    // MARK: Status

    /// Every task's status: its shard file, else what squeue and scontrol say
    /// about its latest submission.
    public func status(_ job: JobFolder, logLines: Int = 5) throws(ClusterError) -> JobReport {
        let history = try Submissions.read(job)
        let jobs = history.arrayJobs
        var queued = [SlurmTaskRecord](), ended = [SlurmTaskRecord](), problem: String?
        if !jobs.isEmpty {
            // Slurm first, then the files: a task that ends in between is then seen done.
            switch runner.run("squeue", Squeue.arguments(jobs: jobs)) {
            case nil: problem = "squeue is not installed here"
            case let r? where r.status == 0: queued = Squeue.parse(r.stdout)
            case let r? where r.stderr.contains("Invalid job id"): break  // none of them is known any more
            case let r?: problem = r.message.hasPrefix("squeue") ? r.message : "squeue: \(r.message)"
            }
            for id in jobs {
                guard let r = runner.run("scontrol", Scontrol.arguments(job: id)) else { break }
                if r.status == 0 { ended += Scontrol.parse(r.stdout) }
            }
        }
        return JobReport.evaluate(job: job, submissions: history, queued: queued, ended: ended, slurmError: problem, logLines: logLines)
    }

    // MARK: Cancelling

    /// Cancels the job's tasks that Slurm still queues or runs (`scancel`
    /// sends SIGTERM; a stopped task writes no shard). Returns the array
    /// jobs cancelled.
    @discardableResult
    public func cancel(_ job: JobFolder) throws(ClusterError) -> [String] {
        let report = try status(job)
        let history = try Submissions.read(job)
        var targets = [String]()
        for t in report.active { if let j = t.arrayJob, !targets.contains(j) { targets.append(j) } }
        for j in targets {
            let offset = history.offset(arrayJob: j)
            let indices = report.active.filter { $0.arrayJob == j }.map { $0.task - offset }
            guard let r = runner.run("scancel", ["\(j)_[\(TaskList.format(indices))]"]) else {
                throw ClusterError("scancel is not installed here")
            }
            guard r.status == 0 else { throw ClusterError("scancel \(j) failed: \(r.message)") }
        }
        return targets
    }
}
