// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Cluster
import Foundation
import Learning
import Notebook

/// `dyson shard JOBDIR --task N`: what one Slurm array task runs.
struct ShardTask: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Train one task's runs of a cluster job and write its shard file.",
        discussion: """
        Each task of a job array runs `dyson shard JOBDIR --task $SLURM_ARRAY_TASK_ID`. \
        It trains the runs of that task with the same per-run random streams as a \
        local training, on SLURM_CPUS_PER_TASK threads, and writes \
        JOBDIR/shards/task-N.shard atomically with a checksum. A task whose shard \
        is already there and verifies does nothing; SIGTERM (scancel, time limit) \
        stops it without writing; a job created by another dyson version is refused.
        """)

    @Argument(help: "The job folder (holds manifest.json).")
    var folder: String

    @Option(help: "The task (default: SLURM_ARRAY_TASK_ID plus DYSON_TASK_OFFSET).")
    var task: Int?

    @Option(help: "Threads (default: SLURM_CPUS_PER_TASK, else all cores).")
    var threads: Int?

    /// Exit status of a task stopped by SIGTERM, as a shell reports it.
    static let cancelledStatus: Int32 = 143

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        // Arrays beyond the cluster's MaxArraySize run with an offset added to the index.
        let offset = env["DYSON_TASK_OFFSET"].flatMap { Int($0) } ?? 0
        guard let task = task ?? env["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }).map({ $0 + offset }) else {
            Terminal.error(NotebookError("no task index", suggestion: "give --task N, or run under a Slurm job array"))
            throw ExitCode(2)
        }
        // A test hook: tasks listed here fail on purpose, so the tests can
        // watch Slurm report a failure and resubmit the task.
        if let list = env["DYSON_TEST_FAIL_TASKS"], TaskList.parse(Substring(list))?.contains(task) == true {
            print("task \(task): failing on purpose (DYSON_TEST_FAIL_TASKS=\(list))")
            throw ExitCode(3)
        }
        let cores = threads ?? env["SLURM_CPUS_PER_TASK"].flatMap { Int($0) }
        Signals.installForShard()
        var reported = -1
        let start = Date()
        print("task \(task): \(folder) on \(cores.map { "\($0)" } ?? "all") threads, started \(ISO8601DateFormatter().string(from: start))")
        fflush(nil)
        let outcome: ShardRunner.Outcome
        do {
            outcome = try ShardRunner.run(folder: folder, task: task, version: Notebook.version, threads: cores, progress: { p in
                let tenth = Int(p.fraction * 10)
                if tenth > reported {
                    reported = tenth
                    print("task \(task): \(tenth * 10) % (\(p.done) of \(p.total) run-steps)")
                    fflush(nil)
                }
            }, cancel: Signals.cancel)
        } catch {
            Terminal.error(NotebookError(error.message, suggestion: error.suggestion), location: "task \(task)")
            throw ExitCode(1)
        }
        switch outcome {
        case .alreadyDone:
            print("task \(task): its shard is already there and verifies; nothing to do")
        case .written(let runs, let seconds):
            print("task \(task): \(runs) run\(runs == 1 ? "" : "s") trained in \(Format.duration(seconds)), shard written")
        case .cancelled:
            print("task \(task): stopped by a signal; no shard written")
            fflush(nil)
            throw ExitCode(Self.cancelledStatus)
        }
    }
}

extension Signals {
    /// A shard task: SIGTERM (scancel, the time limit) and SIGINT stop the
    /// training at its next step; the task then exits without writing.
    static func installForShard() {
        unblockInterrupt()
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGTERM) { _ in Signals.cancel.cancel() }
        signal(SIGINT) { _ in Signals.cancel.cancel() }
    }
}
