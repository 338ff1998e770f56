// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Linalg
import Plot

/// What happened to one line.
public enum Execution {
    case nothing
    case prose(String)
    /// The command as recorded (seed included), and what it produced.
    case output(line: String, CommandOutput)
    case failure(NotebookError)
}

/// A notebook session: reads lines of dyson's language, runs them on its
/// workspace, and (with a journal) writes the lab note as it goes. It knows no
/// terminal: the executable and the tests drive it the same way.
public final class Notebook {
    public static let version = "0.1.0"

    /// Every command, declared once.
    public static let commands: [any NotebookCommand.Type] = [
        HelpCommand.self, ModelCommand.self, TrainCommand.self, SpectrumCommand.self, SpacingCommand.self,
        SemicircleCommand.self, RatioCommand.self, FlowCommand.self, MarchenkoPasturCommand.self, ScanCommand.self, ShowCommand.self,
        SetCommand.self, SaveCommand.self, LoadCommand.self, SourceCommand.self, ExportCommand.self, WeightsCommand.self, LayerCommand.self, PowerLawCommand.self, RandomizeCommand.self,
        HistoryCommand.self, UndoCommand.self, ClearCommand.self, QuitCommand.self,
        SubmitCommand.self, WaitCommand.self, JobsCommand.self, CancelCommand.self, ResubmitCommand.self,
    ]

    public static func command(named name: String) -> (any NotebookCommand.Type)? {
        commands.first { $0.spec.name == name }
    }

    public let context: CommandContext
    public let journal: Journal?
    /// Position of the next command (derives its seed).
    public private(set) var position = 0
    /// The session's note so far (also when there is no journal file).
    public private(set) var document: NoteDocument

    public init(front: FrontMatter, journal: Journal? = nil, progress: ProgressReporter? = nil,
                cancel: CancellationFlag = CancellationFlag(), baseDirectory: String = FileManager.default.currentDirectoryPath,
                confined: Bool = false) {
        context = CommandContext(workspace: Workspace(sessionSeed: front.seed), progress: progress, cancel: cancel,
                                 baseDirectory: baseDirectory, confined: confined)
        self.journal = journal
        document = journal?.document ?? NoteDocument(front: front)
        context.notePath = journal?.path
        context.document = { [unowned self] in self.document }
        context.undo = { [unowned self] () throws(NotebookError) -> CommandOutput in try self.undoLastLine() }
    }

    /// The lines typed so far (with a file: the folder's earlier sessions too).
    public var history: SessionHistory {
        get { context.history }
        set { context.history = newValue }
    }

    /// The session as it was before a line that changed the note (for `undo`).
    struct UndoPoint {
        let line: String
        let workspace: Workspace
        let position: Int
        let entries: Int
        let journalEntries: Int?
        /// The commands the line ran, as recorded (a load or source runs many).
        var ran: [String] = []
        /// `save` lines run after it: those copies keep the cells undo removes.
        var savesAfter: [String] = []
    }

    /// The most recent lines that can be undone, oldest first (at most `UndoCommand.depth`).
    private var undoPoints: [UndoPoint] = []

    public var workspace: Workspace { context.workspace }

    /// Seconds spent running commands so far (not waiting for the user).
    public private(set) var commandSeconds = 0.0

    /// The prose line a finished session ends with: `Run time: …`. Prose that
    /// starts with this prefix is the record of an earlier run, so `load` skips it
    /// and `replay --update` rewrites it.
    public static let runTimePrefix = "Run time: "

    public static func runTimeProse(seconds: Double, cores: Int) -> String {
        #if DEBUG
        let build = "debug build"
        #else
        let build = "release build"
        #endif
        return "\(runTimePrefix)\(Format.duration(seconds)) of computing on \(cores) core\(cores == 1 ? "" : "s") (\(BLAS.summary)), \(build)."
    }

    /// Ends the session: records in the note how long its commands took, so a
    /// reader knows what replaying it costs. Nothing is recorded for a session
    /// that ran no command.
    public func finish() {
        guard position > 0 else { return }
        record(.prose(Self.runTimeProse(seconds: commandSeconds, cores: ProcessInfo.processInfo.activeProcessorCount)))
    }
    public var quitRequested: Bool { context.quitRequested }

    /// The front matter for a new session on this machine.
    public static func frontMatter(seed: UInt64, date: Date = Date()) -> FrontMatter {
        let f = ISO8601DateFormatter()
        return FrontMatter(version: version, seed: seed, date: f.string(from: date),
                           cores: ProcessInfo.processInfo.activeProcessorCount, blas: BLAS.summary)
    }

