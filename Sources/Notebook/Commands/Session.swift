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
        positional: [ParameterSpec("file", .text, help: "the note to load (.md)")], examples: ["load sessions/rbm.md"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("load needs a file name") }
        let path = try context.resolve(name)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw NotebookError("cannot read \(path)", suggestion: "check the file name")
        }
        let doc = try NoteDocument.parse(text)
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

/// `quit`
public enum QuitCommand: NotebookCommand {
    public static let spec = CommandSpec(name: "quit", summary: "end the session (the note is already saved)")

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        context.quitRequested = true
        return CommandOutput()
    }
}
