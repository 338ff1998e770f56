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
    @discardableResult
    public func submit(_ job: JobFolder, tasks: [Int]? = nil, parallel: Int? = nil) throws(ClusterError) -> Submission {
        let wanted = tasks ?? job.unfinishedTasks()
        guard !wanted.isEmpty else { throw ClusterError("every task of the job is done; nothing to submit", suggestion: "collect it") }
        guard wanted.allSatisfy({ (0..<job.taskCount).contains($0) }) else {
            throw ClusterError("the job has tasks 0…\(job.taskCount - 1), not \(TaskList.format(wanted.filter { !(0..<job.taskCount).contains($0) }))")
        }
        guard FileManager.default.fileExists(atPath: job.scriptPath) else {
            throw ClusterError("\(job.scriptPath) is missing", suggestion: "create the job again (its script is written with it)")
        }
        var history = try Submissions.read(job)
        let known = Set(history.arrayJobs)
        let array = "--array=" + TaskList.format(wanted) + (parallel.map { "%\($0)" } ?? "")
        var lastError = ""
        for attempt in 0...retryDelays.count {
            if attempt > 0 {
                sleep(retryDelays[attempt - 1])
                if let adopted = queuedArray(named: SbatchScript.jobName(job), excluding: known) {
                    return try record(Submission(arrayJob: adopted, tasks: wanted), in: &history, job: job)
                }
            }
            guard let r = runner.run("sbatch", ["--parsable", array, job.scriptPath]) else {
                throw ClusterError("sbatch is not installed here", suggestion: "submit from a cluster's login node, or train locally")
            }
            if r.status == 0, let id = Sbatch.jobID(r.stdout) {
                return try record(Submission(arrayJob: id, tasks: wanted), in: &history, job: job)
            }
            lastError = r.message
            guard Sbatch.isTransient(r.stderr + r.stdout) else { break }
        }
        throw ClusterError("sbatch refused the job: \(lastError)", suggestion: Self.advice(for: lastError))
    }

    /// Resubmits the tasks that failed, were lost or never submitted (never
    /// those still queued or running, nor those done).
    @discardableResult
    public func resubmit(_ job: JobFolder, parallel: Int? = nil) throws(ClusterError) -> Submission {
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
        var targets = [String]()
        for t in report.active { if let j = t.arrayJob, !targets.contains(j) { targets.append(j) } }
        for j in targets {
            let tasks = report.active.filter { $0.arrayJob == j }.map(\.task)
            guard let r = runner.run("scancel", ["\(j)_[\(TaskList.format(tasks))]"]) else {
                throw ClusterError("scancel is not installed here")
            }
            guard r.status == 0 else { throw ClusterError("scancel \(j) failed: \(r.message)") }
        }
        return targets
    }
}