    /// The seed of the command at `position`: SplitMix64 of the session seed and
    /// the position, shown in a readable range.
    public static func derivedSeed(session: UInt64, position: Int) -> UInt64 {
        SplitMix64.mix(session &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(position + 1)) % 1_000_000_000
    }

    /// Runs one line (and any lines it queues, e.g. `load`, `source`). Errors are
    /// returned, never thrown: the workspace is unchanged by a failed command.
    /// `each` sees every result as soon as it is there (a loaded note's output
    /// streams while the rest of it runs). The line goes into `history`.
    @discardableResult
    public func execute(_ text: String, each: ((Execution) -> Void)? = nil) -> [Execution] {
        history.append(text)
        var point = UndoPoint(line: text.trimmingCharacters(in: .whitespaces), workspace: context.workspace, position: position,
                              entries: document.entries.count, journalEntries: journal?.document.entries.count)
        var results = [Execution]()
        func add(_ r: Execution) {
            results.append(r)
            if case .output(let line, _) = r { point.ran.append(line) }
            each?(r)
        }
        add(executeOne(text))
        while let next = context.nextPendingLine() {
            var result = executeOne(next)
            if case .failure(let e) = result {
                if let origin = context.origin {
                    result = .failure(NotebookError("\(origin): \(e.message)", suggestion: [e.suggestion, "the script's later lines were not run"].compactMap { $0 }.joined(separator: "; ")))
                }
                context.pendingLines.removeAll()
            }
            add(result)
        }
        if let stopped = context.finishPendingLines() { add(.failure(stopped)) }
        if context.sessionFrame.sandbox.confined {
            // A replay cannot undo: keep no earlier workspaces alive.
        } else if document.entries.count > point.entries {
            undoPoints.append(point)
            if undoPoints.count > UndoCommand.depth { undoPoints.removeFirst() }
        } else if !undoPoints.isEmpty {
            undoPoints[undoPoints.count - 1].savesAfter += point.ran.filter { $0.hasPrefix("save ") }
        }
        return results
    }

    /// `undo`: back to before the last line that changed the note.
    private func undoLastLine() throws(NotebookError) -> CommandOutput {
        guard let point = undoPoints.popLast() else {
            throw NotebookError("nothing to undo: no line of this session has changed the note, or the last \(UndoCommand.depth) are undone already",
                                suggestion: "undo takes back up to \(UndoCommand.depth) lines, the latest first")
        }
        if let journal, let count = point.journalEntries { try journal.truncate(toEntries: count) }
        let removed = document.entries.count - point.entries
        document.entries.removeLast(removed)
        context.workspace = point.workspace
        position = point.position
        var out = CommandOutput()
        out.journaled = false
        out.line("undid: \(point.line)")
        out.line("  \(removed) cell\(removed == 1 ? "" : "s") removed from the note; the workspace is as it was before (model: \(context.workspace.model?.summary ?? "none"))")
        var kept = [String]()
        for line in point.ran {
            guard case .command(let raw)? = try? Lexer.parse(line) else { continue }
            if raw.name == "export", let file = raw.positional.dropFirst().first, file != "-" { kept.append("\(file) (written by export) is kept") }
            if raw.name == "submit" || (raw.name == "train" && raw.arguments.contains { $0.key == "on" && $0.value == "slurm" }) {
                kept.append("the cluster job keeps running and its folder stays (cancel stops it)")
            }
        }
        for k in kept { out.line("  " + k + ": undo deletes no file") }
        for saved in point.savesAfter {
            out.line("  '\(saved)' wrote a copy that still has the removed cells: undo deletes no file (save again to update it)")
        }
        if !undoPoints.isEmpty { undoPoints[undoPoints.count - 1].savesAfter += point.savesAfter }
        return out
    }

    /// Words people bring from other shells, and what they mean here.
    public static let aliases = ["exit": "quit", "ls": "show", "who": "show"]

    /// `?` and `NAME?` ask for help (`help?`, `train?`), as in IPython.
    static func helpRequest(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix("?"), !t.hasPrefix("#") else { return nil }
        let word = t.dropLast().trimmingCharacters(in: .whitespaces)
        if word.isEmpty || word.lowercased() == "help" { return "help" }
        guard !word.contains(" "), word.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        return "help \(word)"
    }

