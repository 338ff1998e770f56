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

/// What a running command may touch.
public final class CommandContext {
    public var workspace: Workspace
    public let progress: ProgressReporter?
    public let cancel: CancellationFlag
    /// The folder file names are relative to (the note's folder when replaying).
    public let baseDirectory: String
    /// Replaying someone else's note: no writing outside `baseDirectory`.
    public let confined: Bool
    /// Set by `quit`.
    public var quitRequested = false
    /// Set by `load`: lines to run next.
    public var pendingLines: [String] = []
    /// The session's note so far, and where it is written live (if anywhere).
    var document: () -> NoteDocument = { NoteDocument(front: FrontMatter(version: "", seed: 0, date: "", cores: 0, blas: "")) }
    public var notePath: String?

    /// An absolute path for a user's file name; inside `baseDirectory` when confined.
    func resolve(_ name: String) throws(NotebookError) -> String {
        let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : URL(fileURLWithPath: baseDirectory).appendingPathComponent(name)
        let path = url.standardizedFileURL.path
        if confined {
            let base = URL(fileURLWithPath: baseDirectory).standardizedFileURL.path
            guard path.hasPrefix(base + "/") else {
                throw NotebookError("\(name) is outside the note's folder; a replayed note may only write inside \(base)",
                                    suggestion: "use a file name inside that folder")
            }
        }
        return path
    }

    init(workspace: Workspace, progress: ProgressReporter?, cancel: CancellationFlag, baseDirectory: String, confined: Bool) {
        self.workspace = workspace
        self.progress = progress
        self.cancel = cancel
        self.baseDirectory = baseDirectory
        self.confined = confined
    }

    var digits: Int { workspace.digits }
    func fmt(_ x: Double) -> String { Format.value(x, digits: digits) }
    func fmt(_ v: Double, _ e: Double?) -> String { Format.measured(v, e, digits: digits) }
}
