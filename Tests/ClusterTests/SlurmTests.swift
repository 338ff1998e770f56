// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Cluster
import Learning
import Testing

/// Output captured from a one-node Slurm 22.05 (Tests/ClusterTests/Fixtures).
func fixture(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name)
    return try String(contentsOf: url, encoding: .utf8)
}

/// Answers Slurm's tools from a table and records what was asked.
final class FakeRunner: CommandRunner, @unchecked Sendable {
    private let lock = NSLock()
    private var answer: (String, [String]) -> CommandResult?
    private(set) var calls = [[String]]()

    init(_ answer: @escaping (String, [String]) -> CommandResult?) { self.answer = answer }

    func run(_ tool: String, _ arguments: [String]) -> CommandResult? {
        lock.lock()
        calls.append([tool] + arguments)
        let a = answer
        lock.unlock()
        return a(tool, arguments)
    }
}

@Suite("Slurm output")
struct SlurmOutputTests {
    @Test func squeueListsEveryTask() throws {
        let tasks = Squeue.parse(try fixture("squeue-pending.txt"))
        #expect(tasks.count == 5)
        #expect(tasks.first == SlurmTaskRecord(arrayJob: "12", task: 2, state: "PENDING", reason: "JobArrayTaskLimit"))
        #expect(tasks.filter { $0.state == "RUNNING" }.map(\.task).sorted() == [0, 1])
        #expect(tasks.allSatisfy { $0.arrayJob == "12" })
        #expect(tasks.first { $0.task == 0 }?.reason == nil, "None is no reason")
        // Without --array a pending range is one line; it still gives one record per task.
        #expect(Squeue.parse("7|[2-5%2]|PENDING|JobArrayTaskLimit\n").map(\.task) == [2, 3, 4, 5])
        #expect(Squeue.parse("garbage\n\n12|N/A|RUNNING|None\n|1|RUNNING|x").isEmpty)
    }

