// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing

@Suite("Replay")
struct ReplayTests {
    func session() throws -> String {
        let (nb, dir) = try makeSession(seed: 11)
        nb.run("# Calibration with the reference model.")
        nb.run("model dbm n=30")
        nb.run("train lr=0.2 steps=100 runs=10")
        nb.run("ratio")
        nb.run("spacing replicas=50")
        return dir + "/note.md"
    }

    @Test func aNoteReplaysToTheSameNumbers() throws {
        let path = try session()
        let report = try Replay.run(path: path)
        #expect(report.entries.count == 4)
        #expect(report.ok, "\(report.mismatches)")
    }

    @Test func aChangedNumberIsFoundAndNamed() throws {
        let path = try session()
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("⟨r̃⟩ = ") })
        let number = try #require(line.split(separator: " ").dropFirst(2).first)
        let changed = line.replacingOccurrences(of: String(number), with: String(Double(number)! * 1.1))
        text = text.replacingOccurrences(of: line, with: changed)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try Replay.run(path: path)
        let bad = try #require(report.mismatches.first)
        #expect(bad.line.hasPrefix("ratio"))
        if case .mismatch(let detail) = bad.status { #expect(detail.contains("in the note") && detail.contains("now")) }
        // --update rewrites the outputs and keeps the prose; then it matches again.
        _ = try Replay.run(path: path, update: true)
        let updated = try String(contentsOfFile: path, encoding: .utf8)
        #expect(updated.contains("Calibration with the reference model."))
        #expect(try Replay.run(path: path).ok)
    }

    @Test func aReplayedNoteCannotWriteOutsideItsFolder() throws {
        let (nb, dir) = try makeSession()
        nb.run("model dbm n=5")
        nb.run("train lr=0.1 steps=10 runs=2")
        let path = dir + "/note.md"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text += "```dyson\nexport spectra ../escaped.csv\n```\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try Replay.run(path: path)
        #expect(!report.ok)
        if case .failed(let m)? = report.mismatches.first?.status { #expect(m.contains("outside the note's folder")) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/../escaped.csv"))
    }

    @Test func numbersAreComparedWithATolerance() {
        #expect(Replay.compare(recorded: ["a 1.0000 b 2"], now: ["a   1.0001   b 2"], tolerance: 2e-3) == .match)
        #expect(Replay.compare(recorded: ["x 1.00"], now: ["x 1.10"], tolerance: 2e-3) != .match)
        #expect(Replay.compare(recorded: ["x 1 2"], now: ["x 1"], tolerance: 2e-3) != .match)
    }

    /// Every note in sessions/ replays with the numbers it records.
    @Test func goldenNotesReplay() throws {
        let sessions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sessions")
        // The notes the repository keeps (git ls-files): a user's own scratch
        // sessions in sessions/ are not golden notes. A note X.md that is too
        // slow for the suite has a reduced twin X.ci.md, which is replayed instead.
        let listed = shell(["git", "-C", sessions.path, "ls-files", "--", "*.md"])
        let candidates = listed.status == 0
            ? listed.output.split(separator: "\n").map { String($0) }
            : try FileManager.default.contentsOfDirectory(atPath: sessions.path)
        let notes = GoldenNotes.replayedBySuite(candidates)
        #expect(!notes.isEmpty)
        for note in notes.sorted() {
            let report = try Replay.run(path: sessions.appendingPathComponent(note).path)
            #expect(report.ok, "\(note): \(report.mismatches.map { "\($0.line): \($0.status)" })")
        }
    }
}

/// Which of the notes in sessions/ the suite replays.
enum GoldenNotes {
    /// Every X.md in the folder itself, except those with a reduced twin X.ci.md
    /// (the twin is replayed instead).
    static func replayedBySuite(_ files: [String]) -> [String] {
        let notes = files.filter { $0.hasSuffix(".md") && !$0.contains("/") }
        return notes.filter { note in
            note.hasSuffix(".ci.md") || !notes.contains(String(note.dropLast(3)) + ".ci.md")
        }.sorted()
    }
}

@Suite("Golden notes")
struct GoldenNotesSelectionTests {
    @Test func aTwinReplacesItsFullNote() {
        #expect(GoldenNotes.replayedBySuite(["rbm.md", "rbm.ci.md", "quickstart.md", "README.md.bak", "x/y.md"])
                == ["quickstart.md", "rbm.ci.md"])
    }
}

