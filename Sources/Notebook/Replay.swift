// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// Re-runs a note from an empty workspace with its recorded seeds and compares
/// every command's numbers with the recorded ones.
public enum Replay {
    public enum Status: Equatable, Sendable {
        case match
        /// The first differing number, with the recorded and the new value.
        case mismatch(String)
        case failed(String)
    }

    public struct Entry: Sendable {
        public let line: String
        public let status: Status
    }

    public struct Report: Sendable {
        public let path: String
        public let entries: [Entry]
        /// Seconds the replayed commands took.
        public var seconds = 0.0
        /// Stopped by `cancel` (Ctrl-C) before the last command: `entries`
        /// holds those that ran, and nothing was written.
        public var interrupted = false
        public var mismatches: [Entry] { entries.filter { $0.status != .match } }
        public var ok: Bool { mismatches.isEmpty }
    }

    /// Replays the note at `path` from an empty workspace.
    ///
    /// The note is untrusted input. Its paths resolve against its own folder
    /// and may not leave it (`Sandbox`); it may not overwrite the note itself
    /// or any other dyson note; its own writes (exports, saves) go to a
    /// temporary folder that is deleted afterwards, so a replay never changes
    /// the note's folder. Only with `update` are the note and its figures
    /// (`NAME.assets/`) rewritten, in place, prose kept. Nothing but dyson
    /// commands is run. A file with no ```dyson block is not a note: refused.
    public static func run(path: String, relativeTolerance: Double = 2e-3, update: Bool = false,
                           progress: ProgressReporter? = nil, cancel: CancellationFlag = CancellationFlag(),
                           onEntry: ((Entry) -> Void)? = nil) throws(NotebookError) -> Report {
        let user = Sandbox.session(base: FileManager.default.currentDirectoryPath)
        let note = try user.resolve(path, for: "replay")
        let text = try FileSystem.readText(note, for: "replay")
        guard NoteDocument.isNote(text) else {
            throw NotebookError("replay: \(path) is not a dyson note (it has no ```dyson block)",
                                suggestion: "give the path of a note written by dyson")
        }
        let recorded = try NoteDocument.parse(text)
        let scratch = NSTemporaryDirectory() + "dyson-replay-\(UUID().uuidString)"
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) } catch {
            throw NotebookError("replay: cannot create a scratch folder in \(NSTemporaryDirectory()): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let notebook = Notebook(front: recorded.front, progress: progress, cancel: cancel, baseDirectory: note.folder, confined: true)
        var sandbox = Sandbox.note(folder: note.folder, owner: "the replayed note \(note.lastComponent)")
        sandbox.scratch = (from: sandbox.root!, to: Sandbox.canonicalFolder(scratch))
        sandbox.protected[note.path] = "the note being replayed"
        notebook.context.setSessionFrame(LoadFrame(sandbox: sandbox, chain: [note.path]))
        var entries = [Entry]()
        for entry in recorded.entries where !cancel.isCancelled {
            switch entry {
            case .prose(let p):
                for line in p.components(separatedBy: "\n") where !line.hasPrefix(Notebook.runTimePrefix) { notebook.execute("# " + line) }
            case .command(let line, let output, _, _):
                let results = notebook.execute(line)
                // A command stopped by Ctrl-C is neither a match nor a difference.
                if cancel.isCancelled { break }
                let status: Status
                switch results.first {
                case .output(_, let out)?:
                    status = compare(recorded: output, now: out.lines, tolerance: relativeTolerance)
                case .failure(let e)?:
                    status = .failed(e.message)
                default:
                    status = .failed("the line did not run as a command")
                }
                let e = Entry(line: line, status: status)
                entries.append(e)
                onEntry?(e)
            }
        }
        if cancel.isCancelled {
            // The scratch folder goes (defer above); an interrupted update writes nothing.
            var report = Report(path: path, entries: entries, seconds: notebook.commandSeconds)
            report.interrupted = true
            return report
        }
        if update {
            notebook.finish()
            var doc = notebook.document
            doc.front = recorded.front
            // Prose was replayed line by line; merge consecutive prose lines back into paragraphs.
            doc.entries = mergeProse(doc.entries)
            // Only the note and its own assets folder, both confined to its folder.
            let own = Sandbox.note(folder: note.folder, owner: "replay --update")
            try doc.write(to: try own.resolve(note.path, for: "replay --update"), sandbox: own, for: "replay --update")
        }
        return Report(path: path, entries: entries, seconds: notebook.commandSeconds)
    }

    static func mergeProse(_ entries: [NoteEntry]) -> [NoteEntry] {
        var out = [NoteEntry]()
        for e in entries {
            if case .prose(let p) = e, case .prose(let q)? = out.last {
                out[out.count - 1] = .prose(q + "\n" + p)
            } else {
                out.append(e)
            }
        }
        return out
    }

    /// Numbers in text (the layout around them is ignored).
    static func numbers(_ lines: [String]) -> [(Double, String)] {
        let pattern = try! NSRegularExpression(pattern: "[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?")
        var out = [(Double, String)]()
        for line in lines {
            let ns = line as NSString
            for m in pattern.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
                let token = ns.substring(with: m.range)
                if let v = Double(token) { out.append((v, line)) }
            }
        }
        return out
    }

    /// Compares the numbers of the recorded and the new output with a relative tolerance.
    public static func compare(recorded: [String], now: [String], tolerance: Double) -> Status {
        let a = numbers(recorded), b = numbers(now)
        guard a.count == b.count else {
            return .mismatch("the note has \(a.count) numbers, the replay \(b.count); now: \(now.first ?? "")")
        }
        for ((x, lineA), (y, _)) in zip(a, b) {
            let scale = max(abs(x), abs(y))
            if abs(x - y) > tolerance * scale + 1e-12 {
                return .mismatch("\(formatted(x)) in the note, \(formatted(y)) now, in: \(lineA.trimmingCharacters(in: .whitespaces))")
            }
        }
        return .match
    }

    static func formatted(_ x: Double) -> String { Format.value(x, digits: 6) }
}
