// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Cluster
import Learning
import Testing

@Suite("SHA256")
struct SHA256Tests {
    /// FIPS 180-4 examples and the million-a message.
    @Test func fipsVectors() {
        #expect(SHA256.hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Fed in pieces of every size around the block, the digest is the same.
    @Test func piecesGiveTheSameDigest() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hash(message)
        for piece in [1, 3, 55, 56, 63, 64, 65, 127, 999] {
            var h = SHA256()
            var i = 0
            while i < message.count {
                h.update(message[i..<min(i + piece, message.count)])
                i += piece
            }
            #expect(h.finalize() == whole, "pieces of \(piece)")
        }
    }
}

@Suite("Job manifest")
struct ManifestTests {
    @Test func roundTripsExactly() throws {
        for c in Cases.all {
            let m = try JobManifest(dysonVersion: "9.9.9", model: c.model, config: c.config, ranges: Cases.ranges(runs: c.config.runs))
            let back = try JobManifest.decode(try m.encoded(), expectedVersion: "9.9.9")
            #expect(back == m, "\(c.name)")
            #expect(try back.buildModel(task: 0).summary == c.model.summary)
            #expect(back.parts[0].config.seed == c.config.seed && back.parts[0].config.lr.bitPattern == c.config.lr.bitPattern)
        }
    }

    @Test func refusesAnotherVersionAndBadShards() throws {
        let c = Cases.all[0]
        let m = try JobManifest(dysonVersion: "0.1.0", model: c.model, config: c.config, shards: 3)
        #expect { try JobManifest.decode(try m.encoded(), expectedVersion: "0.2.0") } throws: { e in
            (e as? ClusterError)?.message.contains("created by dyson 0.1.0 and this is dyson 0.2.0") == true
        }
        #expect(throws: ClusterError.self) {
            try JobManifest(dysonVersion: "1", model: c.model, config: c.config, ranges: [ShardRange(0..<3), ShardRange(4..<11)])
        }
        #expect(throws: ClusterError.self) {
            try JobManifest(dysonVersion: "1", model: c.model, config: c.config, ranges: [ShardRange(0..<3)])
        }
        #expect(throws: ClusterError.self) { try JobManifest.split(runs: 3, into: 4) }
        #expect(try JobManifest.split(runs: 11, into: 3).map(\.count) == [4, 4, 3])
        // A damaged file is an error with a remedy, never a trap.
        var text = String(decoding: try m.encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"end\" : 4", with: "\"end\" : 2")
        #expect(throws: ClusterError.self) { try JobManifest.decode(Data(text.utf8), expectedVersion: "0.1.0") }
        #expect(throws: ClusterError.self) { try JobManifest.decode(Data("{}".utf8), expectedVersion: "0.1.0") }
        // A description that claims a huge model is refused before anything is allocated.
        var huge = try JobManifest(dysonVersion: "0.1.0", model: try TeacherStudent(n: 2), config: c.config, shards: 3)
        huge.parts[0].model.n = 1_000_000_000_000
        huge.parts[0].model.teacher = [2]
        #expect(throws: ClusterError.self) { try JobManifest.decode(try huge.encoded(), expectedVersion: "0.1.0").buildModel(task: 0) }
        huge.parts[0].model.n = 3
        #expect(throws: ClusterError.self) { try JobManifest.decode(try huge.encoded(), expectedVersion: "0.1.0").buildModel(task: 0) }
        var missing = m
        missing.parts[0].model.noise = nil
        #expect(throws: ClusterError.self) { try missing.buildModel(task: 0) }
    }

    @Test func taskListsReadAndWriteAsSlurmDoes() {
        #expect(TaskList.format([7, 0, 1, 2, 3, 9, 10]) == "0-3,7,9-10")
        #expect(TaskList.parse("0-3,7,9-10") == [0, 1, 2, 3, 7, 9, 10])
        #expect(TaskList.parse("[2-4%2]") == [2, 3, 4])
        #expect(TaskList.parse("0-6:3") == [0, 3, 6])
        #expect(TaskList.parse("3-1") == nil && TaskList.parse("a") == nil && TaskList.parse("-1") == nil)
    }
}

@Suite("Shard file")
struct ShardFileTests {
    func sample() throws -> (TrainingResult, [UInt8]) {
        let c = Cases.all[2]
        var config = c.config
        config.runs = 2
        let r = try Trainer.train(model: c.model, config: config, runIndices: [3, 4])
        let bytes = ShardFile.encode(StoredRuns(r), task: 1, manifestHash: SHA256.hash(Array("m".utf8)), spectrumSize: 6, weightSize: 36)
        return (r, bytes)
    }