/// Cancels the running command at the first progress report that `when` accepts.
final class CancelWhen: ProgressReporter {
    let flag: CancellationFlag
    let when: (Double, String) -> Bool
    init(_ flag: CancellationFlag, when: @escaping (_ fraction: Double, _ detail: String) -> Bool) { self.flag = flag; self.when = when }
    func update(label: String, fraction: Double, detail: String) { if when(fraction, detail) { flag.cancel() } }
    func finish() {}

    /// A notebook with a note in a fresh temporary folder, cancelled at the
    /// first progress report that `when` accepts.
    static func notebook(seed: UInt64, when: @escaping (_ fraction: Double, _ detail: String) -> Bool) throws -> (Notebook, String) {
        let dir = NSTemporaryDirectory() + "dyson-cancel-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let flag = CancellationFlag()
        let front = Notebook.frontMatter(seed: seed)
        let nb = Notebook(front: front, journal: try Journal(path: dir + "/note.md", front: front),
                          progress: CancelWhen(flag, when: when), cancel: flag, baseDirectory: dir)
        return (nb, dir)
    }
}

@Suite("Interrupted training")
struct InterruptedTrainingTests {
    /// An interrupted training keeps its partial result, says so, and is
    /// recorded with the steps it completed, so that the note replays.
    @Test func anInterruptedTrainingIsRecordedAsTrainedAndReplays() throws {
        let (nb, dir) = try CancelWhen.notebook(seed: 5) { fraction, _ in fraction > 0.0001 }
        nb.run("model rbm n=6")
        let out = nb.run("train lr=0.01 batch=8 steps=1e9 runs=1 every=500")  // one run: no late starter on a busy machine
        #expect(out.remarks.contains { $0.hasPrefix("stopped early") })
        let steps = try #require(nb.workspace.last?.completedSteps)
        #expect(steps > 0 && steps % 500 == 0)
        nb.run("spectrum")
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("steps=\(steps)") && !note.contains("steps=1e9"))
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.ok, "\(report.mismatches)")
    }
}

