// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Cluster
import Learning
import Testing

/// Whether a real Slurm answers here (sbatch on PATH and `sinfo` reaching a
/// controller, e.g. one started by scripts/slurm-node with SLURM_CONF set);
/// nil when it does, else why the live tests are skipped.
enum LiveSlurm {
    static let skipReason: String? = {
        guard Slurm.isInstalled else { return note("sbatch is not on PATH (no Slurm here): live Slurm tests skipped") }
        guard let r = ProcessRunner(timeout: 15).run("sinfo", ["--noheader", "--format=%t"]), r.status == 0 else {
            return note("sinfo does not reach a Slurm controller (start one with scripts/slurm-node start DIR and set SLURM_CONF): live Slurm tests skipped")
        }
        guard r.stdout.contains("idle") || r.stdout.contains("mix") || r.stdout.contains("alloc") else {
            return note("no Slurm node is up (sinfo: \(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))): live Slurm tests skipped")
        }
        return nil
    }()

    private static func note(_ s: String) -> String {
        FileHandle.standardError.write(Data("note: \(s)\n".utf8))
        return s
    }

    static var enabled: Bool { skipReason == nil }
    static var comment: Comment? { skipReason.map { Comment(rawValue: $0) } }

    /// Polls the job's status until no task is queued or running (at most `seconds`).
    static func waitUntilSettled(_ slurm: Slurm, _ job: JobFolder, seconds: Double = 180) throws -> JobReport {
        let deadline = Date().addingTimeInterval(seconds)
        var report = try slurm.status(job)
        while !report.active.isEmpty && Date() < deadline {
            usleep(500_000)
            report = try slurm.status(job)
        }
        return report
    }

    static func version(_ binary: String) throws -> String {
        try runProcess(binary, ["--version"]).output.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    }
}

/// Real job arrays on a real (one-node) Slurm.
@Suite("Live Slurm", .serialized, .enabled(if: LiveSlurm.enabled, LiveSlurm.comment))
struct LiveSlurmTests {
    /// Submit, one task failing on purpose, its resubmission, then the merge:
    /// bit for bit the local training.
    @Test func anArrayFailsOneTaskIsResubmittedAndMergesBitForBit() throws {
        let binary = try dysonBinary()
        let c = Cases.all[2]
        let whole = try Trainer.train(model: c.model, config: c.config)
        let job = try JobFolder.create(at: try temporaryFolder("live"),
                                       manifest: try JobManifest(dysonVersion: try LiveSlurm.version(binary), model: c.model, config: c.config,
                                                                 ranges: Cases.ranges(runs: c.config.runs)))
        try SbatchScript.write(job: job, options: SlurmOptions(time: "5", cpus: 1, parallel: 2), dyson: binary)
        // sbatch passes the submitting environment on to the tasks.
        let failing = Slurm(runner: ProcessRunner(environment: ["DYSON_TEST_FAIL_TASKS": "1"]))
        let first = try #require(try failing.submit(job).first)
        #expect(first.taskList == [0, 1, 2])
        var report = try LiveSlurm.waitUntilSettled(failing, job)
        #expect(report.tasks.map(\.status.word) == ["done", "failed", "done"], "\(report.tasks)")
        #expect(report.tasks[1].status == .failed(reason: "FAILED (NonZeroExitCode, exit status 3)"))
        #expect(report.tasks[1].logTail.contains { $0.contains("failing on purpose") }, "\(report.tasks[1].logTail)")
        #expect(throws: ClusterError.self) { try job.merge() }

        // A new process sees the same: everything is in the job folder.
        let reopened = try JobFolder.open(job.path, version: job.manifest.dysonVersion)
        let slurm = Slurm()
        let again = try #require(try slurm.resubmit(reopened, parallel: 2).first)
        #expect(again.taskList == [1] && again.arrayJob != first.arrayJob)
        report = try LiveSlurm.waitUntilSettled(slurm, reopened)
        #expect(report.isComplete, "\(report.tasks)")
        expectBitIdentical(try reopened.merge(), whole, "live: " + c.name)
        let logs = try FileManager.default.contentsOfDirectory(atPath: job.logsPath)
        #expect(Set(logs) == Set(["\(first.arrayJob)_0.out", "\(first.arrayJob)_1.out", "\(first.arrayJob)_2.out", "\(again.arrayJob)_1.out"]))
    }

    /// parallel=1: Slurm runs one task at a time and says why the others wait.
    @Test func theThrottleHoldsTasksBack() throws {
        let binary = try dysonBinary()
        let model = try GaussianRBM(n: 10)
        // Each task long enough (≈ 0.7 s here) that a 0.1 s poll sees it running.
        let config = TrainingConfig(lr: 0.01, batch: 16, steps: 200_000, runs: 3, seed: 3, every: 100_000)
        let job = try JobFolder.create(at: try temporaryFolder("live-throttle"),
                                       manifest: try JobManifest(dysonVersion: try LiveSlurm.version(binary), model: model, config: config, shards: 3))
        try SbatchScript.write(job: job, options: SlurmOptions(time: "5", cpus: 1, parallel: 1), dyson: binary)
        let slurm = Slurm()
        try slurm.submit(job, parallel: 1)
        var mostRunning = 0, sawThrottle = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let report = try slurm.status(job)
            mostRunning = max(mostRunning, report.count("running"))
            if report.tasks.contains(where: { $0.status == .pending(reason: "JobArrayTaskLimit") }) { sawThrottle = true }
            if report.active.isEmpty { break }
            usleep(100_000)
        }
        #expect(mostRunning == 1 && sawThrottle)
        #expect(try slurm.status(job).isComplete)
    }

    /// scancel in mid-job: the running task stops on SIGTERM without a shard
    /// (nor a temporary file), the queued ones never start; both are failed
    /// tasks that resubmit would send again.
    @Test func scancelInMidJobLeavesNoFiles() throws {
        let binary = try dysonBinary()
        let model = try GaussianRBM(n: 10)
        let config = TrainingConfig(lr: 0.01, batch: 16, steps: 50_000_000, runs: 3, seed: 2, every: 10_000_000)
        let job = try JobFolder.create(at: try temporaryFolder("live-cancel"),
                                       manifest: try JobManifest(dysonVersion: try LiveSlurm.version(binary), model: model, config: config, shards: 3))
        try SbatchScript.write(job: job, options: SlurmOptions(time: "5", cpus: 1, parallel: 1), dyson: binary)
        let slurm = Slurm()
        let s = try #require(try slurm.submit(job, parallel: 1).first)
        // Wait until task 0 trains (its log says so).
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !JobReport.tail(of: job.logPath(arrayJob: s.arrayJob, index: 0), lines: 3).contains(where: { $0.contains("%") }) {
            usleep(200_000)
        }
        let running = try slurm.status(job)
        #expect(running.tasks[0].status == .running && running.tasks[1].status.word == "pending", "\(running.tasks)")
        #expect(try slurm.cancel(job) == [s.arrayJob])
        let report = try LiveSlurm.waitUntilSettled(slurm, job, seconds: 60)
        #expect(report.tasks.allSatisfy { $0.status.word == "failed" }, "\(report.tasks)")
        if case .failed(let why) = report.tasks[0].status { #expect(why.hasPrefix("CANCELLED")) }
        #expect(report.tasks[0].logTail.contains { $0.contains("stopped by a signal; no shard written") }, "\(report.tasks[0].logTail)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: job.shardsPath).isEmpty)
        #expect(report.toSubmit == [0, 1, 2])
    }
}
