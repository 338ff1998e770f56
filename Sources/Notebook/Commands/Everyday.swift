// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// `history [all=yes]`: the lines typed, numbered as Up and Ctrl-R walk them.
public enum HistoryCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "history", summary: "list the lines typed in this session, numbered (all=yes: with earlier sessions' in this folder)",
        parameters: [ParameterSpec("all", .choice(["yes", "no"]), default: "no",
                                   help: "yes: also the earlier sessions' lines from the folder's history file (what Up and Ctrl-R search)")],
        examples: ["history", "history all=yes"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let history = context.history
        var out = CommandOutput()
        out.journaled = false
        let all = history.all
        let firstShown = args.word("all") == "yes" ? 0 : history.earlier.count
        let width = String(all.count).count
        for (i, line) in all.enumerated().dropFirst(firstShown) {
            if i == history.earlier.count && firstShown == 0 && i > 0 { out.line("  — this session —") }
            out.line(String(repeating: " ", count: width - String(i + 1).count) + "\(i + 1)  \(line)")
        }
        if firstShown > 0 {
            out.line("(\(firstShown) earlier line\(firstShown == 1 ? "" : "s") from \(history.path ?? "the history file"); history all=yes lists them, Up and Ctrl-R search them)")
        }
        return out
    }
}

/// `clear`: the terminal clears its screen (the REPL does it instead of
/// printing this output); without a terminal there is nothing to clear.
public enum ClearCommand: NotebookCommand {
    public static let spec = CommandSpec(name: "clear", summary: "clear the terminal's screen (the note and the workspace are untouched)")

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        out.journaled = false
        out.line("(clear clears the screen of a terminal; here there is none)")
        return out
    }
}

/// `undo`: the last line that changed the note goes, and the workspace is
/// exactly as it was before that line.
///
/// Before every line the notebook keeps what it had (the workspace — a value,
/// so keeping it costs only what the line then changes — the command count
/// that derives seeds, and where the note ended). `undo` puts that back and
/// cuts the note there, deleting the figures of the removed cells. Running the
/// undone command again gives the same seed and the same result. Files the
/// line wrote (`export`, a job folder of `submit`) stay, and a submitted
/// cluster job keeps running: undo deletes nothing of yours.
public enum UndoCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "undo", summary: "take back the last line that changed the note: its cells go, the workspace is as before it",
        examples: ["undo"])

    /// How many lines can be taken back (each keeps the workspace it replaced alive).
    public static let depth = 10

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard !context.confined, context.frame.chain.isEmpty else {
            throw NotebookError("undo in a note or script is not run", suggestion: "undo takes back your own typed lines; remove the line from the file instead")
        }
        return try context.undo()
    }
}

/// `source FILE.dyson`: the lines of a script, run here as if typed.
///
/// Each command is recorded in the note as its own cell (the `source` line
/// is not, so a replay runs the commands once). File names in the script are
/// relative to the folder dyson works in, as in `dyson script.dyson`. The
/// first failing line stops the script, named by file and line; a script that
/// sources itself, directly or through others, is refused as a note that
/// loads itself is.
public enum SourceCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "source", summary: "run the commands of a script file here, each recorded in the note",
        positional: [ParameterSpec("file", .text, help: "the script (.dyson: one command or # prose line per line)")],
        examples: ["source sessions/quickstart.dyson"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else { throw NotebookError("source needs a file name", suggestion: "source script.dyson") }
        let target = try context.resolve(name, for: "source")
        let text: String
        do throws(NotebookError) { text = try FileSystem.readText(target, for: "source") } catch {
            throw NotebookError(error.message, suggestion: target.kind == .regular ? error.suggestion
                                    : "give the path of a script: one dyson command or # line per line, e.g. sessions/quickstart.dyson")
        }
        let chain = context.frame.chain
        if chain.contains(target.path) {
            throw NotebookError("source: \(name) is already running (\((chain + [target.path]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → "))); a script cannot source itself",
                                suggestion: "remove the source line that closes the cycle")
        }
        guard chain.count < LoadCommand.maximumDepth else {
            throw NotebookError("source: \(name) would be the \(chain.count + 1)th file run inside another; at most \(LoadCommand.maximumDepth) may nest",
                                suggestion: "run the scripts one after another instead")
        }
        if NoteDocument.isNote(text) {
            throw NotebookError("source: \(name) is a dyson note, not a script", suggestion: "load \(name)")
        }
        var frame = context.frame
        frame.chain.append(target.path)
        let lines = FileSystem.normalisedText(text).components(separatedBy: "\n").enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
        context.pendingLines += lines.reversed().map { PendingLine(text: $0.element, frame: frame, origin: "\(name):\($0.offset + 1)") }
        var out = CommandOutput()
        out.journaled = false
        out.line("running \(lines.filter { !$0.element.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.count) commands from \(name)")
        return out
    }
}
