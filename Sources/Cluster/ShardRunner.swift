// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// What one array task does: train the runs of its shard with the same
/// per-run random streams as a local training, and write them atomically.
public enum ShardRunner {
    public enum Outcome: Sendable, Equatable {
        /// The task's verified shard was already there; nothing was trained.
        case alreadyDone
        /// Trained and written.
        case written(runs: Int, seconds: Double)
        /// Stopped (SIGTERM from scancel, or a time limit): nothing was written.
        case cancelled
    }

    /// Runs task `task` of the job in `folder`.
    ///
    /// - Idempotent: a task whose shard verifies is not trained again.
    /// - A cancelled training writes nothing; a kill while writing leaves only
    ///   a temporary file, removed by the next run of the task.
    /// - `version` is this dyson's: a manifest of another version is refused.
    /// - `threads`: the CPUs Slurm gave the task (`SLURM_CPUS_PER_TASK`);
    ///   results do not depend on it.
    public static func run(folder: String, task: Int, version: String, threads: Int?,
                           progress: ((TrainingProgress) -> Void)? = nil,
                           cancel: CancellationFlag = CancellationFlag()) throws(ClusterError) -> Outcome {
        let job = try JobFolder.open(folder, version: version)
        let range = try job.manifest.shard(task)
        switch job.state(task: task) {
        case .done: return .alreadyDone
        case .missing: break
        case .invalid: unlink(job.shardPath(task: task))  // damaged or stale: train it again
        }
        job.removeLeftovers(task: task)
        let model = try job.manifest.buildModel(task: task)
        let config = try job.manifest.config(task: task, threads: threads.map { max(1, $0) })
        let result: TrainingResult
        do {
            result = try Trainer.train(model: model, config: config, runIndices: Array(range.runs), progress: progress, cancel: cancel)
        } catch {
            throw ClusterError("task \(task) cannot train: \(error)")
        }
        if result.cancelled { return .cancelled }
        try job.writeShard(result, task: task)
        // Read back what was written: a task reports success only for a shard that verifies.
        if case .invalid(let why) = job.state(task: task) {
            unlink(job.shardPath(task: task))
            throw ClusterError("the shard of task \(task) did not verify after writing: \(why)")
        }
        return .written(runs: range.count, seconds: result.seconds)
    }
}