    @Test func scontrolGivesEndedTasksWithReasonAndExitCode() throws {
        let tasks = Scontrol.parse(try fixture("scontrol-finished.txt"))
        let byTask = Dictionary(tasks.filter { $0.arrayJob == "1" }.map { ($0.task, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byTask.count == 6)
        #expect(byTask[3] == SlurmTaskRecord(arrayJob: "1", task: 3, state: "FAILED", reason: "NonZeroExitCode", exitCode: "3:0"))
        #expect(byTask[5]?.state == "TIMEOUT" && byTask[5]?.reason == "TimeLimit" && byTask[5]?.exitCode == "0:15")
        #expect(byTask[0]?.state == "COMPLETED")
        #expect(tasks.first { $0.arrayJob == "7" && $0.task == 0 }?.state == "CANCELLED")
        #expect(JobReport.describe(byTask[3]!) == "FAILED (NonZeroExitCode, exit status 3)")
        #expect(JobReport.describe(byTask[5]!) == "TIMEOUT (TimeLimit, signal 15)")
    }

    @Test func scontrolExpandsAPendingRange() throws {
        let pending = Scontrol.parse(try fixture("scontrol-pending.txt"))
        #expect(pending.filter { $0.state == "PENDING" }.map(\.task).sorted() == [2, 3, 4])
        #expect(pending.filter { $0.state == "RUNNING" }.map(\.task).sorted() == [0, 1])
        let cancelled = Scontrol.parse(try fixture("scontrol-cancelled.txt"))
        #expect(cancelled.count == 5 && cancelled.allSatisfy { $0.state == "CANCELLED" })
        #expect(cancelled.first { $0.task == 0 }.map(JobReport.describe) == "CANCELLED (exit status 143)")
        let record = try #require(Scontrol.records(try fixture("scontrol-running.txt")).first)
        #expect(record["StdOut"]?.hasPrefix("/tmp/cap/logs/1_") == true && record["Command"] == "/tmp/cap/job.sh")
        // A value with spaces continues until the next Key=.
        #expect(Scontrol.records("JobId=3 Comment=two words ArrayJobId=3")[0]["Comment"] == "two words")
    }

    @Test func sbatchAnswers() {
        #expect(Sbatch.jobID("12\n") == "12" && Sbatch.jobID("345;cluster2\n") == "345")
        #expect(Sbatch.jobID("") == nil && Sbatch.jobID("Submitted batch job 12") == nil)
        #expect(Sbatch.isTransient("sbatch: error: Batch job submission failed: Socket timed out on send/recv operation"))
        #expect(!Sbatch.isTransient("sbatch: error: invalid partition specified: nope"))
    }

    @Test func timeLimitsAndOptions() throws {
        #expect(SlurmOptions.minutes("90") == 90 && SlurmOptions.minutes("01:30:00") == 90 && SlurmOptions.minutes("1-12:00") == 2160)
        #expect(SlurmOptions.minutes("10:30") == 11 && SlurmOptions.minutes("2-0") == 2880)
        for bad in ["", "x", "1:2:3:4", "-5", "0", "1--2", "a-1"] { #expect(SlurmOptions.minutes(bad) == nil, "\(bad)") }
        #expect(throws: ClusterError.self) { try SlurmOptions(partition: "a b").validate() }
        #expect(throws: ClusterError.self) { try SlurmOptions(extra: ["--mem=4G\nrm -rf /"]).validate() }
        #expect(throws: ClusterError.self) { try SlurmOptions(extra: ["--array=0-3"]).validate() }
        #expect(throws: ClusterError.self) { try SlurmOptions(extra: ["-c4"]).validate() }
        #expect(throws: ClusterError.self) { try SlurmOptions(cpus: 0).validate() }
        try SlurmOptions(partition: "debug", account: "phys-01", time: "00:10:00", cpus: 4, parallel: 3,
                         extra: SlurmOptions.splitExtra("--mem=4G  --qos=long")).validate()
    }

    @Test func theScriptRunsOneShardPerTask() throws {
        let c = Cases.all[4]
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: "v", model: c.model, config: c.config, shards: 3))
        let options = SlurmOptions(partition: "debug", account: "phys", time: "10", cpus: 2, parallel: 2, extra: ["--mem=1G"])
        let text = try SbatchScript.render(job: job, options: options, dyson: "/opt/dyson's/bin/dyson")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!/bin/sh")
        for expected in ["#SBATCH --array=0-2%2", "#SBATCH --output=logs/%A_%a.out", "#SBATCH --cpus-per-task=2", "#SBATCH --time=10",
                         "#SBATCH --partition=debug", "#SBATCH --account=phys", "#SBATCH --mem=1G", "#SBATCH --chdir=\(job.path)",
                         "#SBATCH --job-name=\(SbatchScript.jobName(job))"] {
            #expect(lines.contains(expected), "\(expected)")
        }
        #expect(lines.last == "exec '/opt/dyson'\\''s/bin/dyson' shard '\(job.path)' --task \"$((SLURM_ARRAY_TASK_ID + ${DYSON_TASK_OFFSET:-0}))\"")
        // Every #SBATCH line comes before the first command, as sbatch requires.
        let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") })
        #expect(lines[firstCommand...].allSatisfy { !$0.hasPrefix("#SBATCH") })
        let spaced = try JobFolder.create(at: try temporaryFolder() + "/a b", manifest: job.manifest)
        #expect(throws: ClusterError.self) { try SbatchScript.render(job: spaced, options: options, dyson: "dyson") }
    }
}

@Suite("Slurm status")
struct SlurmStatusTests {
    /// A job of six one-run tasks whose first submission is array job 1 of
    /// the fixtures: tasks 0–2 wrote their shards; 3 failed (exit 3),
    /// 4 ended COMPLETED without a shard, 5 hit its time limit.
    func finishedJob() throws -> (JobFolder, Slurm, FakeRunner) {
        let model = try ReferenceDBM(n: 3)
        let config = TrainingConfig(lr: 0.1, batch: 1, steps: 20, runs: 6, seed: 1, every: 10)
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: "v", model: model, config: config, shards: 6))
        for task in 0...2 { _ = try ShardRunner.run(folder: job.path, task: task, version: "v", threads: 1) }
        try SbatchScript.write(job: job, options: SlurmOptions(), dyson: "/usr/local/bin/dyson")
        try Submissions(submissions: [Submission(arrayJob: "1", tasks: Array(0...5))]).write(job)
        try "task 3 cpus 1\nboom\n".write(toFile: job.logPath(arrayJob: "1", index: 3), atomically: true, encoding: .utf8)
        let finished = try fixture("scontrol-finished.txt")
        let runner = FakeRunner { tool, args in
            switch tool {
            case "squeue": return CommandResult(status: 0, stdout: "")
            case "scontrol": return args.last == "1" ? CommandResult(status: 0, stdout: finished) : CommandResult(status: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified")
            case "sbatch": return CommandResult(status: 0, stdout: "20\n")
            default: return CommandResult(status: 0, stdout: "")
            }
        }
        return (job, Slurm(runner: runner, retryDelays: [0, 0], sleep: { _ in }), runner)
    }

