// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing

/// A fresh folder for one test, by its canonical path.
func freshFolder(_ label: String) throws -> String {
    let dir = NSTemporaryDirectory() + "dyson-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return Sandbox.canonicalFolder(dir)
}

/// Everything under `folder`, links not followed: path → kind and content
/// (a file's bytes, a link's target), to see that nothing changed.
func snapshot(_ folder: String) -> [String: String] {
    var out = [String: String]()
    func visit(_ path: String, _ relative: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            out[relative] = "link → " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        case S_IFDIR:
            out[relative] = "folder"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                visit(path + "/" + name, relative.isEmpty ? name : relative + "/" + name)
            }
        case S_IFREG:
            out[relative] = "file " + (FileManager.default.contents(atPath: path)?.base64EncodedString() ?? "?")
        case S_IFIFO:
            out[relative] = "fifo"
        default:
            out[relative] = "other"
        }
    }
    visit(folder, "")
    return out
}

/// A note written by hand: front matter and one ```dyson block per command,
/// without outputs (for `load`, which does not compare).
func handWrittenNote(_ commands: [String], seed: UInt64 = 1) -> String {
    "---\ndyson: 0.1.0\nseed: \(seed)\n---\n\n" + commands.map { "```dyson\n\($0)\n```\n\n" }.joined()
}

/// A note written by a real session in `folder` (so it replays), from `lines`.
func recordedNote(in folder: String, name: String = "note.md", seed: UInt64 = 2, _ lines: [String]) throws -> String {
    let front = Notebook.frontMatter(seed: seed)
    let nb = Notebook(front: front, journal: try Journal(path: folder + "/" + name, front: front), baseDirectory: folder)
    for line in lines { nb.run(line) }
    return folder + "/" + name
}

