// SPDX-License-Identifier: GPL-3.0-or-later

/// What Slurm says about one array task.
public struct SlurmTaskRecord: Sendable, Equatable {
    /// The array's job id (`%F`, `ArrayJobId`): what sbatch printed.
    public let arrayJob: String
    public let task: Int
    /// Slurm's state name: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …
    public let state: String
    /// Slurm's reason (pending: why it waits; ended: why it ended), nil for "None".
    public let reason: String?
    /// "status:signal" as scontrol prints it (3:0 = exit status 3; 0:15 = killed by SIGTERM).
    public let exitCode: String?

    public init(arrayJob: String, task: Int, state: String, reason: String? = nil, exitCode: String? = nil) {
        self.arrayJob = arrayJob
        self.task = task
        self.state = state
        self.reason = reason == "None" || reason == "(null)" || reason?.isEmpty == true ? nil : reason
        self.exitCode = exitCode
    }
}

/// Slurm's job states, sorted by what they mean for a task that has not
/// written its shard (squeue(1), "JOB STATE CODES").
public enum SlurmState {
    /// Waiting to start (or to start again).
    public static let waiting: Set<String> = ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT", "CONFIGURING"]
    /// Started and not ended.
    public static let active: Set<String> = ["RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING", "SUSPENDED", "STOPPED"]
    /// Ended without success.
    public static let failed: Set<String> = ["FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED"]
}

/// Reads `squeue` output in the format dyson asks for.
public enum Squeue {
    /// Array job id, task id, state, reason: one line per task with `-r`.
    public static let format = "%F|%K|%T|%r"

    /// The arguments that list the tasks of `jobs`, one line each.
    public static func arguments(jobs: [String]) -> [String] {
        ["--noheader", "--array", "--jobs=" + jobs.joined(separator: ","), "--format=" + format]
    }

    /// Tasks listed by `squeue --noheader --array --format='%F|%K|%T|%r'`.
    /// A task field that is still a range ("[2-5%2]", without `--array`)
    /// yields one record per task. Lines that do not fit are skipped.
    public static func parse(_ text: String) -> [SlurmTaskRecord] {
        var out = [SlurmTaskRecord]()
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard f.count == 4, !f[0].isEmpty, f[0].allSatisfy(\.isNumber), let tasks = TaskList.parse(Substring(f[1])) else { continue }
            for t in tasks { out.append(SlurmTaskRecord(arrayJob: f[0], task: t, state: f[2], reason: f[3])) }
        }
        return out
    }
}

/// Reads `scontrol --oneliner show job` output: one record per line, each
/// a run of `Key=Value` fields. Finished tasks stay listed for the
/// controller's MinJobAge (300 s by default), pending tasks of an array
/// that have not started are one record whose ArrayTaskId is a range.
public enum Scontrol {
    public static func arguments(job: String) -> [String] { ["--oneliner", "show", "job", job] }

    /// Each record's fields. A word without "=" continues the previous value
    /// (values such as paths may hold spaces).
    public static func records(_ text: String) -> [[String: String]] {
        var out = [[String: String]]()
        for line in text.split(whereSeparator: \.isNewline) {
            var record = [String: String](), last: String?
            for word in line.split(separator: " ", omittingEmptySubsequences: true) {
                if let eq = word.firstIndex(of: "="), eq != word.startIndex,
                   word[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || ":/_".contains($0) }) {
                    let key = String(word[..<eq])
                    record[key] = String(word[word.index(after: eq)...])
                    last = key
                } else if let last {
                    record[last, default: ""] += " " + word
                }
            }
            if !record.isEmpty { out.append(record) }
        }
        return out
    }

    /// The array tasks in `scontrol --oneliner show job` output (records of
    /// jobs that are not array tasks are skipped).
    public static func parse(_ text: String) -> [SlurmTaskRecord] {
        var out = [SlurmTaskRecord]()
        for r in records(text) {
            guard let job = r["ArrayJobId"], let ids = r["ArrayTaskId"], let state = r["JobState"],
                  let tasks = TaskList.parse(Substring(ids)) else { continue }
            for t in tasks { out.append(SlurmTaskRecord(arrayJob: job, task: t, state: state, reason: r["Reason"], exitCode: r["ExitCode"])) }
        }
        return out
    }
}

/// `sbatch --parsable` prints "JOBID" or "JOBID;CLUSTER".
public enum Sbatch {
    public static func jobID(_ output: String) -> String? {
        let line = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let id = line.split(separator: ";").first.map { $0.trimmingSpaces } ?? ""
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
    }

    /// Errors after which a second try may succeed: a busy or restarting
    /// controller. (The job may nevertheless have been submitted.)
    public static func isTransient(_ message: String) -> Bool {
        let signs = ["Socket timed out", "Unable to contact slurm controller", "Resource temporarily unavailable",
                     "Zero Bytes were transmitted", "Connection refused", "Communication connection failure",
                     "Slurm backup controller in standby mode", "Unable to process configuration file"]
        return signs.contains { message.localizedCaseInsensitiveContains($0) }
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()) }
}