    @Test func roundTripsBitForBit() throws {
        let (r, bytes) = try sample()
        let (header, runs) = try ShardFile.decode(bytes)
        #expect(header.task == 1 && header.spectrumSize == 6 && header.weightSize == 36)
        #expect(runs == StoredRuns(r))
        #expect(runs.spectra.map(\.bitPattern) == r.spectra.map(\.bitPattern))
    }

    /// Cut short, one bit flipped, or random: an error, never a trap or a huge allocation.
    @Test func damagedFilesAreRefused() throws {
        let (_, bytes) = try sample()
        for cut in [0, 7, 100, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ClusterError.self) { try ShardFile.decode(Array(bytes.prefix(cut))) }
        }
        for position in [9, 60, 200, bytes.count - 40, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x10
            #expect(throws: ClusterError.self) { try ShardFile.decode(damaged) }
        }
        // A header that claims 2⁶² runs, with a checksum that matches: refused by size.
        var lying = Array(bytes.dropLast(32))
        lying.replaceSubrange(56..<64, with: withUnsafeBytes(of: (UInt64(1) << 62).littleEndian) { Array($0) })
        lying += SHA256.hash(lying)
        #expect(throws: ClusterError.self) { try ShardFile.decode(lying) }
        var g = SystemRandomNumberGenerator()
        for length in [0, 200, 5000] {
            let noise = Array("DYSHARD\n".utf8) + (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            #expect(throws: ClusterError.self) { try ShardFile.decode(noise) }
        }
    }
}

/// A job's shards, trained as its array tasks would train them, merge into
/// the ensemble trained at once, bit for bit.
@Suite("Cluster jobs")
struct JobTests {
    static let version = "test-1"

    @Test(arguments: 0..<Cases.all.count)
    func shardsMergeIntoTheWholeTrainingBitForBit(_ index: Int) throws {
        let c = Cases.all[index]
        let whole = try Trainer.train(model: c.model, config: c.config)
        let manifest = try JobManifest(dysonVersion: Self.version, model: c.model, config: c.config, ranges: Cases.ranges(runs: c.config.runs))
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: manifest)
        #expect(job.taskCount == 3 && Set(manifest.parts[0].shards.map(\.count)).count > 1, "shards of unequal size")
        // Tasks in any order, on different thread counts.
        for task in (0..<job.taskCount).reversed() {
            let outcome = try ShardRunner.run(folder: job.path, task: task, version: Self.version, threads: task + 1)
            guard case .written(let runs, _) = outcome else { Issue.record("task \(task): \(outcome)"); return }
            #expect(runs == manifest.parts[0].shards[task].count)
        }
        // A task run again does nothing; a lost shard resubmitted trains the same runs.
        #expect(try ShardRunner.run(folder: job.path, task: 1, version: Self.version, threads: 1) == .alreadyDone)
        let before = try #require(try job.readShard(task: 2))
        unlink(job.shardPath(task: 2))
        #expect(job.unfinishedTasks() == [2])
        #expect(throws: ClusterError.self) { try job.merge() }
        _ = try ShardRunner.run(folder: job.path, task: 2, version: Self.version, threads: 1)
        let after = try #require(try job.readShard(task: 2))
        #expect(after.spectra.map(\.bitPattern) == before.spectra.map(\.bitPattern))

