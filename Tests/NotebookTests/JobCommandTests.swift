// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing

/// A notebook in a new folder, and a replaying (confined) one on the same
/// folder and front matter, both with `model` set.
func localAndReplaying(model: String) throws -> (local: Notebook, replay: Notebook, dir: String, front: FrontMatter) {
    let dir = NSTemporaryDirectory() + "dyson-jobs-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let front = Notebook.frontMatter(seed: 1)
    let local = Notebook(front: front, baseDirectory: dir), replay = Notebook(front: front, baseDirectory: dir, confined: true)
    local.run(model)
    replay.run(model)
    return (local, replay, dir, front)
}

/// The dyson binary and a fresh folder when a Slurm answers here (sinfo
/// finds an idle node), with no user settings file; nil (saying what is
/// skipped) otherwise.
func liveSlurm(skipping what: String) throws -> (binary: String, dir: String)? {
    // A node that is up: idle, or busy with another live test's tasks (mix, alloc).
    guard let sinfo = ["/usr/bin/sinfo", "/usr/local/bin/sinfo"].first(where: FileManager.default.isExecutableFile),
          case let states = shell([sinfo, "--noheader", "--format=%t"]).output,
          ["idle", "mix", "alloc"].contains(where: states.contains) else {
        print("note: no Slurm answers here (sinfo): \(what) is skipped")
        return nil
    }
    setenv("DYSON_SLURM_CONFIG", "/nonexistent", 1)
    return (try dysonBinary(), try temporaryFolder())
}