@Suite("Paths from notes are resolved and confined")
struct SandboxTests {
    /// `out -> /elsewhere`: a replayed note's export through the link is
    /// refused (naming the command and the path), with --check and --update.
    @Test func aSymlinkedFolderDoesNotLetAReplayedNoteWriteOutside() throws {
        let folder = try freshFolder("sandbox"), outside = try freshFolder("outside")
        let path = try recordedNote(in: folder, ["model dbm n=4", "train lr=0.1 steps=10 runs=2"])
        try FileManager.default.createSymbolicLink(atPath: folder + "/out", withDestinationPath: outside)
        try (String(contentsOfFile: path, encoding: .utf8) + "```dyson\nexport spectra out/x.csv\n```\n").write(toFile: path, atomically: true, encoding: .utf8)
        for update in [false, true] {
            let report = try Replay.run(path: path, update: update)
            let failure = try #require(report.mismatches.first)
            guard case .failed(let message) = failure.status else { Issue.record("\(failure.status)"); continue }
            #expect(message.hasPrefix("export: out/x.csv leads outside the note's folder"), "\(message)")
            #expect(message.contains(outside))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    /// A symlinked NOTE.assets pointing outside: --update refuses to write the
    /// figures there and leaves the note as it was.
    @Test func aSymlinkedAssetsFolderIsRefusedByUpdate() throws {
        let folder = try freshFolder("sandbox"), outside = try freshFolder("outside")
        let path = try recordedNote(in: folder, ["model dbm n=6", "train lr=0.1 steps=10 runs=4", "ratio"])
        try FileManager.default.removeItem(atPath: folder + "/note.assets")
        try FileManager.default.createSymbolicLink(atPath: folder + "/note.assets", withDestinationPath: outside)
        let before = snapshot(folder)
        #expect {
            try Replay.run(path: path, update: true)
        } throws: { e in
            let m = (e as? NotebookError)?.message ?? ""
            return m.hasPrefix("replay --update:") && m.contains("note.assets") && m.contains("outside the note's folder")
        }
        #expect(snapshot(folder) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    /// The policy for a final symbolic link: it is never replaced by a file; it
    /// is written through when its resolved target is allowed (anywhere in the
    /// user's own session, inside the folder for a note), refused otherwise.
    @Test func aFinalSymlinkIsWrittenThroughOnlyToAnAllowedTarget() throws {
        let folder = try freshFolder("sandbox"), outside = try freshFolder("outside")
        try "old".write(toFile: outside + "/t.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.csv", withDestinationPath: outside + "/t.csv")
        let session = Sandbox.session(base: folder)
        let target = try session.resolve("link.csv", for: "export")
        #expect(target.path == outside + "/t.csv" && target.kind == .regular)
        try FileSystem.write(Data("new".utf8), to: target, for: "export")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link.csv") == outside + "/t.csv")
        #expect(try String(contentsOfFile: outside + "/t.csv", encoding: .utf8) == "new")
        // A note: the same link is refused; a link that stays inside is followed.
        let note = Sandbox.note(folder: folder, owner: "the note")
        #expect(throws: NotebookError.self) { try note.resolve("link.csv", for: "export") }
        try FileManager.default.createSymbolicLink(atPath: folder + "/inside.csv", withDestinationPath: "data.csv")
        let inside = try note.resolve("inside.csv", for: "export")
        #expect(inside.path == folder + "/data.csv" && inside.kind == .missing)
        // A dangling link to outside is refused too (it would create a file there).
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling.csv", withDestinationPath: outside + "/new.csv")
        #expect(throws: NotebookError.self) { try note.resolve("dangling.csv", for: "export") }
        // A loop of links ends with an error, not a hang.
        try FileManager.default.createSymbolicLink(atPath: folder + "/a", withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: folder + "/b", withDestinationPath: "a")
        #expect(throws: NotebookError.self) { try session.resolve("a", for: "export") }
    }

    /// `..`, absolute paths and a symlinked parent are judged by where they
    /// really lead, not by how the string looks.
    @Test func pathsAreJudgedByWhereTheyLead() throws {
        let folder = try freshFolder("sandbox"), outside = try freshFolder("outside")
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/sub/up", withDestinationPath: outside)
        let note = Sandbox.note(folder: folder, owner: "the note")
        #expect(try note.resolve("sub/../x.csv", for: "export").path == folder + "/x.csv")
        #expect(try note.resolve(folder + "/sub/x.csv", for: "export").path == folder + "/sub/x.csv")
        for escaping in ["../x.csv", "sub/../../x.csv", "sub/up/x.csv", "sub/up/../x.csv", outside + "/x.csv", "/x.csv"] {
            #expect(throws: NotebookError.self, "\(escaping)") { try note.resolve(escaping, for: "save") }
        }
        do {
            _ = try note.resolve("sub/up/x.csv", for: "save")
        } catch {
            #expect(error.message.hasPrefix("save: sub/up/x.csv leads outside"))
        }
        #expect(throws: NotebookError.self) { try note.resolve("missing-folder/x.csv", for: "export") }
        #expect(throws: NotebookError.self) { try note.resolve("sub/", for: "export") }
    }

    /// FIFOs and character devices are written through, never replaced by a
    /// file; a note may not write them at all.
    @Test func fifosAndDevicesAreWrittenThroughNotReplaced() throws {
        let dir = try freshFolder("fifo")
        let flag = CancellationFlag()
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), cancel: flag, baseDirectory: dir)
        nb.run("model dbm n=4")
        nb.run("train lr=0.1 steps=10 runs=2")
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        // Threads of their own: the test's executor may have no thread to spare.
        Thread {
            let fd = open(fifo, O_RDONLY)  // waits for the writer
            var data = Data(), buffer = [UInt8](repeating: 0, count: 4096)
            while fd >= 0 {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
            }
            if fd >= 0 { close(fd) }
            received.data = data
            done.signal()
        }.start()
        let watchdog = Thread { sleep(120); flag.cancel() }  // a hang guard: stops the wait for a reader
        watchdog.start()
        nb.run("export spectra pipe")
        #expect(done.wait(timeout: .now() + 120) == .success)
        let csv = String(decoding: received.data ?? Data(), as: UTF8.self)
        #expect(csv.hasPrefix("run,step,index,value,target\n"))
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        nb.run("export results /dev/null")
        #expect(lstat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        // From a loaded note, the FIFO is refused (it would wait for a reader).
        try handWrittenNote(["export spectra pipe"]).write(toFile: dir + "/writer.md", atomically: true, encoding: .utf8)
        let results = nb.execute("load writer.md")
        guard case .failure(let e)? = results.last else { Issue.record("the loaded note wrote the FIFO"); return }
        #expect(e.message.contains("export: pipe is a FIFO"))
    }

