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

/// `set seed=… digits=… figures=on|off`
public enum SetCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "set", summary: "set the session seed (for later commands), the significant digits shown, or whether the terminal shows figures",
        parameters: [
            ParameterSpec("seed", .integer(0...Int(Int64.max)), help: "session seed"),
            ParameterSpec("digits", .integer(2...15), help: "significant digits in results"),
            ParameterSpec("figures", .choice(["on", "off"]), help: "off: no text figures on the terminal, for quiet batch runs (the note keeps every figure as SVG; dyson -q starts so)"),
        ], examples: ["set seed=7", "set digits=6", "set figures=off"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard !args.given.isEmpty else { throw NotebookError("set needs seed=…, digits=… or figures=…", suggestion: "e.g. set digits=6") }
        var out = CommandOutput()
        if let s = args.integer("seed") {
            context.workspace.sessionSeed = UInt64(s)
            // A loaded note changes the seed of the session that loaded it: say so.
            let by = context.frame.loadedNote.map { " (set by the loaded note \($0); later commands of this session derive their seeds from it)" } ?? ""
            out.line("session seed \(s)" + by)
        }
        if let d = args.integer("digits") { context.workspace.digits = d; out.line("digits \(d)") }
        if let f = args.word("figures") {
            context.workspace.showFigures = f == "on"
            out.line(f == "on" ? "figures shown on the terminal" : "figures not shown on the terminal (the note keeps them as SVG)")
        }
        return out
    }
}

/// `force=yes`: overwrite an existing dyson note (never the live one, never from a note).
let forceParameter = ParameterSpec("force", .choice(["yes", "no"]), default: "no",
                                   help: "yes: replace an existing dyson note (never the live note; a replayed or loaded note cannot force)")

/// `save FILE.md`: write the note so far, with its figures, atomically.
public enum SaveCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "save", summary: "save the session's note (and its figures) to FILE.md",
        positional: [ParameterSpec("file", .text, help: "where to write the note (.md)")],
        parameters: [forceParameter],
        examples: ["save sessions/rbm-lr-scan.md", "save sessions/rbm-lr-scan.md force=yes"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("save needs a file name", suggestion: "save sessions/my-note.md") }
        guard name.hasSuffix(".md") else { throw NotebookError("'\(name)' does not end in .md", suggestion: "save \(name).md") }
        let target = try context.resolve(name, for: "save")
        guard target.kind == .missing || target.kind == .regular else {
            throw NotebookError("save: \(name) is not a file a note can be saved to", suggestion: "save to a new file name ending in .md")
        }
        let sandbox = context.frame.sandbox
        if let refusal = sandbox.refusal(toOverwrite: target, for: "save", force: args.word("force") == "yes") { throw refusal }
        try context.document().write(to: target, sandbox: sandbox, for: "save")
        var out = CommandOutput()
        out.line("saved \(target.isRedirected ? name : target.path)")
        return out
    }
}

/// `load FILE.md`: replay a note's commands into the workspace, then keep going.
///
/// A loaded note runs under a replay's rules: its paths resolve against its
/// own folder and may not leave it, it may not overwrite notes, its `save`
/// and `quit` are skipped. Notes may load notes, up to `maximumDepth` deep and
/// never one that is already being loaded (compared by canonical path, after
/// symbolic links); Ctrl-C stops a load as a whole.
public enum LoadCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "load", summary: "run the commands of a saved note here (with their recorded seeds), then carry on; load weights FILE|DIR/ reads a network's layers",
        positional: [ParameterSpec("file", .text, help: "the note to load (.md), or weights (then PATH)"),
                     ParameterSpec("path", .text, default: "", help: "after weights: a .npy, .npz or .safetensors file, or a folder or glob of checkpoints (a series)")],
        parameters: [ParameterSpec("only", .choice(["scans"]), help: "only=scans: take the note's recorded scan tables as they are (no training), e.g. to finish an interrupted scan with first=")],
        variants: ["weights": LoadWeights.parameters],
        examples: ["load sessions/rbm.md", "load sessions/2026-11-29-1.md only=scans", "load weights model.safetensors", "load weights checkpoints/ name=*.weight"])

    /// How many notes deep loads may nest.
    public static let maximumDepth = 8

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("load needs a file name") }
        if name == "weights", args.word("only") == nil { return try LoadWeights.run(args, context: context) }
        if let problem = LoadWeights.misplaced(args) { throw problem }
        let target = try context.resolve(name, for: "load")
        let text = try FileSystem.readText(target, for: "load")
        guard NoteDocument.isNote(text) else {
            throw NotebookError("load: \(name) is not a dyson note (it has no ```dyson block)", suggestion: "give the path of a note written by dyson")
        }
        let doc = try NoteDocument.parse(text)
        if args.word("only") == "scans" { return try restoreScans(doc, path: target.path, context: context) }
        let chain = context.frame.chain
        if chain.contains(target.path) {
            throw NotebookError("load: \(name) is already being loaded (\((chain + [target.path]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → "))); a note cannot load itself",
                                suggestion: "remove the load line that closes the cycle")
        }
        guard chain.count < maximumDepth else {
            throw NotebookError("load: \(name) would be the \(chain.count + 1)th note loaded inside another; at most \(maximumDepth) may nest",
                                suggestion: "load the notes one after another instead")
        }
        let frame = LoadFrame(sandbox: context.frame.sandbox.entering(noteAt: target.path, owner: "the loaded note \(name)"),
                              chain: chain + [target.path], loadedNote: name)
        var lines = [String](), skipped = [String](), seeds = [String]()
        for entry in doc.entries {
            switch entry {
            case .prose(let p):
                lines += p.components(separatedBy: "\n").filter { !$0.hasPrefix(Notebook.runTimePrefix) }.map { "# " + $0 }
            case .command(let line, _, _, _):
                // Read as the notebook reads it (any case, quotes, tabs).
                if case .command(let raw)? = try? Lexer.parse(line) {
                    if ["quit", "save"].contains(raw.name) { skipped.append(raw.name); continue }
                    if raw.name == "set", let s = raw.arguments.first(where: { $0.key.lowercased() == "seed" }) { seeds.append(s.value) }
                }
                lines.append(line)
            }
        }
        context.pendingLines += lines.reversed().map { PendingLine(text: $0, frame: frame) }
        var out = CommandOutput()
        out.line("loading \(lines.filter { !$0.hasPrefix("#") }.count) commands from \(target.path)")
        if !skipped.isEmpty { out.line("skipped: \(skipped.joined(separator: ", ")) (a loaded note neither saves nor quits)") }
        if !seeds.isEmpty {
            out.line("this note sets the session seed (set seed=\(seeds.joined(separator: ", then "))): later commands here derive their seeds from it")
        }
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
        if let notePath = context.notePath, let live = try? context.sessionFrame.sandbox.resolve(notePath, for: "load") {
            let folder = live.folder + "/"
            if path.hasPrefix(folder) { out.recordedPositional = [String(path.dropFirst(folder.count))] }
        }
        return out
    }
}

/// `quit`
///
/// Only the user's own lines end a session: a `quit` in a note being replayed
/// or loaded (whatever spelling reaches this command) is skipped, so a note
/// can neither end the session that loads it nor stop `replay --check` before
/// its later numbers are compared.
public enum QuitCommand: NotebookCommand {
    public static let spec = CommandSpec(name: "quit", summary: "end the session (the note is already saved)")

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        guard !context.confined else {
            out.line("(quit skipped: a replayed or loaded note does not end the session)")
            return out
        }
        context.quitRequested = true
        return out
    }
}
