// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Where one task of a job stands.
public enum TaskStatus: Sendable, Equatable {
    /// Its shard file is there and verifies.
    case done
    /// Waiting in Slurm's queue (Slurm's reason: Resources, Priority, JobArrayTaskLimit, …).
    case pending(reason: String?)
    case running
    /// Ended without a verified shard, or lost; why, in words.
    case failed(reason: String)
    /// Never submitted.
    case notSubmitted
    /// Slurm could not be asked (the tool failed or is missing) and there is no shard yet.
    case unknown(reason: String)

    /// Tasks to submit again: failed or never submitted.
    public var needsSubmission: Bool {
        switch self {
        case .failed, .notSubmitted: return true
        default: return false
        }
    }

    public var word: String {
        switch self {
        case .done: return "done"
        case .pending: return "pending"
        case .running: return "running"
        case .failed: return "failed"
        case .notSubmitted: return "not submitted"
        case .unknown: return "unknown"
        }
    }
}

/// One task's status, the array job that last ran it, and for a failed task
/// the last lines of its log.
public struct TaskReport: Sendable, Equatable {
    public let task: Int
    public let status: TaskStatus
    public let arrayJob: String?
    public let logTail: [String]
}

/// A job's tasks, from its shard files and what Slurm says.
public struct JobReport: Sendable, Equatable {
    public let tasks: [TaskReport]

    public func count(_ word: String) -> Int { tasks.filter { $0.status.word == word }.count }
    public var done: Int { count("done") }
    public var isComplete: Bool { tasks.allSatisfy { $0.status == .done } }
    public var failed: [TaskReport] { tasks.filter { if case .failed = $0.status { return true } else { return false } } }
    /// Tasks that `resubmit` sends again.
    public var toSubmit: [Int] { tasks.filter(\.status.needsSubmission).map(\.task) }
    /// Tasks Slurm still runs or queues.
    public var active: [TaskReport] {
        tasks.filter { if case .pending = $0.status { return true }; return $0.status == .running }
    }

    /// "7 of 10 done, 2 running, 1 failed".
    public var summary: String {
        var parts = ["\(done) of \(tasks.count) done"]
        for word in ["running", "pending", "failed", "not submitted", "unknown"] where count(word) > 0 {
            parts.append("\(count(word)) \(word)")
        }
        return parts.joined(separator: ", ")
    }

    /// A bar of `width` cells from the tasks' states, each state's share
    /// rounded so that the cells add up:
    /// █ done, ▓ running, ░ pending, ✗ failed, · not submitted or unknown.
    public func bar(width: Int = 20) -> String {
        let total = tasks.count
        guard total > 0 else { return "" }
        let counts = [done, count("running"), count("pending"), count("failed"),
                      count("not submitted") + count("unknown")]
        let symbols: [Character] = ["█", "▓", "░", "✗", "·"]
        let exact = counts.map { Double($0) * Double(width) / Double(total) }
        // Every state with a task shows (at least one cell), then the cells are
        // taken from the widest or given by largest remainder until they add up.
        var cells = zip(counts, exact).map { $0 == 0 ? 0 : max(1, Int($1)) }
        while cells.reduce(0, +) > width, let i = cells.indices.max(by: { cells[$0] < cells[$1] }), cells[i] > 1 { cells[i] -= 1 }
        while cells.reduce(0, +) < width,
              let i = cells.indices.filter({ counts[$0] > 0 }).max(by: { exact[$0] - Double(cells[$0]) < exact[$1] - Double(cells[$1]) }) {
            cells[i] += 1
        }
        return "[" + String(zip(symbols, cells).flatMap { Array(repeating: $0, count: $1) }) + "] \(100 * done / total) %"
    }

    /// Combines what is known: shard files first (a verified shard is done
    /// whatever Slurm says), then each task's latest submission as squeue
    /// (queued or running) and scontrol (recently ended) report it.
    /// `slurmError`: why Slurm could not be asked, if it could not.
    public static func evaluate(job: JobFolder, submissions: Submissions, queued: [SlurmTaskRecord], ended: [SlurmTaskRecord],
                                slurmError: String? = nil, logLines: Int = 5) -> JobReport {
        var latest = [String: SlurmTaskRecord]()
        // scontrol first, squeue over it: squeue is the more current of the two.
        for r in ended + queued { latest["\(r.arrayJob)_\(r.task)"] = r }
        var reports = [TaskReport]()
        for task in 0..<job.taskCount {
            let submission = submissions.latestSubmission(task: task)
            let arrayJob = submission?.arrayJob
            // Slurm speaks of array indices: the task less its array's offset.
            let index = task - (submission?.offset ?? 0)
            let shard = job.state(task: task)
            let record = arrayJob.flatMap { latest["\($0)_\(index)"] }
            let status: TaskStatus
            if shard == .done {
                status = .done
            } else if let record, SlurmState.waiting.contains(record.state) {
                status = .pending(reason: record.reason)
            } else if let record, SlurmState.active.contains(record.state) {
                status = .running
            } else if case .invalid(let why) = shard {
                status = .failed(reason: "its shard file does not verify: \(why)")
            } else if arrayJob == nil {
                status = .notSubmitted
            } else if let record {
                if SlurmState.failed.contains(record.state) {
                    status = .failed(reason: describe(record))
                } else {
                    status = .failed(reason: "Slurm says \(record.state), but the task left no shard file")
                }
            } else if let slurmError {
                status = .unknown(reason: slurmError)
            } else {
                status = .failed(reason: "Slurm no longer knows the task (cancelled before it started, or ended more than MinJobAge ago) and it left no shard")
            }
            var tail = [String]()
            if case .failed = status, let arrayJob { tail = Self.tail(of: job.logPath(arrayJob: arrayJob, index: index), lines: logLines) }
            reports.append(TaskReport(task: task, status: status, arrayJob: arrayJob, logTail: tail))
        }
        return JobReport(tasks: reports)
    }

    /// "FAILED (NonZeroExitCode, exit status 3)", "TIMEOUT (TimeLimit, signal 15)".
    static func describe(_ r: SlurmTaskRecord) -> String {
        var details = [String]()
        if let reason = r.reason { details.append(reason) }
        if let code = r.exitCode, code != "0:0" {
            let parts = code.split(separator: ":")
            if parts.count == 2, let status = Int(parts[0]), let signal = Int(parts[1]) {
                if status != 0 { details.append("exit status \(status)") }
                if signal != 0 { details.append("signal \(signal)") }
            } else {
                details.append("exit code \(code)")
            }
        }
        return details.isEmpty ? r.state : "\(r.state) (\(details.joined(separator: ", ")))"
    }

    /// The last `lines` non-empty lines of a log (at most its last 8 kB are read).
    public static func tail(of path: String, lines: Int) -> [String] {
        guard lines > 0, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > 8192 ? size - 8192 : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        let all = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(all.suffix(lines))
    }
}