    @Test func failedTasksAreListedWithReasonAndLog() throws {
        let (job, slurm, _) = try finishedJob()
        let report = try slurm.status(job)
        #expect(report.tasks.map(\.status.word) == ["done", "done", "done", "failed", "failed", "failed"])
        #expect(report.tasks[3].status == .failed(reason: "FAILED (NonZeroExitCode, exit status 3)"))
        #expect(report.tasks[3].logTail == ["task 3 cpus 1", "boom"])
        #expect(report.tasks[4].status == .failed(reason: "Slurm says COMPLETED, but the task left no shard file"))
        #expect(report.tasks[5].status == .failed(reason: "TIMEOUT (TimeLimit, signal 15)"))
        #expect(report.summary == "3 of 6 done, 3 failed")
        #expect(report.toSubmit == [3, 4, 5])
    }

    /// resubmit sends only the missing tasks, with the throttle, and records the new array.
    @Test func resubmitSendsOnlyTheMissingTasks() throws {
        let (job, slurm, runner) = try finishedJob()
        let s = try slurm.resubmit(job, parallel: 2)
        #expect(s.map(\.arrayJob) == ["20"] && s.first?.taskList == [3, 4, 5])
        #expect(runner.calls.last == ["sbatch", "--parsable", "--array=3-5%2", job.scriptPath] || runner.calls.contains(["sbatch", "--parsable", "--array=3-5%2", job.scriptPath]))
        let history = try Submissions.read(job)
        #expect(history.latest(task: 4) == "20" && history.latest(task: 0) == "1")
        // Now task 3–5 belong to array 20, which Slurm does not know yet: nothing claims they ran.
        #expect(try slurm.status(job).tasks[4].status.word == "failed")
    }

    @Test func queuedAndRunningTasks() throws {
        let model = try ReferenceDBM(n: 3)
        let config = TrainingConfig(lr: 0.1, batch: 1, steps: 20, runs: 5, seed: 1, every: 10)
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: "v", model: model, config: config, shards: 5))
        try Submissions(submissions: [Submission(arrayJob: "12", tasks: Array(0...4))]).write(job)
        let queue = try fixture("squeue-after-scancel.txt")
        let runner = FakeRunner { tool, _ in
            switch tool {
            case "squeue": return CommandResult(status: 0, stdout: queue)
            case "scancel": return CommandResult(status: 0, stdout: "")
            default: return CommandResult(status: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified")
            }
        }
        let slurm = Slurm(runner: runner, retryDelays: [], sleep: { _ in })
        let report = try slurm.status(job)
        #expect(report.tasks.map(\.status.word) == ["running", "running", "failed", "pending", "pending"])
        #expect(report.tasks[3].status == .pending(reason: "JobArrayTaskLimit"))
        #expect(report.toSubmit == [2], "task 2 was cancelled while pending: Slurm forgot it")
        #expect(throws: ClusterError.self) { try slurm.submit(job, tasks: [5]) }
        // cancel sends scancel for the tasks still queued or running.
        try slurm.cancel(job)
        #expect(runner.calls.contains(["scancel", "12_[0-1,3-4]"]))
    }

    @Test func slurmThatCannotBeAskedIsNotAFailure() throws {
        let (job, _, _) = try finishedJob()
        let down = Slurm(runner: FakeRunner { _, _ in CommandResult(status: 1, stdout: "", stderr: "squeue: error: Unable to contact slurm controller (connect failure)") },
                         retryDelays: [], sleep: { _ in })
        let report = try down.status(job)
        // scontrol failed too, so nothing is known of 3–5 but that squeue failed.
        #expect(report.tasks[3].status == .unknown(reason: "squeue: error: Unable to contact slurm controller (connect failure)"))
        #expect(report.toSubmit.isEmpty, "never resubmit what may still run")
        let missing = Slurm(runner: FakeRunner { _, _ in nil }, retryDelays: [], sleep: { _ in })
        #expect(try missing.status(job).tasks[5].status == .unknown(reason: "squeue is not installed here"))
        #expect(throws: ClusterError.self) { try missing.submit(job, tasks: [3]) }
    }

    /// A transient sbatch error is retried; when the job was accepted after
    /// all, it is found in the queue by name instead of being sent twice.
    @Test func transientSbatchErrorsAreRetriedWithoutDuplicates() throws {
        let (job, _, _) = try finishedJob()
        var sbatchCalls = 0
        let lock = NSLock()
        let flaky = FakeRunner { tool, args in
            switch tool {
            case "sbatch":
                lock.lock(); sbatchCalls += 1; lock.unlock()
                return CommandResult(status: 1, stdout: "", stderr: "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation")
            case "squeue" where args.contains("--format=%F"):
                return CommandResult(status: 0, stdout: "1\n31\n")  // 1 is known; 31 was accepted after all
            default:
                return CommandResult(status: 0, stdout: "")
            }
        }
        let slept = SleepLog()
        let slurm = Slurm(runner: flaky, retryDelays: [1, 2], sleep: { slept.add($0) })
        let s = try slurm.submit(job, tasks: [3, 4, 5])
        #expect(s.map(\.arrayJob) == ["31"] && sbatchCalls == 1 && slept.values == [1])
        let refused = Slurm(runner: FakeRunner { tool, _ in
            tool == "sbatch" ? CommandResult(status: 1, stdout: "", stderr: "sbatch: error: invalid partition specified: nope") : CommandResult(status: 0, stdout: "")
        }, retryDelays: [1], sleep: { _ in Issue.record("a permanent error is not retried") })
        #expect { try refused.submit(job, tasks: [3]) } throws: { e in
            (e as? ClusterError)?.suggestion?.contains("sinfo") == true
        }
    }
}