    /// `-` is standard output, and a batch run that exports there keeps its
    /// other results off stdout, so a pipe carries the data alone.
    @Test func exportToDashFeedsAPipe() throws {
        let binary = try dysonBinary(), dir = try freshFolder("dash")
        try "model dbm n=4\ntrain lr=0.1 steps=10 runs=2\nexport spectra -\n".write(toFile: dir + "/s.dyson", atomically: true, encoding: .utf8)
        let out = dir + "/out.csv"
        let r = shell(["/bin/sh", "-c", "'\(binary)' '\(dir)/s.dyson' > '\(out)' 2>/dev/null"])
        #expect(r.status == 0)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "run,step,index,value,target")
        #expect(lines.count > 1 && lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 5 })
    }

    /// `export results live.md` and an export or save over another dyson note
    /// need force=yes; the live note is refused even then.
    @Test func noCommandOverwritesANoteWithoutForce() throws {
        let (nb, dir) = try makeSession()
        nb.run("model dbm n=4")
        nb.run("train lr=0.1 steps=10 runs=2")
        nb.run("ratio")
        let live = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        for line in ["export results note.md", "export results note.md force=yes", "save note.md force=yes", "export spectra ./note.md"] {
            #expect(nb.fail(line)?.message.contains("note.md is the live note of this session") == true, "\(line)")
        }
        #expect(try String(contentsOfFile: dir + "/note.md", encoding: .utf8) == live)
        // Through a link to the live note: refused as well.
        try FileManager.default.createSymbolicLink(atPath: dir + "/alias.md", withDestinationPath: "note.md")
        #expect(nb.fail("export results alias.md force=yes")?.message.contains("live note") == true)
        nb.run("save other.md")
        let other = try String(contentsOfFile: dir + "/other.md", encoding: .utf8)
        #expect(nb.fail("export results other.md")?.message.contains("other.md is a dyson note") == true)
        #expect(nb.fail("save other.md")?.suggestion?.contains("force=yes") == true)
        #expect(try String(contentsOfFile: dir + "/other.md", encoding: .utf8) == other)
        nb.run("save other.md force=yes")
        // A Markdown file that is not a note, and any other file, are just files.
        try "# notes by hand\n".write(toFile: dir + "/plain.md", atomically: true, encoding: .utf8)
        nb.run("export results plain.md")
    }

    /// `dyson --note existing.md` refuses; the file is left as it was.
    @Test func aNewSessionNeverTruncatesAnExistingFile() throws {
        let dir = try freshFolder("journal")
        try "precious\n".write(toFile: dir + "/existing.md", atomically: true, encoding: .utf8)
        #expect(throws: NotebookError.self) { try Journal(path: dir + "/existing.md", front: Notebook.frontMatter(seed: 1)) }
        let binary = try dysonBinary()
        try "model dbm n=4\n".write(toFile: dir + "/s.dyson", atomically: true, encoding: .utf8)
        let r = shell([binary, "--note", dir + "/existing.md", dir + "/s.dyson"])
        #expect(r.status == 2 && r.output.contains("already exists"))
        #expect(try String(contentsOfFile: dir + "/existing.md", encoding: .utf8) == "precious\n")
    }

    /// --check changes nothing in the note's folder: its exports go to a
    /// scratch folder, its save cannot touch the note or a sibling note.
    /// --update rewrites the note and its assets only.
    @Test func replayCheckIsReadOnlyAndUpdateTouchesOnlyTheNote() throws {
        let folder = try freshFolder("readonly")
        let path = try recordedNote(in: folder, ["model dbm n=6", "train lr=0.1 steps=10 runs=4", "ratio", "export spectra s.csv", "export results r.json"])
        _ = try recordedNote(in: folder, name: "sibling.md", ["model dbm n=4"])
        try "old".write(toFile: folder + "/s.csv", atomically: true, encoding: .utf8)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text += "```dyson\nsave note.md\n```\n\n```dyson\nsave sibling.md force=yes\n```\n\n```dyson\nsave fresh.md\n```\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let before = snapshot(folder)
        let report = try Replay.run(path: path)
        #expect(snapshot(folder) == before)
        let failures = report.mismatches.compactMap { e -> String? in if case .failed(let m) = e.status { return m } else { return nil } }
        #expect(failures.count == 2)
        #expect(failures.contains { $0.contains("note.md is the note being replayed") })
        #expect(failures.contains { $0.contains("sibling.md is a dyson note") })
        #expect(report.entries.filter { $0.line.hasPrefix("export") }.allSatisfy { $0.status == .match })
        _ = try Replay.run(path: path, update: true)
        let after = snapshot(folder)
        let changed = Set(after.keys.filter { after[$0] != before[$0] }).union(before.keys.filter { after[$0] == nil })
        #expect(changed.allSatisfy { $0 == "note.md" || $0.hasPrefix("note.assets") }, "\(changed.sorted())")
        #expect(try String(contentsOfFile: folder + "/s.csv", encoding: .utf8) == "old")
    }