/// `submit` … `wait`: a cluster job enters the workspace as the same result
/// a local `train` gives, bit for bit.
@Suite("Job commands")
struct JobCommandTests {
    /// A replaying (confined) notebook submits nothing: `wait` trains the
    /// tasks without a shard here, and a second replay reuses every shard.
    @Test func submitThenWaitEqualsTrainBitForBit() throws {
        let (local, replay, dir, front) = try localAndReplaying(model: "model rbm n=6")
        let trained = local.run("train lr=0.01 batch=8 steps=300 runs=5 seed=5")

        let submitted = replay.run("submit lr=0.01 batch=8 steps=300 runs=5 shards=3 seed=5 as=big")
        #expect(submitted.lines == ["job big: rbm n=6 mu=3.0 mass=2.0 sigma_h=1.0 k=3 init=0.1",
                                    "5 runs × 300 steps in 3 tasks of 1–2 runs, seed=5"])
        #expect(submitted.remarks.contains { $0.contains("not submitted") })
        let waited = replay.run("wait job=big")
        #expect(waited.lines == trained.lines, "wait prints what train prints")
        let a = try #require(local.workspace.last), b = try #require(replay.workspace.named["big"])
        #expect(a.spectra.map(\.bitPattern) == b.spectra.map(\.bitPattern))
        #expect(a.finalWeights.map(\.bitPattern) == b.finalWeights.map(\.bitPattern))
        #expect(a.finalStates == b.finalStates && a.runIndices == b.runIndices)
        // Analyses work on it unchanged.
        #expect(replay.run("spectrum").lines == local.run("spectrum").lines)

        // Shards present and unchanged are reused: nothing is trained again.
        let shards = dir + "/jobs/big/shards"
        let dates = try FileManager.default.contentsOfDirectory(atPath: shards).sorted().map {
            try FileManager.default.attributesOfItem(atPath: shards + "/" + $0)[.modificationDate] as? Date
        }
        #expect(dates.count == 3)
        let again = Notebook(front: front, baseDirectory: dir, confined: true)
        again.run("model rbm n=6")
        #expect(again.run("submit lr=0.01 batch=8 steps=300 runs=5 shards=3 seed=5 as=big").lines.last?.contains("already done") == true)
        #expect(again.run("wait").lines == trained.lines, "the newest job by default")
        #expect(try FileManager.default.contentsOfDirectory(atPath: shards).sorted().map {
            try FileManager.default.attributesOfItem(atPath: shards + "/" + $0)[.modificationDate] as? Date
        } == dates)
        let listed = again.run("jobs").lines.joined(separator: "\n")
        #expect(listed.contains("big") && listed.contains("3 of 3 done"), "\(listed)")
    }

    @Test func refusalsSayWhatToDo() throws {
        let dir = NSTemporaryDirectory() + "dyson-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: dir, confined: true)
        #expect(nb.fail("submit steps=10 runs=2")?.suggestion?.contains("model") == true)
        #expect(nb.fail("wait")?.suggestion?.contains("submit") == true)
        nb.run("model dbm n=4")
        #expect(nb.fail("submit steps=10 runs=2 shards=3")?.suggestion?.contains("shards=2") == true)
        #expect(nb.fail("submit steps=10 runs=2 as=../x")?.suggestion?.contains("letters") == true)
        nb.run("submit lr=0.1 steps=10 runs=2 shards=2 as=a seed=1")
        // The same name for another job is refused; its shards are not mixed up.
        #expect(nb.fail("submit lr=0.1 steps=10 runs=2 shards=2 as=a seed=2")?.suggestion?.contains("as=") == true)
        #expect(nb.fail("wait job=b")?.suggestion == "did you mean job=a?")
    }

    @Test func settingsFileGivesClusterOptions() throws {
        let s = try ClusterSettings.parse("""
            # site defaults
            partition = compute
            time = 02:00:00   # per task
            cpus = 4
            sbatch = --mem=4G --qos=long
            """, source: "slurm.conf")
        let o = try s.options(given: ["cpus": "2", "parallel": "10"])
        #expect(o.partition == "compute" && o.time == "02:00:00" && o.cpus == 2 && o.parallel == 10 && o.extra == ["--mem=4G", "--qos=long"])
        #expect(throws: NotebookError.self) { try ClusterSettings.parse("partiton = x", source: "f") }
        #expect(throws: NotebookError.self) { try ClusterSettings.parse("just words", source: "f") }
        #expect(throws: NotebookError.self) { try ClusterSettings.parse("cpus = many", source: "f").options(given: [:]) }
        #expect(throws: NotebookError.self) { try ClusterSettings.parse("time = soon", source: "f").options(given: [:]) }
        #expect(try ClusterSettings.load(path: "/nonexistent/slurm.conf").values.isEmpty)
    }

    /// The real thing where a Slurm answers: the dyson binary submits, its
    /// tasks run under Slurm, wait collects, and the result is train's.
    @Test func batchSessionOnARealSlurm() throws {
        guard let live = try liveSlurm(skipping: "the live job-command test") else { return }
        let (binary, dir) = live
        // One process submits and ends; a second one, later, collects.
        try "model dbm n=5\nsubmit lr=0.01 steps=200 runs=9 shards=3 parallel=2 time=5 as=j seed=4\n"
            .write(toFile: dir + "/submit.dyson", atomically: true, encoding: .utf8)
        let submitted = shell([binary, "--note", dir + "/submit.md", dir + "/submit.dyson"])
        #expect(submitted.status == 0 && submitted.output.contains("submitted as Slurm array job"), "\(submitted.output)")
        try "model dbm n=5\nwait job=j\nratio\ntrain lr=0.01 steps=200 runs=9 seed=4\nratio\n"
            .write(toFile: dir + "/collect.dyson", atomically: true, encoding: .utf8)
        let r = shell([binary, "--note", dir + "/collect.md", dir + "/collect.dyson"])
        #expect(r.status == 0, "\(r.output)")
        let blocks = r.output.components(separatedBy: "dbm n=5\ntrained 9 runs")
        #expect(blocks.count == 3, "\(r.output)")
        // What wait and train print (the table, the ratio) agrees digit for digit.
        let shown = { (s: String) in s.split(separator: "\n").filter { !$0.contains(" in ") && !$0.contains("collected") }.joined(separator: "\n") }
        if blocks.count == 3 { #expect(shown(blocks[1]) == shown(blocks[2])) }
        // Both notes replay from their folder: the shards there are reused, nothing is submitted.
        for note in ["submit.md", "collect.md"] {
            let replay = shell([binary, "replay", dir + "/" + note, "--check"])
            #expect(replay.status == 0 && replay.output.contains("all match"), "\(note): \(replay.output)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/jobs/j/submissions.json"))
    }
}

extension JobCommandTests {
    /// A scan on a real Slurm: one process submits every setting × shard
    /// (beyond the test node's small MaxArraySize, as several arrays), a
    /// second collects it, and prints what a local scan prints.
    @Test func scanOnARealSlurm() throws {
        guard let live = try liveSlurm(skipping: "the live scan test") else { return }
        let (binary, dir) = live
        let scan = "scan lr=0.05,0.1,0.2 batch=8 steps=300 runs=9 seed=4 as=s"
        try "model ts n=2 teacher=2\n\(scan) on=slurm shards=3 parallel=2 time=5\n".write(toFile: dir + "/submit.dyson", atomically: true, encoding: .utf8)
        let submitted = shell([binary, "--note", dir + "/submit.md", dir + "/submit.dyson"])
        #expect(submitted.status == 0 && submitted.output.contains("in 9 tasks (3 per setting"), "\(submitted.output)")
        let config = shell(["/usr/bin/scontrol", "show", "config"]).output
        let limit = config.split(separator: "\n").first { $0.hasPrefix("MaxArraySize") }?.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 1001
        #expect(submitted.output.contains(limit < 9 ? "submitted as 2 Slurm array jobs" : "submitted as Slurm array job"), "MaxArraySize \(limit): \(submitted.output)")
        try "model ts n=2 teacher=2\nwait job=s\n".write(toFile: dir + "/collect.dyson", atomically: true, encoding: .utf8)
        try "model ts n=2 teacher=2\n\(scan)\n".write(toFile: dir + "/here.dyson", atomically: true, encoding: .utf8)
        let collected = shell([binary, "--note", dir + "/collect.md", dir + "/collect.dyson"])
        let here = shell([binary, "--note", dir + "/here.md", dir + "/here.dyson"])
        #expect(collected.status == 0 && here.status == 0, "\(collected.output)\n\(here.output)")
        // From the table on, wait and the local scan print the same, digit for digit.
        let table = { (s: String) in
            s.components(separatedBy: "setting  lr").dropFirst().joined().split(separator: "\n").filter { !$0.contains("collected") }.joined(separator: "\n")
        }
        #expect(!table(here.output).isEmpty && table(collected.output) == table(here.output), "\(collected.output)\n\(here.output)")
        for note in ["submit.md", "collect.md"] {
            let replay = shell([binary, "replay", dir + "/" + note, "--check"])
            #expect(replay.status == 0 && replay.output.contains("all match"), "\(note): \(replay.output)")
        }
    }
}

@Suite("Train on Slurm")
struct TrainOnSlurmTests {
    /// `train … on=slurm` is `submit`: the same job, and wait gives train's result.
    @Test func trainOnSlurmIsSubmit() throws {
        let (local, replay, _, _) = try localAndReplaying(model: "model dbm n=4")
        let trained = local.run("train lr=0.01 steps=200 runs=5 seed=5")
        let submitted = replay.run("train lr=0.01 steps=200 runs=5 seed=5 on=slurm shards=2 as=j")
        #expect(submitted.lines.first == "job j: dbm n=4", "\(submitted.lines)")
        #expect(replay.run("wait job=j").lines == trained.lines)
        #expect(replay.fail("train shards=2")?.suggestion?.contains("on=slurm") == true)
        #expect(replay.run("help train").lines.contains { $0.contains("on ") && $0.contains("slurm") })
    }
}

@Suite("Scan on Slurm")
struct ScanOnSlurmTests {
    /// `scan … on=slurm` is one job for every setting × shard; `wait` prints
    /// what the local scan prints and keeps the same points, bit for bit.
    @Test(arguments: ["model ts n=2 teacher=2", "model rbm n=6"])
    func scanOnSlurmEqualsTheLocalScanBitForBit(_ model: String) throws {
        let (local, replay, dir, _) = try localAndReplaying(model: model)
        let scan = "scan lr=0.02,0.04 batch=8,16 steps=300 runs=6 seed=9 first=2 as=s"
        let here = local.run(scan)
        let submitted = replay.run(scan + " on=slurm shards=2")
        #expect(submitted.lines.first?.hasPrefix("job s: scan 's' of ") == true, "\(submitted.lines)")
        #expect(submitted.lines.last?.contains("3 × 6 runs × 300 steps in 6 tasks (2 per setting, of 3 runs)") == true, "\(submitted.lines)")
        // One part per setting, numbered as in the table, each with the scan's seed + its number.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/jobs/s/manifest.json"))) as? [String: Any]
        let parts = try #require(manifest?["parts"] as? [[String: Any]])
        #expect(parts.map { $0["setting"] as? Int } == [2, 3, 4])
        #expect(parts.map { ($0["config"] as? [String: Any])?["seed"] as? Int } == [11, 12, 13])
        let waited = replay.run("wait job=s")
        #expect(waited.lines == here.lines, "wait prints the local scan's table and collapse")
        #expect(waited.figures.map(\.name) == here.figures.map(\.name))
        let a = try #require(local.workspace.scans.last), b = try #require(replay.workspace.scans.last)
        #expect(a.label == b.label && a.points.count == b.points.count && !a.points.isEmpty)
        for (p, q) in zip(a.points, b.points) {
            #expect(p.meanSpacing.value.bitPattern == q.meanSpacing.value.bitPattern && p.sigma.value.bitPattern == q.sigma.value.bitPattern)
            #expect(p.meanSpacing.error?.bitPattern == q.meanSpacing.error?.bitPattern && p.center?.value.bitPattern == q.center?.value.bitPattern)
        }
        let listed = replay.run("jobs").lines.joined(separator: "\n")
        #expect(listed.contains("scan: 3 settings × 6 × 300") && listed.contains("[████████████████████] 100 %"), "\(listed)")
    }

    @Test func clusterParametersNeedOnSlurm() throws {
        let (_, replay, _, _) = try localAndReplaying(model: "model ts n=2 teacher=2")
        #expect(replay.fail("scan lr=0.1 steps=10 runs=10 shards=2")?.suggestion?.contains("on=slurm") == true)
        #expect(replay.fail("scan lr=0.1 steps=10 runs=4 on=slurm shards=5")?.suggestion?.contains("shards=4") == true)
        #expect(replay.run("help scan").lines.contains { $0.contains("parallel") })
    }
}

@Suite("Reattaching to jobs")
struct ReattachTests {
    /// A note that submitted a job, loaded into a live session: it neither
    /// submits again nor trains; a job not done stays in jobs, a finished one
    /// is collected under its name, bit for bit.
    @Test func loadingANoteReattachesToItsJob() throws {
        let dir = NSTemporaryDirectory() + "dyson-reattach-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let front = Notebook.frontMatter(seed: 2)
        // The note as a session on a cluster writes it (the tasks trained here stand in for Slurm's).
        let first = Notebook(front: front, journal: try Journal(path: dir + "/first.md", front: front), baseDirectory: dir, confined: true)
        first.run("model dbm n=4")
        first.run("submit lr=0.01 steps=200 runs=5 shards=2 seed=5 as=j")
        first.run("wait job=j")
        let trained = try #require(first.workspace.named["j"])
        try #"{"submissions":[{"arrayJob":"999","submitted":"2026-11-29T00:00:00Z","tasks":"0-1"}]}"#
            .write(toFile: dir + "/jobs/j/submissions.json", atomically: true, encoding: .utf8)
        let shard = dir + "/jobs/j/shards/task-1.shard"
        try FileManager.default.moveItem(atPath: shard, toPath: dir + "/kept.shard")

        let second = Notebook(front: front, journal: try Journal(path: dir + "/second.md", front: front), baseDirectory: dir)
        let outputs = second.execute("load first.md").compactMap { r -> CommandOutput? in
            if case .output(_, let o) = r { return o }
            if case .failure(let e) = r { Issue.record("\(e)") }
            return nil
        }
        let text = outputs.flatMap(\.lines).joined(separator: "\n")
        #expect(text.contains("reattached to job j") && text.contains("job j is not done yet (1 of 2 done"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: shard), "nothing trained here")
        #expect(second.workspace.named["j"] == nil)
        #expect(second.run("jobs").lines.contains { $0.hasPrefix("j ") && $0.contains("1 of 2 done") })

        try FileManager.default.moveItem(atPath: dir + "/kept.shard", toPath: shard)
        let third = Notebook(front: front, journal: try Journal(path: dir + "/third.md", front: front), baseDirectory: dir)
        _ = third.execute("load first.md")
        let collected = try #require(third.workspace.named["j"])
        #expect(collected.spectra.map(\.bitPattern) == trained.spectra.map(\.bitPattern))
        #expect(collected.finalWeights.map(\.bitPattern) == trained.finalWeights.map(\.bitPattern))
    }

    /// A replay that would train a large job here says how long it would take and what to do instead.
    @Test func aLongLocalTrainingIsRefusedWithItsDuration() throws {
        let (_, replay, _, _) = try localAndReplaying(model: "model rbm n=10")
        replay.run("submit lr=0.01 batch=16 steps=1e8 runs=100 shards=10 seed=1 as=big")
        let e = try #require(replay.fail("wait job=big"))
        #expect(e.message.contains("would take about") && e.message.contains(" h"), "\(e.message)")
        #expect(e.suggestion?.contains("on=slurm") == true && e.suggestion?.contains("local=yes") == true)
    }
}

@Suite("The paper on Slurm")
struct PaperOnSlurmScriptTests {
    /// sessions/paper-on-slurm.dyson is run on clusters only: every command
    /// in it must at least read as a valid command, and every training go to Slurm.
    @Test func everyCommandOfTheScriptIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sessions/paper-on-slurm.dyson").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var commands = 0, jobs = Set<String>()
        for line in text.split(separator: "\n") {
            guard case .command(let raw) = try Lexer.parse(String(line)) else { continue }
            let command = try #require(Notebook.command(named: raw.name), "\(line)")
            let args = try command.spec.bind(raw)
            commands += 1
            if ["train", "scan"].contains(raw.name) {
                #expect(args.word("on") == "slurm", "\(line)")
                let name = try #require(args.word("as"))
                #expect(jobs.insert(name).inserted, "one job folder per job: \(name)")
            }
            if raw.name == "wait" { #expect(jobs.contains(args.word("job") ?? ""), "\(line) waits for a job submitted before") }
        }
        #expect(commands > 30 && jobs.count == 11)
    }
}