final class SleepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list = [Double]()
    func add(_ v: Double) { lock.lock(); list.append(v); lock.unlock() }
    var values: [Double] { lock.lock(); defer { lock.unlock() }; return list }
}

/// Jobs with more tasks than the cluster's MaxArraySize: several arrays,
/// each with the offset its indices start at.
@Suite("Large arrays")
struct LargeArrayTests {
    @Test func maxArraySizeIsReadFromTheConfigurationOrDefaults() {
        #expect(Slurm.maxArraySize(config: "Configuration data as of 2026-11-29T21:00:00\nMaxArraySize            = 40001\nMaxJobCount = 10000\n") == 40001)
        #expect(Slurm.maxArraySize(config: "MaxArraySizeX = 3\nnothing else") == nil)
        #expect(Slurm(runner: FakeRunner { _, _ in nil }).maxArraySize() == Slurm.defaultMaxArraySize)
        #expect(Slurm(runner: FakeRunner { _, _ in CommandResult(status: 1, stdout: "", stderr: "no controller") }).maxArraySize() == 1001)
    }

    @Test func chunksKeepEveryIndexBelowTheLimit() {
        for (tasks, limit) in [(Array(0..<10), 4), ([9, 1, 5, 5, 0], 4), (Array(0..<1001), 1001), (Array(0..<2500), 1001), ([7], 1)] {
            let chunks = Slurm.chunks(tasks, maxArraySize: limit)
            #expect(chunks.flatMap(\.tasks) == Array(Set(tasks)).sorted(), "every task once, in order")
            #expect(chunks.allSatisfy { c in c.offset % limit == 0 && c.tasks.allSatisfy { (0..<limit).contains($0 - c.offset) } })
            #expect(Set(chunks.map(\.offset)).count == chunks.count)
        }
        #expect(Slurm.chunks(Array(0..<10), maxArraySize: 4).map(\.offset) == [0, 4, 8])
        #expect(Slurm.chunks(Array(0..<1001), maxArraySize: 1001).count == 1)
    }