        let merged = try job.merge()
        expectBitIdentical(merged, whole, c.name)
    }

    @Test func aCancelledTaskWritesNothingAndLeftoversGo() throws {
        let c = Cases.all[0]
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: Self.version, model: c.model, config: c.config, shards: 2))
        let leftover = AtomicFile.temporaryPath(for: job.shardPath(task: 0)) + "999"
        _ = FileManager.default.createFile(atPath: leftover, contents: Data("half".utf8))
        let cancel = CancellationFlag()
        cancel.cancel()
        #expect(try ShardRunner.run(folder: job.path, task: 0, version: Self.version, threads: 1, cancel: cancel) == .cancelled)
        #expect(try FileManager.default.contentsOfDirectory(atPath: job.shardsPath).isEmpty, "no shard and no temporary file")
        #expect(job.state(task: 0) == .missing)
    }

    @Test func damagedOrForeignShardsAreNotDone() throws {
        let c = Cases.all[4]
        let a = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: Self.version, model: c.model, config: c.config, shards: 2))
        var other = c.config
        other.seed = 2
        let b = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: Self.version, model: c.model, config: other, shards: 2))
        _ = try ShardRunner.run(folder: a.path, task: 0, version: Self.version, threads: 1)
        #expect(a.state(task: 0) == .done)
        try FileManager.default.copyItem(atPath: a.shardPath(task: 0), toPath: b.shardPath(task: 0))
        guard case .invalid(let why) = b.state(task: 0) else { Issue.record("a shard of another job counted as done"); return }
        #expect(why.contains("another job"))
        // A damaged shard is trained again by its task.
        var bytes = try #require(try AtomicFile.read(a.shardPath(task: 0)))
        bytes[bytes.count / 2] ^= 1
        try AtomicFile.write(bytes, to: a.shardPath(task: 0))
        guard case .invalid = a.state(task: 0) else { Issue.record("a damaged shard counted as done"); return }
        if case .written = try ShardRunner.run(folder: a.path, task: 0, version: Self.version, threads: 1) {} else { Issue.record("not retrained") }
        #expect(a.state(task: 0) == .done)
        // Damaged in place (same file, same size): seen, although it verified before.
        usleep(20_000)
        let handle = try #require(FileHandle(forUpdatingAtPath: a.shardPath(task: 0)))
        try handle.seek(toOffset: 130)
        try handle.write(contentsOf: Data([0xFF, 0xFF]))
        try handle.close()
        guard case .invalid = a.state(task: 0) else { Issue.record("a shard damaged in place counted as done"); return }
        _ = try ShardRunner.run(folder: a.path, task: 0, version: Self.version, threads: 1)
        #expect(a.state(task: 0) == .done)
        // The same folder with another job is refused; with the same job, reused.
        #expect(throws: ClusterError.self) { try JobFolder.create(at: a.path, manifest: b.manifest) }
        #expect(try JobFolder.create(at: a.path, manifest: a.manifest).state(task: 0) == .done)
        #expect(throws: ClusterError.self) { try ShardRunner.run(folder: a.path, task: 2, version: Self.version, threads: 1) }
        #expect(throws: ClusterError.self) { try ShardRunner.run(folder: a.path, task: 0, version: "another", threads: 1) }
    }
}

/// The same, with each task a real `dyson shard` process.
@Suite("Shard command")
struct ShardCommandTests {
    @Test func tasksAsProcessesMergeBitForBit() throws {
        let binary = try dysonBinary()
        let version = try runProcess(binary, ["--version"]).output.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        let c = Cases.all[2]
        let whole = try Trainer.train(model: c.model, config: c.config)
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: version, model: c.model, config: c.config, ranges: Cases.ranges(runs: c.config.runs)))
        for task in 0..<job.taskCount {
            let r = try runProcess(binary, ["shard", job.path], environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_CPUS_PER_TASK": "1"])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("shard written"))
        }
        let again = try runProcess(binary, ["shard", job.path, "--task", "0"])
        #expect(again.status == 0 && again.output.contains("already there"))
        expectBitIdentical(try job.merge(), whole, c.name)

        let failing = try runProcess(binary, ["shard", job.path, "--task", "1"], environment: ["DYSON_TEST_FAIL_TASKS": "1,2"])
        #expect(failing.status == 3 && failing.output.contains("failing on purpose"))
        let bad = try runProcess(binary, ["shard", job.path, "--task", "7"])
        #expect(bad.status == 1 && bad.output.contains("tasks 0…2, not 7"))
    }

    @Test func anotherVersionIsRefused() throws {
        let binary = try dysonBinary()
        let c = Cases.all[4]
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: "0.0.1-other", model: c.model, config: c.config, shards: 2))
        let r = try runProcess(binary, ["shard", job.path, "--task", "0"])
        #expect(r.status == 1 && r.output.contains("created by dyson 0.0.1-other"), "\(r.output)")
        #expect(job.state(task: 0) == .missing)
    }

    /// SIGTERM (what scancel sends) in mid-training: exit 143, no shard, no temporary file.
    @Test func sigtermLeavesNoFile() throws {
        let binary = try dysonBinary()
        let version = try runProcess(binary, ["--version"]).output.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        let model = try GaussianRBM(n: 10)
        let config = TrainingConfig(lr: 0.01, batch: 16, steps: 100_000_000, runs: 2, seed: 1, every: 10_000_000)
        let job = try JobFolder.create(at: try temporaryFolder(), manifest: try JobManifest(dysonVersion: version, model: model, config: config, shards: 1))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["shard", job.path, "--task", "0", "--threads", "1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // Wait until it reports training, then stop it as scancel would.
        var seen = Data()
        let handle = out.fileHandleForReading
        while !String(decoding: seen, as: UTF8.self).contains("0 %") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        usleep(200_000)
        kill(p.processIdentifier, SIGTERM)
        seen += handle.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 143, "\(String(decoding: seen, as: UTF8.self))")
        #expect(String(decoding: seen, as: UTF8.self).contains("no shard written"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: job.shardsPath).isEmpty)
    }
}

