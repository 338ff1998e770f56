// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// One `sbatch` of a job: the array job id Slurm gave it and its tasks.
public struct Submission: Sendable, Equatable, Codable {
    public var arrayJob: String
    /// Tasks as Slurm writes them ("0-9", "3,7").
    public var tasks: String
    /// ISO 8601, UTC.
    public var submitted: String
    /// What was added to the array index to give the task (nil: 0). Arrays
    /// beyond the cluster's MaxArraySize are submitted with an offset.
    public var offset: Int?

    public init(arrayJob: String, tasks: [Int], offset: Int = 0, submitted: Date = Date()) {
        self.arrayJob = arrayJob
        self.tasks = TaskList.format(tasks)
        self.offset = offset == 0 ? nil : offset
        self.submitted = ISO8601DateFormatter().string(from: submitted)
    }

    public var taskList: [Int] { TaskList.parse(Substring(tasks)) ?? [] }
}

/// The job's submissions, oldest first, kept in submissions.json so that any
/// later process (a new session, `load` of the note) can ask Slurm about them.
/// A task's latest submission is the one that speaks for it.
public struct Submissions: Sendable, Equatable, Codable {
    public var submissions: [Submission]

    public init(submissions: [Submission] = []) { self.submissions = submissions }

    public static func read(_ job: JobFolder) throws(ClusterError) -> Submissions {
        guard let bytes = try AtomicFile.read(job.submissionsPath) else { return Submissions() }
        do { return try JSONDecoder().decode(Submissions.self, from: Data(bytes)) } catch {
            throw ClusterError("\(job.submissionsPath) cannot be read: \(error)",
                               suggestion: "its array job ids are lost; squeue --name=\(SbatchScript.jobName(job)) lists what still runs")
        }
    }

    public func write(_ job: JobFolder) throws(ClusterError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try AtomicFile.write([UInt8](try encoder.encode(self)) + Array("\n".utf8), to: job.submissionsPath) } catch let e as ClusterError {
            throw e
        } catch {
            throw ClusterError("cannot encode the submissions: \(error)")
        }
    }

    /// The array job that last ran task `task` (nil: never submitted).
    public func latest(task: Int) -> String? { latestSubmission(task: task)?.arrayJob }

    /// The submission that last ran task `task`.
    public func latestSubmission(task: Int) -> Submission? {
        submissions.last { $0.taskList.contains(task) }
    }

    /// The offset of array job `arrayJob`'s indices (0 if unknown).
    public func offset(arrayJob: String) -> Int {
        submissions.last { $0.arrayJob == arrayJob }?.offset ?? 0
    }

    /// Array job ids, each once, oldest first.
    public var arrayJobs: [String] {
        var seen = Set<String>()
        return submissions.map(\.arrayJob).filter { seen.insert($0).inserted }
    }
}