    /// A loaded note resolves its paths against its own folder, may not leave
    /// it, and its `set seed` is reported.
    @Test func aLoadedNoteIsConfinedToItsFolder() throws {
        let cwd = try freshFolder("session"), folder = try freshFolder("loaded")
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try handWrittenNote(["model dbm n=4", "train lr=0.1 steps=10 runs=2 seed=3", "export spectra x.csv", "set seed=77"])
            .write(toFile: folder + "/sub/good.md", atomically: true, encoding: .utf8)
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: cwd)
        let results = nb.execute("load \(folder)/sub/good.md")
        let text = results.compactMap { r -> [String]? in if case .output(_, let o) = r { return o.lines } else { return nil } }.joined()
        #expect(text.contains { $0.contains("sets the session seed (set seed=77)") })
        #expect(text.contains { $0.hasPrefix("session seed 77 (set by the loaded note") })
        #expect(FileManager.default.fileExists(atPath: folder + "/sub/x.csv"))
        #expect(!FileManager.default.fileExists(atPath: cwd + "/x.csv"))
        #expect(nb.workspace.sessionSeed == 77)
        for escaping in ["export spectra ../x.csv", "export spectra \(cwd)/y.csv", "load ../other.md"] {
            try handWrittenNote(["model dbm n=4", "train lr=0.1 steps=10 runs=2 seed=3", escaping])
                .write(toFile: folder + "/sub/bad.md", atomically: true, encoding: .utf8)
            let r = nb.execute("load \(folder)/sub/bad.md")
            guard case .failure(let e)? = r.last else { Issue.record("\(escaping) ran"); continue }
            #expect(e.message.contains("leads outside the note's folder") && e.message.contains("the loaded note"), "\(e.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.csv") && !FileManager.default.fileExists(atPath: cwd + "/y.csv"))
        // After the load, the session's own lines are back to the session's rules.
        nb.run("export spectra mine.csv")
        #expect(FileManager.default.fileExists(atPath: cwd + "/mine.csv"))
    }