func expectBitIdentical(_ a: TrainingResult, _ b: TrainingResult, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.runIndices == b.runIndices, "\(name): runs", sourceLocation: sourceLocation)
    #expect(a.droppedRuns == b.droppedRuns, "\(name): dropped runs", sourceLocation: sourceLocation)
    #expect(a.snapshotSteps == b.snapshotSteps, "\(name): snapshots", sourceLocation: sourceLocation)
    #expect(a.spectra.map(\.bitPattern) == b.spectra.map(\.bitPattern), "\(name): spectra differ", sourceLocation: sourceLocation)
    #expect(a.finalWeights.map(\.bitPattern) == b.finalWeights.map(\.bitPattern), "\(name): weights differ", sourceLocation: sourceLocation)
    #expect(a.finalStates == b.finalStates, "\(name): run states differ", sourceLocation: sourceLocation)
    #expect(a.config == b.config && a.modelSummary == b.modelSummary && a.completedSteps == b.completedSteps, "\(name)", sourceLocation: sourceLocation)
    #expect(a.predictions == b.predictions, "\(name): predictions", sourceLocation: sourceLocation)
}

/// A scan's job: one part per setting, array tasks numbered across parts.
@Suite("Scan jobs")
struct ScanJobTests {
    /// Three settings (two models, unequal shards): every task trains the
    /// runs of its part, and each part merges into its setting trained at
    /// once, bit for bit.
    @Test func everyPartMergesIntoItsSettingBitForBit() throws {
        let version = "test-1"
        let a = try TeacherStudent(n: 2), b = try TeacherStudent(n: 2, noise: 0.3)
        let settings: [(model: any LearningModel, config: TrainingConfig)] = [
            (a, TrainingConfig(lr: 0.1, batch: 8, steps: 200, runs: 7, seed: 11, every: 100)),
            (a, TrainingConfig(lr: 0.05, batch: 8, steps: 200, runs: 7, seed: 12, every: 100)),
            (b, TrainingConfig(lr: 0.1, batch: 4, steps: 200, runs: 7, seed: 13, every: 100)),
        ]
        let parts = try settings.enumerated().map { k, s in try JobPart(setting: k + 1, model: s.model, config: s.config, ranges: Cases.ranges(runs: 7)) }
        let manifest = try JobManifest(dysonVersion: version, parts: parts, command: "scan lr=0.1,0.05 batch=8 as=x")
        #expect(manifest.taskCount == 9 && manifest.tasks(part: 1) == 3..<6 && manifest.tasks(part: 2) == 6..<9)
        #expect(try manifest.locate(4).part == 1 && manifest.locate(4).runs == parts[1].shards[1])
        #expect(throws: ClusterError.self) { try manifest.locate(9) }
        let back = try JobManifest.decode(try manifest.encoded(), expectedVersion: version)
        #expect(back == manifest)
        let job = try JobFolder.create(at: try temporaryFolder("scan"), manifest: manifest)
        for task in (0..<job.taskCount).reversed() {
            guard case .written = try ShardRunner.run(folder: job.path, task: task, version: version, threads: 1) else {
                Issue.record("task \(task) did not train")
                return
            }
        }
        #expect(throws: ClusterError.self, "a scan is merged part by part") { try job.merge() }
        for (k, s) in settings.enumerated() {
            expectBitIdentical(try job.merge(part: k), try Trainer.train(model: s.model, config: s.config), "setting \(k + 1)")
        }
        // A shard of one part is never taken for another's.
        let other = job.shardPath(task: 5)
        try FileManager.default.removeItem(atPath: other)
        try FileManager.default.copyItem(atPath: job.shardPath(task: 2), toPath: other)
        #expect(throws: ClusterError.self) { try job.merge(part: 1) }
        #expect(job.unfinishedTasks() == [5])
    }
}
