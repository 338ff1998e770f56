// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// `show`: what the workspace holds.
public enum ShowCommand: NotebookCommand {
    public static let spec = CommandSpec(name: "show", summary: "show the workspace: model, results, seed, note", examples: ["show"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let ws = context.workspace
        var out = CommandOutput()
        out.line("model:   " + (ws.model?.summary ?? "none (model ts|rbm|dbm …)"))
        if let r = ws.last {
            out.line("result:  \(r.modelSummary): \(r.runCount) runs × \(r.completedSteps) steps, lr=\(context.fmt(r.config.lr)) batch=\(r.config.batch), \(r.snapshotSteps.count) snapshots\(ws.lastName.map { " (as \($0))" } ?? "")\(r.cancelled ? ", stopped early" : "")")
        } else {
            out.line("result:  none (train …)")
        }
        for (name, r) in ws.named.sorted(by: { $0.key < $1.key }) {
            out.line("  \(name): \(r.modelSummary), \(r.runCount) runs × \(r.completedSteps) steps, lr=\(context.fmt(r.config.lr)) batch=\(r.config.batch)")
        }
        out.line("seed:    \(ws.sessionSeed)   digits: \(ws.digits)   analysis results so far: \(ws.records.count)")
        out.line("note:    " + (context.notePath ?? "none"))
        return out
    }
}

/// `set seed=… digits=…`
public enum SetCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "set", summary: "set the session seed (for later commands) or the significant digits shown",
        parameters: [
            ParameterSpec("seed", .integer(0...Int(Int64.max)), help: "session seed"),
            ParameterSpec("digits", .integer(2...15), help: "significant digits in results"),
        ], examples: ["set seed=7", "set digits=6"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard !args.given.isEmpty else { throw NotebookError("set needs seed=… or digits=…", suggestion: "e.g. set digits=6") }
        var out = CommandOutput()
        if let s = args.integer("seed") { context.workspace.sessionSeed = UInt64(s); out.line("session seed \(s)") }
        if let d = args.integer("digits") { context.workspace.digits = d; out.line("digits \(d)") }
        return out
    }
}

/// `save FILE.md`: write the note so far, with its figures, atomically.
public enum SaveCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "save", summary: "save the session's note (and its figures) to FILE.md",
        positional: [ParameterSpec("file", .text, help: "where to write the note (.md)")], examples: ["save sessions/rbm-lr-scan.md"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("save needs a file name", suggestion: "save sessions/my-note.md") }
        guard name.hasSuffix(".md") else { throw NotebookError("'\(name)' does not end in .md", suggestion: "save \(name).md") }
        let path = try context.resolve(name)
        if let live = context.notePath, URL(fileURLWithPath: live).standardizedFileURL.path == path {
            throw NotebookError("\(name) is the live note itself; it is already saved", suggestion: "save to another file name")
        }
        try context.document().write(to: path)
        var out = CommandOutput()
        out.line("saved \(path)")
        return out
    }
}

/// `load FILE.md`: replay a note's commands into the workspace, then keep going.
public enum LoadCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "load", summary: "run the commands of a saved note here (with their recorded seeds), then carry on",
        positional: [ParameterSpec("file", .text, help: "the note to load (.md)")],
        parameters: [ParameterSpec("only", .choice(["scans"]), help: "only=scans: take the note's recorded scan tables as they are (no training), e.g. to finish an interrupted scan with first=")],
        examples: ["load sessions/rbm.md", "load sessions/2026-11-29-1.md only=scans"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("load needs a file name") }
        let path = try context.resolve(name)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw NotebookError("cannot read \(path)", suggestion: "check the file name")
        }
        let doc = try NoteDocument.parse(text)
        if args.word("only") == "scans" { return try restoreScans(doc, path: path, context: context) }
        var lines = [String]()
        for entry in doc.entries {
            switch entry {
            case .prose(let p):
                lines += p.components(separatedBy: "\n").filter { !$0.hasPrefix(Notebook.runTimePrefix) }.map { "# " + $0 }
            case .command(let line, _, _, _):
                if let first = line.split(separator: " ").first, ["load", "quit", "save"].contains(first) { continue }
                lines.append(line)
            }
        }
        context.pendingLines = lines + context.pendingLines
        var out = CommandOutput()
        out.line("loading \(lines.filter { !$0.hasPrefix("#") }.count) commands from \(path)")
        return out
    }
}

extension LoadCommand {
    /// `load NOTE.md only=scans`: the scan series recorded in a note, read from
    /// its tables (kind from the `model` before each scan, label from `as=` or
    /// the default "scan K"). Recorded in the note (with the path relative to
    /// the note's folder) so that its replay restores them too.
    static func restoreScans(_ doc: NoteDocument, path: String, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var kind: ModelKind?
        var restored = [ScanSeries]()
        var count = 0
        for case .command(let line, let output, _, _) in doc.entries {
            guard case .command(let raw)? = try? Lexer.parse(line) else { continue }
            if raw.name == "model", let word = raw.positional.first { kind = ModelKind(rawValue: word) }
            guard raw.name == "scan", let kind else { continue }
            count += 1
            let label = raw.arguments.first { $0.key == "as" }?.value ?? "scan \(count)"
            let points = ScanSeries.points(fromTable: output)
            if !points.isEmpty { restored.append(ScanSeries(label: label, kind: kind, points: points)) }
        }
        guard !restored.isEmpty else {
            throw NotebookError("\(path) records no scan", suggestion: "only=scans restores the tables that scan commands printed")
        }
        for series in restored { context.workspace.addScan(series) }
        var out = CommandOutput()
        out.journaled = true
        let described = restored.map { "\($0.label) (\($0.kind.rawValue), \($0.points.count) points)" }
        out.line("restored \(restored.count) scan\(restored.count == 1 ? "" : "s") from the note's tables, without training: " + described.joined(separator: ", "))
        if let notePath = context.notePath {
            let folder = URL(fileURLWithPath: notePath).deletingLastPathComponent().standardizedFileURL.path + "/"
            if path.hasPrefix(folder) { out.recordedPositional = [String(path.dropFirst(folder.count))] }
        }
        return out
    }
}

/// `quit`
public enum QuitCommand: NotebookCommand {
    public static let spec = CommandSpec(name: "quit", summary: "end the session (the note is already saved)")

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        context.quitRequested = true
        return CommandOutput()
    }
}