    /// A note that loads itself — in any spelling, or through a link — stops
    /// with an error instead of looping; nesting is capped.
    @Test func selfLoadsAndDeepNestingStop() throws {
        let dir = try freshFolder("cycle")
        try FileManager.default.createSymbolicLink(atPath: dir + "/alias.md", withDestinationPath: "self.md")
        let spellings = ["load self.md", "LOAD self.md", "load \"self.md\"", "Load\tself.md", "  load ./self.md", "load alias.md", "\"load\" \(dir)/self.md"]
        for spelling in spellings {
            try handWrittenNote(["model dbm n=4", spelling]).write(toFile: dir + "/self.md", atomically: true, encoding: .utf8)
            let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: dir)
            let results = nb.execute("load self.md")
            #expect(results.count < 10, "\(spelling)")
            guard case .failure(let e)? = results.last else { Issue.record("\(spelling): no error"); continue }
            #expect(e.message.contains("already being loaded"), "\(spelling): \(e.message)")
            // Replayed, the note is one of its own loads from the start.
            let report = try Replay.run(path: dir + "/self.md")
            #expect(report.entries.count == 2 && !report.ok)
        }
        // n0 loads n1 loads … n11: refused at depth 8.
        for k in 0..<12 {
            try handWrittenNote(["model dbm n=4", "load n\(k + 1).md"]).write(toFile: dir + "/n\(k).md", atomically: true, encoding: .utf8)
        }
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: dir)
        let results = nb.execute("load n0.md")
        guard case .failure(let e)? = results.last else { Issue.record("no error"); return }
        #expect(e.message.contains("at most 8 may nest"), "\(e.message)")
        // A note that loads a sibling twice over many levels is stopped by the line budget or the depth.
        #expect(results.count < 100)
    }

    /// A `quit` in a note neither ends the session that loads it nor cuts a
    /// `replay --check` short: a tampered number after it is still found.
    @Test func aNoteCannotQuitForItsReader() throws {
        let folder = try freshFolder("quit")
        let path = try recordedNote(in: folder, ["model dbm n=6", "train lr=0.1 steps=10 runs=4", "ratio"])
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("⟨r̃⟩ = ") })
        let number = try #require(line.split(separator: " ").dropFirst(2).first)
        text = text.replacingOccurrences(of: line, with: line.replacingOccurrences(of: String(number), with: String(Double(number)! * 1.2)))
        text = text.replacingOccurrences(of: "```dyson\nratio", with: "```dyson\nquit\n```\n\n```dyson\nratio")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try Replay.run(path: path)
        #expect(report.mismatches.map(\.line).first?.hasPrefix("ratio") == true, "\(report.entries)")
        try handWrittenNote(["model dbm n=4", "quit", "model rbm n=4"]).write(toFile: folder + "/q.md", atomically: true, encoding: .utf8)
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: folder)
        nb.run("load q.md")
        #expect(!nb.quitRequested)
        #expect(nb.workspace.model?.summary.hasPrefix("rbm") == true)
    }

    /// Ctrl-C during a loaded note's training stops the load as a whole: the
    /// training keeps its partial result, the lines after it do not run.
    @Test func ctrlCStopsALoadAsAWhole() throws {
        let (nb, dir) = try CancelWhen.notebook(seed: 5) { fraction, _ in fraction > 0.0001 }
        try handWrittenNote(["model rbm n=6", "train lr=0.01 batch=8 steps=1e9 runs=1 every=500 seed=1", "model dbm n=4", "train lr=0.1 steps=10 runs=2"])
            .write(toFile: dir + "/long.md", atomically: true, encoding: .utf8)
        let results = nb.execute("load long.md")
        #expect(results.count == 4)  // load, model, train (stopped), the stop
        guard case .failure(let e)? = results.last else { Issue.record("the load was not stopped"); return }
        #expect(e.message.hasPrefix("load stopped by Ctrl-C: 2 lines"))
        #expect(nb.workspace.model?.summary.hasPrefix("rbm") == true)
        #expect(nb.workspace.last?.cancelled == true)
    }

    /// A batch run stopped by SIGINT exits 130, and its note keeps what ran.
    @Test func aBatchRunStoppedByCtrlCExits130() throws {
        let binary = try dysonBinary(), dir = try freshFolder("sigint")
        try "model dbm n=4\ntrain lr=0.1 steps=10 runs=2\nmodel rbm n=6\ntrain lr=0.01 batch=8 steps=1e9 runs=1 every=500\nspectrum\n"
            .write(toFile: dir + "/s.dyson", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--note", dir + "/note.md", dir + "/s.dyson"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOfFile: dir + "/note.md", encoding: .utf8)) ?? "").contains("model rbm n=6") {
            usleep(50_000)
        }
        usleep(300_000)  // inside the long training
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 130)
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("```dyson\ntrain lr=0.01 batch=8 ") && note.contains(" steps=") && !note.contains("steps=1e9"), "\(note)")
        #expect(!note.contains("```dyson\nspectrum"))
    }

    /// After a NaN result, `export results` still works: NaN and ±∞ are JSON
    /// null with the reason.
    @Test func aNaNNeverBlocksAnExport() throws {
        let (nb, dir) = try makeSession()
        nb.context.workspace.records = [
            ResultRecord(command: "scan", quantity: "a_fit ⟨S⟩", value: .nan, error: .infinity, sampleSize: 5, method: "fit"),
            ResultRecord(command: "ratio", quantity: "⟨r̃⟩", value: 0.53, error: 0.01, sampleSize: 100, method: "mean", prediction: 0.5307),
        ]
        let out = nb.run("export results r.json")
        #expect(out.lines.first?.contains("(1 with values that are not finite") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as? [[String: Any]])
        #expect(json.count == 2)
        #expect(json[0]["value"] is NSNull && json[0]["error"] is NSNull && json[0]["quantity"] as? String == "a_fit ⟨S⟩")
        #expect(json[0]["reason"] as? String == "error is +infinity; value is NaN (not a number); written as null")
        #expect((json[1]["value"] as? Double) == 0.53 && json[1]["reason"] == nil && (json[1]["prediction"] as? Double) == 0.5307)
        // Again after the NaN: nothing blocks a later export.
        nb.run("export results r2.json")
    }
}

/// Data handed over from a reader thread.
final class Received: @unchecked Sendable {
    var data: Data?
}
