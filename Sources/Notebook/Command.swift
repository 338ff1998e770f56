// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// A notebook command: its declaration and what it does.
public protocol NotebookCommand: Sendable {
    static var spec: CommandSpec { get }
    /// Runs with typed arguments; `seed` is the command's own seed when the spec
    /// uses one. Errors leave the workspace as it was.
    static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput
}

/// A line queued by `load`, with the rules it runs under.
public struct PendingLine: Sendable {
    public let text: String
    public let frame: LoadFrame
    /// Where it was written, for errors: "script.dyson:3" (nil for a note's lines).
    public var origin: String? = nil
}

/// Where a line comes from: the session itself, or a note being loaded (with
/// the chain of notes that led to it, to refuse cycles and deep nesting).
public struct LoadFrame: Sendable {
    /// The rules its paths are resolved under.
    public var sandbox: Sandbox
    /// Canonical paths of the notes being loaded, outermost first (a replay
    /// starts with the replayed note).
    public var chain: [String] = []
    /// The loaded note as the user named it, nil for the session's own lines.
    public var loadedNote: String?
}

/// What a running command may touch.
public final class CommandContext {
    public var workspace: Workspace
    public let progress: ProgressReporter?
    public let cancel: CancellationFlag
    /// The rules of the session's own lines (a replay's: the note's folder).
    public var sessionFrame: LoadFrame
    /// The rules of the line running now (a loaded note's, while it runs).
    public private(set) var frame: LoadFrame
    /// The folder file names are relative to.
    public var baseDirectory: String { frame.sandbox.base }
    /// Whether the running line may only touch its note's folder.
    public var confined: Bool { frame.sandbox.confined }
    /// Set by `quit`.
    public var quitRequested = false
    /// Queued by `load`: lines to run next, the next one last (a stack, so
    /// that a nested load queues in front in constant time).
    public var pendingLines: [PendingLine] = []
    /// Lines run from loads in the current `execute`, to stop a note that
    /// loads others over and over (each load is bounded, their product not).
    var loadedLineCount = 0
    static let maximumLoadedLines = 200_000
    /// Why the queued lines were dropped (Ctrl-C, too many), reported once.
    var pendingStop: NotebookError?
    /// Where the running queued line was written ("script.dyson:3"), if known.
    public private(set) var origin: String?
    /// This session's typed lines (`history`), and `undo` (set by the notebook).
    public internal(set) var history = SessionHistory()
    var undo: () throws(NotebookError) -> CommandOutput = { () throws(NotebookError) -> CommandOutput in throw NotebookError("nothing to undo") }
    /// The terminal's width in columns, for text that wraps (help); nil: no wrapping.
    public var textWidth: Int?
    /// The session's note so far, and where it is written live (if anywhere).
    var document: () -> NoteDocument = { NoteDocument(front: FrontMatter(version: "", seed: 0, date: "", cores: 0, blas: "")) }
    /// The live note: never overwritten by a command.
    public var notePath: String? {
        didSet {
            guard let notePath else { return }
            let canonical = (try? Sandbox.session(base: sessionFrame.sandbox.base).resolve(notePath, for: "note").path) ?? notePath
            sessionFrame.sandbox.protected[canonical] = "the live note of this session"
            frame = sessionFrame
        }
    }

    /// Resolves a file name for `command` under the running line's rules
    /// (relative to its note's folder, confined to it when from a note).
    public func resolve(_ name: String, for command: String) throws(NotebookError) -> ResolvedPath {
        try frame.sandbox.resolve(name, for: command)
    }

    /// The next line queued by `load`, switching to its rules; nil when none
    /// is left, or when Ctrl-C or the line budget stopped the load (the
    /// reason is kept for `finishPendingLines`).
    public func nextPendingLine() -> String? {
        if quitRequested { pendingLines.removeAll() }
        guard let next = pendingLines.last else { return nil }
        if cancel.isCancelled {
            pendingStop = next.origin == nil
                ? NotebookError("load stopped by Ctrl-C: \(pendingLines.count) line\(pendingLines.count == 1 ? "" : "s") of the loaded note \(pendingLines.count == 1 ? "was" : "were") not run",
                                suggestion: "what ran is kept; load the note again to run it whole")
                : NotebookError("source stopped by Ctrl-C before \(next.origin ?? ""): \(pendingLines.count) line\(pendingLines.count == 1 ? " was" : "s were") not run",
                                suggestion: "what ran is kept")
            pendingLines.removeAll()
            return nil
        }
        loadedLineCount += 1
        if loadedLineCount > Self.maximumLoadedLines {
            pendingStop = NotebookError("load stopped: the loaded notes ran more than \(Self.maximumLoadedLines) lines (notes that load each other over and over?)",
                                        suggestion: "load the notes one at a time")
            pendingLines.removeAll()
            return nil
        }
        pendingLines.removeLast()
        frame = next.frame
        origin = next.origin
        return next.text
    }

    /// Back to the session's own rules after the queued lines; returns why
    /// they were stopped early, if they were.
    public func finishPendingLines() -> NotebookError? {
        frame = sessionFrame
        origin = nil
        loadedLineCount = 0
        defer { pendingStop = nil }
        return pendingStop
    }

    init(workspace: Workspace, progress: ProgressReporter?, cancel: CancellationFlag, baseDirectory: String, confined: Bool) {
        self.workspace = workspace
        self.progress = progress
        self.cancel = cancel
        let sandbox = confined ? Sandbox.note(folder: baseDirectory, owner: "a replayed note") : Sandbox.session(base: baseDirectory)
        sessionFrame = LoadFrame(sandbox: sandbox)
        frame = sessionFrame
    }

    /// Sets the rules of the session's own lines (a replay: the note's).
    public func setSessionFrame(_ f: LoadFrame) {
        sessionFrame = f
        frame = f
    }

    var digits: Int { workspace.digits }
    func fmt(_ x: Double) -> String { Format.value(x, digits: digits) }
    func fmt(_ v: Double, _ e: Double?) -> String { Format.measured(v, e, digits: digits) }
}