    /// Ten tasks on a cluster that takes arrays of four: three sbatch calls,
    /// chained with the throttle, the offset in the environment; status,
    /// logs and scancel translate Slurm's indices back to tasks.
    @Test func aJobBeyondMaxArraySizeGoesAsSeveralArrays() throws {
        let model = try ReferenceDBM(n: 3)
        let config = TrainingConfig(lr: 0.1, batch: 1, steps: 20, runs: 10, seed: 1, every: 10)
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: "v", model: model, config: config, shards: 10))
        try SbatchScript.write(job: job, options: SlurmOptions(parallel: 2), dyson: "/usr/local/bin/dyson")
        let ids = SleepLog()  // counts sbatch calls
        let runner = FakeRunner { tool, args in
            switch tool {
            case "scontrol" where args == ["show", "config"]: return CommandResult(status: 0, stdout: "MaxArraySize            = 4\n")
            case "sbatch":
                ids.add(0)
                return CommandResult(status: 0, stdout: "\(99 + ids.values.count)\n")
            case "squeue": return CommandResult(status: 0, stdout: "101|2|RUNNING|None\n102|0|PENDING|Dependency\n")
            case "scontrol" where args.last == "101":
                return CommandResult(status: 0, stdout: "JobId=106 ArrayJobId=101 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0\n")
            default: return CommandResult(status: 0, stdout: "")
            }
        }
        let slurm = Slurm(runner: runner, retryDelays: [], sleep: { _ in })
        let submissions = try slurm.submit(job, parallel: 2)
        #expect(submissions.map(\.arrayJob) == ["100", "101", "102"])
        #expect(submissions.map(\.taskList) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let sbatch = runner.calls.filter { $0.first == "sbatch" }
        #expect(sbatch == [
            ["sbatch", "--parsable", "--array=0-3%2", job.scriptPath],
            ["sbatch", "--parsable", "--array=0-3%2", "--export=ALL,DYSON_TASK_OFFSET=4", "--dependency=afterany:100", job.scriptPath],
            ["sbatch", "--parsable", "--array=0-1%2", "--export=ALL,DYSON_TASK_OFFSET=8", "--dependency=afterany:101", job.scriptPath],
        ])
        let history = try Submissions.read(job)
        #expect(history.offset(arrayJob: "102") == 8 && history.offset(arrayJob: "100") == 0)
        // Index 2 of array 101 is task 6; index 0 of 102 is task 8; index 1 of 101 (task 5) failed, its log is 101_1.
        try "task 5\nboom\n".write(toFile: job.logPath(arrayJob: "101", index: 1), atomically: true, encoding: .utf8)
        let report = try slurm.status(job)
        #expect(report.tasks[6].status == .running)
        #expect(report.tasks[8].status == .pending(reason: "Dependency"))
        #expect(report.tasks[5].status == .failed(reason: "FAILED (NonZeroExitCode, exit status 3)") && report.tasks[5].logTail == ["task 5", "boom"])
        #expect(try slurm.cancel(job) == ["101", "102"])
        #expect(runner.calls.filter { $0.first == "scancel" } == [["scancel", "101_[2]"], ["scancel", "102_[0]"]])
        // Without a throttle the arrays are not chained.
        let free = Slurm(runner: runner, retryDelays: [], sleep: { _ in })
        let again = try free.submit(job, tasks: [3, 4])
        #expect(again.count == 2 && !runner.calls.suffix(2).joined().contains { $0.hasPrefix("--dependency") })
    }
}

@Suite("Job progress")
struct JobProgressTests {
    func report(_ words: [String]) -> JobReport {
        JobReport(tasks: words.enumerated().map { k, w in
            let status: TaskStatus = switch w {
            case "done": .done
            case "running": .running
            case "pending": .pending(reason: nil)
            case "failed": .failed(reason: "x")
            default: .notSubmitted
            }
            return TaskReport(task: k, status: status, arrayJob: nil, logTail: [])
        })
    }

    /// The bar has its width, each state its share, a state with a task at least a cell.
    @Test func barSharesAddUp() {
        let r = report(Array(repeating: "done", count: 7) + ["running", "running", "pending"] + Array(repeating: "pending", count: 89) + ["failed"])
        let bar = r.bar(width: 20)
        let cells = bar.dropFirst().prefix { $0 != "]" }
        #expect(cells.count == 20)
        #expect(cells.filter { $0 == "█" }.count == 1 && cells.contains("▓") && cells.contains("✗") && cells.filter { $0 == "░" }.count >= 16, "\(bar)")
        #expect(bar.hasSuffix("] 7 %"))
        #expect(report(["done", "done"]).bar(width: 4) == "[████] 100 %")
        #expect(report(["done", "pending", "failed"]).bar(width: 3) == "[█░✗] 33 %")
    }
}
