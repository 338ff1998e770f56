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
        SetCommand.self, SaveCommand.self, LoadCommand.self, ExportCommand.self, WeightsCommand.self, LayerCommand.self, PowerLawCommand.self, RandomizeCommand.self, QuitCommand.self,
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
    }

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

    /// Runs one line (and any lines it queues, e.g. `load`). Errors are returned,
    /// never thrown: the workspace is unchanged by a failed command.
    @discardableResult
    public func execute(_ text: String) -> [Execution] {
        var results = [executeOne(text)]
        while let next = context.nextPendingLine() {
            results.append(executeOne(next))
            if case .failure = results.last! { context.pendingLines.removeAll() }
        }
        if let stopped = context.finishPendingLines() { results.append(.failure(stopped)) }
        return results
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
                position += 1
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

    /// Names for tab completion after `prefix` (the text of the line so far).
    public static func completions(for lineSoFar: String) -> [String] {
        let parts = lineSoFar.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let current = parts.last ?? ""
        if parts.count <= 1 {
            return commands.map { $0.spec.name }.filter { $0.hasPrefix(current) }.sorted()
        }
        guard let command = command(named: parts[0].lowercased()) else { return [] }
        let spec = command.spec
        if let eq = current.firstIndex(of: "=") {
            let key = String(current[..<eq]), partial = String(current[current.index(after: eq)...])
            let first = parts.count > 2 ? parts[1] : nil
            guard let p = spec.parameters(for: first).first(where: { $0.name == key }), case .choice(let choices) = p.kind else { return [] }
            return choices.filter { $0.hasPrefix(partial) }.map { "\(key)=\($0)" }
        }
        var candidates = [String]()
        let positionalIndex = parts.count - 2
        let wordsSoFar = parts.dropFirst().dropLast().filter { !$0.contains("=") }
        if wordsSoFar.count == positionalIndex, positionalIndex < spec.positional.count,
           case .choice(let choices) = spec.positional[positionalIndex].kind {
            candidates += choices
        }
        let first: String? = spec.positional.isEmpty ? nil : parts.dropFirst().first
        let used = Set(parts.compactMap { $0.split(separator: "=").count == 2 ? String($0.split(separator: "=")[0]) : nil })
        candidates += spec.parameters(for: first).map(\.name).filter { !used.contains($0) }.map { "\($0)=" }
        return candidates.filter { $0.hasPrefix(current) }
    }
}