    private func executeOne(_ text: String) -> Execution {
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("!") {
            return .failure(NotebookError("dyson runs no shell commands: notes are replayed by other people, and a note that could run '\(text.trimmingCharacters(in: .whitespaces).dropFirst())' would run it on their machine",
                                          suggestion: "run it in another terminal, or press Ctrl-Z, run it in the shell and type fg to come back (help shell)"))
        }
        let line: ParsedLine
        do { line = try Lexer.parse(Self.helpRequest(text) ?? text) } catch { return .failure(error) }
        switch line {
        case .empty:
            return .nothing
        case .prose(let p):
            record(.prose(p))
            return .prose(p)
        case .command(let typed):
            let raw = Self.aliases[typed.name.lowercased()].map {
                RawCommand(name: $0, positional: typed.positional, arguments: typed.arguments, comment: typed.comment)
            } ?? typed
            guard let command = Self.command(named: raw.name) else {
                let names = Self.commands.map { $0.spec.name }
                let hint = closest(raw.name, among: names).map { "did you mean \($0)?" } ?? "type help for the list of commands"
                return .failure(NotebookError("unknown command '\(raw.name)'", suggestion: hint))
            }
            let spec = command.spec
            do throws(NotebookError) {
                let args = try spec.bind(raw)
                var seed: UInt64 = 0
                var recorded = Self.canonical(raw)
                let usesSeed = spec.usesSeed(for: spec.positional.first.flatMap { args.word($0.name) })
                if usesSeed {
                    if let given = args.integer("seed") {
                        seed = UInt64(given)
                    } else {
                        seed = Self.derivedSeed(session: context.workspace.sessionSeed, position: position)
                        recorded += " seed=\(seed)"
                    }
                }
                let saved = context.workspace
                let output: CommandOutput
                let started = Date()
                defer { commandSeconds += Date().timeIntervalSince(started) }
                do throws(NotebookError) {
                    output = try command.run(args, seed: seed, context: context)
                } catch {
                    context.workspace = saved
                    throw error
                }
                if spec.name != UndoCommand.spec.name { position += 1 }
                if !output.recordedParameters.isEmpty || output.recordedPositional != nil {
                    var arguments = raw.arguments.filter { output.recordedParameters[$0.key.lowercased()] == nil }
                    for (k, v) in output.recordedParameters.sorted(by: { $0.key < $1.key }) { arguments.append((k, v)) }
                    recorded = Self.canonical(RawCommand(name: raw.name, positional: output.recordedPositional ?? raw.positional,
                                                         arguments: arguments, comment: nil))
                    if usesSeed && args.integer("seed") == nil { recorded += " seed=\(seed)" }
                }
                let analysed = Self.provenance(args, spec: spec, workspace: saved)
                context.workspace.records += output.records.map { r in
                    var r = r
                    r.line = recorded
                    r.analysed = analysed
                    return r
                }
                if output.journaled ?? !["help", "save", "quit", "load", "show"].contains(spec.name) {
                    let figures = output.figures.enumerated().map { i, f in
                        NoteFigure(file: "\(String(repeating: "0", count: max(0, 3 - String(position).count)))\(position)-\(spec.name)-\(i + 1).svg", title: f.figure.title,
                                   svg: SVGRenderer().render(f.figure))
                    }
                    record(.command(line: recorded, output: output.lines, figures: figures, remarks: output.remarks))
                }
                return .output(line: recorded, output)
            } catch {
                return .failure(error)
            }
        }
    }

    private func record(_ entry: NoteEntry) {
        document.entries.append(entry)
        if let journal {
            do { try journal.append(entry) } catch {
                FileHandle.standardError.write(Data("warning: \(error.message)\n".utf8))
            }
        }
    }

    /// What an analysis looked at, for its exported records: the result (its
    /// model, settings, runs and seed, and its name) and which snapshots.
    static func provenance(_ args: Arguments, spec: CommandSpec, workspace: Workspace) -> String? {
        let takesResult = spec.parameters.contains { $0.name == "of" } && spec.name != "train"
        guard takesResult else { return workspace.model.map { "model \($0.summary)" } }
        let name = args.word("of")
        guard let r = name.flatMap({ workspace.named[$0] }) ?? (name == nil ? workspace.last : nil) else { return nil }
        var text = "\(r.modelSummary); lr=\(Format.plain(r.config.lr)) batch=\(r.config.batch) steps=\(r.completedSteps) runs=\(r.runCount) seed=\(r.config.seed)"
        if let label = name ?? workspace.lastName { text += "; result \(label)" }
        text += args.integer("from").map { "; snapshots from step \($0)" } ?? "; final spectra"
        return text
    }

    /// The command as written, normalised: name, positional words, key=value pairs.
    static func canonical(_ raw: RawCommand) -> String {
        func quote(_ w: String) -> String { w.contains(" ") ? "\"\(w)\"" : w }
        return ([raw.name] + raw.positional.map(quote) + raw.arguments.map { "\($0.key.lowercased())=\(quote($0.value))" })
            .joined(separator: " ")
    }
}