@Suite("Interrupted scan")
struct InterruptedScanTests {
    /// Ctrl-C during a scan keeps the finished settings; the note records the
    /// scan as far as it got, and replays.
    @Test func anInterruptedScanKeepsFinishedSettingsAndReplays() throws {
        let (nb, dir) = try CancelWhen.notebook(seed: 6) { _, detail in detail.contains("setting 2/") }
        nb.run("model ts n=2")
        let out = nb.run("scan lr=0.05,0.1 batch=16 steps=3e7 every=3e7 runs=4")
        #expect(out.remarks.contains { $0.contains("kept the 1 finished settings of 2") })
        #expect(nb.workspace.scans.first?.points.map(\.lr) == [0.05])
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("scan lr=0.05,0.1 batch=16 steps=3e7 every=3e7 runs=4 as=\"scan 1\" last=1 seed="))
        let resume = try #require(out.remarks.first { $0.hasPrefix("to finish it: ") }).dropFirst("to finish it: ".count)
        #expect(resume.hasPrefix("scan lr=0.05,0.1 batch=16 steps=3e7 every=3e7 runs=4 seed=") && resume.hasSuffix("first=2 as=\"scan 1\""))
        // The replay trains the finished setting only (≈ the same time once more).
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.ok, "\(report.mismatches)")
    }

    /// A scan run in parts (last=, then first= with the same seed and label)
    /// is the whole scan: same settings, same seeds, one series.
    @Test func aScanRunInPartsEqualsTheWholeScan() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 6))
        nb.run("model ts n=2")
        nb.run("scan lr=0.05,0.1 batch=16,32 steps=500 runs=64 seed=9 last=3 as=parts")
        nb.run("scan lr=0.05,0.1 batch=16,32 steps=500 runs=64 seed=9 first=4 as=parts")
        nb.run("scan lr=0.05,0.1 batch=16,32 steps=500 runs=64 seed=9 as=whole")
        let scans = nb.workspace.scans
        #expect(scans.map(\.label) == ["parts", "whole"])
        let parts = scans[0].points, whole = scans[1].points
        #expect(parts.map(\.lr) == whole.map(\.lr) && parts.map(\.batch) == whole.map(\.batch))
        #expect(parts.map(\.meanSpacing.value) == whole.map(\.meanSpacing.value))
        #expect(parts.count == 4)
        #expect(nb.fail("scan lr=0.05,0.1 batch=16 steps=500 runs=64 first=3")?.message.contains("after the last setting") == true)
    }

    /// Resuming from a note in a new session: `load NOTE only=scans` restores the
    /// finished part from the note's table (no training), the continuation adds
    /// the rest to the same series, and the new session's note replays.
    @Test func aScanIsResumedFromItsNoteWithoutRetraining() throws {
        let dir = NSTemporaryDirectory() + "dyson-resume-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let front = Notebook.frontMatter(seed: 4)
        let first = Notebook(front: front, journal: try Journal(path: dir + "/first.md", front: front), baseDirectory: dir)
        first.run("model rbm n=6")
        first.run("scan lr=0.02,0.04,0.08 batch=16 steps=3000 runs=16 from=1000 every=100 seed=3 last=2 as=alpha")
        let whole = Notebook(front: front)
        whole.run("model rbm n=6")
        let wholeScan = whole.run("scan lr=0.02,0.04,0.08 batch=16 steps=3000 runs=16 from=1000 every=100 seed=3 as=alpha")

        let second = Notebook(front: front, journal: try Journal(path: dir + "/second.md", front: front), baseDirectory: dir)
        let restored = second.run("load first.md only=scans")
        #expect(restored.lines.first?.contains("alpha (rbm, 4 points)") == true)
        second.run("model rbm n=6")
        let resumed = second.run("scan lr=0.02,0.04,0.08 batch=16 steps=3000 runs=16 from=1000 every=100 seed=3 first=3 as=alpha")
        let parts = try #require(second.workspace.scans.first).points, all = try #require(whole.workspace.scans.first).points
        #expect(second.workspace.scans.count == 1 && parts.count == all.count && parts.count == 6)
        for (p, w) in zip(parts, all) {
            #expect(p.lr == w.lr && p.pair == w.pair)
            #expect(abs(p.meanSpacing.value / w.meanSpacing.value - 1) < 1e-3, "\(p.meanSpacing) vs \(w.meanSpacing)")
        }
        // The collapse over the restored and new points is the whole scan's, to the printed digits.
        func slope(_ out: CommandOutput) -> Double? {
            out.lines.first { $0.contains("⟨S⟩  = a·scale") }.flatMap { Replay.numbers([$0]).first?.0 }
        }
        let resumedSlope = try #require(slope(resumed)), wholeSlope = try #require(slope(wholeScan))
        #expect(abs(resumedSlope / wholeSlope - 1) < 2e-3, "a_fit \(resumedSlope) vs \(wholeSlope)")
        let note = try String(contentsOfFile: dir + "/second.md", encoding: .utf8)
        #expect(note.contains("```dyson\nload first.md only=scans\n```"))
        let report = try Replay.run(path: dir + "/second.md")
        #expect(report.ok, "\(report.mismatches)")
        let empty = Notebook(front: front, journal: try Journal(path: dir + "/empty.md", front: front), baseDirectory: dir)
        empty.run("model ts n=2")
        #expect(second.fail("load empty.md only=scans")?.message.contains("records no scan") == true)
    }
}

@Suite("Interrupted replay")
struct InterruptedReplayTests {
    /// Ctrl-C during a replay stops it after the running command: the report
    /// says so, lists only the commands that finished, and an interrupted
    /// `--update` leaves the note as it was.
    @Test func anInterruptedReplayStopsAndWritesNothing() throws {
        let dir = NSTemporaryDirectory() + "dyson-interrupted-replay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let front = Notebook.frontMatter(seed: 9)
        let nb = Notebook(front: front, journal: try Journal(path: dir + "/note.md", front: front), baseDirectory: dir)
        for line in ["model ts n=2", "train lr=0.1 batch=16 steps=20000 runs=400", "spacing", "model rbm n=4", "train lr=0.01 batch=8 steps=2000 runs=4"] {
            nb.run(line)
        }
        nb.finish()
        let before = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        let flag = CancellationFlag()
        // Cancelled during the first training: the model line finished before it.
        let report = try Replay.run(path: dir + "/note.md", update: true,
                                    progress: CancelWhen(flag) { fraction, _ in fraction > 0.01 }, cancel: flag)
        #expect(report.interrupted)
        #expect(report.entries.map(\.line) == ["model ts n=2"])
        #expect(report.ok)
        #expect(try String(contentsOfFile: dir + "/note.md", encoding: .utf8) == before)
        // Uninterrupted, the same note replays in full.
        let full = try Replay.run(path: dir + "/note.md")
        #expect(!full.interrupted && full.entries.count == 5 && full.ok, "\(full.mismatches)")
    }
}
