// SPDX-License-Identifier: GPL-3.0-or-later
@preconcurrency import CReadline
import Foundation
import Learning
import Notebook
import Synchronization

/// SIGINT: clears the line while typing; stops long work otherwise.
enum Signals {
    static let cancel = CancellationFlag()

    /// A parent may have started dyson with SIGINT blocked (the mask is inherited
    /// across exec); then Ctrl-C would never arrive. Unblock it.
    static func unblockInterrupt() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func installForREPL() {
        unblockInterrupt()
        signal(SIGINT) { _ in
            if dyson_rl_is_reading() != 0 {
                dyson_rl_clear_line()
            } else {
                Signals.cancel.cancel()
            }
        }
    }

    /// Whether a batch run is inside a command (else it waits for a line).
    static let running = Atomic<Bool>(false)

    /// Batch runs: Ctrl-C stops the running command (its partial result is
    /// kept in the note), then the run ends with status 130; between commands,
    /// or at a second Ctrl-C, it ends at once (every finished command is
    /// already in the note, flushed).
    static func installForBatch() {
        unblockInterrupt()
        signal(SIGINT) { _ in
            if Signals.cancel.isCancelled || !Signals.running.load(ordering: .relaxed) { _exit(130) }
            Signals.cancel.cancel()
        }
    }

    /// The REPL survives a reader that closes a FIFO early (`export … pipe`):
    /// the write fails with an error instead of killing the session.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}

/// Tab completion state for readline's C callbacks.
nonisolated(unsafe) var completionMatches: [String] = []
nonisolated(unsafe) var completionIndex = 0
/// The session completion looks at (its result names, its folder).
nonisolated(unsafe) var completionSession: Notebook?

/// The interactive loop over GNU readline: line editing, the folder's history
/// (Up, Ctrl-R and `history` walk the same list), completion that knows the
/// context, Ctrl-C, and results shown as they come (a loaded note streams).
struct REPL {
    let notebook: Notebook
    let progress: TerminalProgress
    let color: Bool
    /// `-q`: no banner and no text figures.
    var quiet = false

    /// `.dyson_history` in the folder dyson starts in, or `DYSON_HISTORY`.
    static var historyPath: String {
        ProcessInfo.processInfo.environment["DYSON_HISTORY"] ?? (FileManager.default.currentDirectoryPath + "/" + SessionHistory.fileName)
    }

    /// The terminal's width in columns (nil when it cannot be asked).
    static var terminalWidth: Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    func run(notePath: String?) {
        dyson_rl_set_name("dyson")
        completionSession = notebook
        dyson_rl_set_completer { text, start, end in
            let buffer = String(cString: dyson_rl_line_buffer())
            let prefix = String(buffer.utf8.prefix(Int(end))) ?? buffer
            completionMatches = completionSession?.completions(for: prefix) ?? []
            completionIndex = 0
            dyson_rl_no_fallback()
            let open = completionMatches.count == 1 && (completionMatches[0].hasSuffix("=") || completionMatches[0].hasSuffix("/"))
            dyson_rl_append_character(open ? 0 : 32)
            return rl_completion_matches(text) { _, state in
                if state == 0 { completionIndex = 0 }
                guard completionIndex < completionMatches.count else { return nil }
                defer { completionIndex += 1 }
                return strdup(completionMatches[completionIndex])
            }
        }
        let history = SessionHistory(path: Self.historyPath)
        notebook.history = history
        for line in history.earlier { add_history(line) }
        Signals.installForREPL()
        Signals.ignoreBrokenPipes()
        if quiet { notebook.context.workspace.showFigures = false }
        if !quiet {
            print("dyson \(Notebook.version) — notes go to \(notePath ?? "nowhere (no --note)")")
            print("type help for the commands, Tab to complete, Ctrl-D to quit")
        }
        var saidProblem: String?
        func sayHistoryProblem() {
            guard let problem = history.problem, problem != saidProblem else { return }
            saidProblem = problem
            Terminal.error(NotebookError(problem, suggestion: "set DYSON_HISTORY=FILE to keep the history elsewhere"))
        }
        sayHistoryProblem()
        while true {
            Signals.cancel.reset()
            guard let raw = readline("» ") else { print(""); break }  // Ctrl-D
            let line = String(cString: raw)
            free(raw)
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { add_history(line) }
            notebook.context.textWidth = Self.terminalWidth
            notebook.execute(line) { result in
                progress.finish()  // a bar left by an interrupted command goes before the output
                if case .output(let recorded, _) = result, recorded == ClearCommand.spec.name {
                    Terminal.clearScreen()
                    return
                }
                Terminal.show(result, color: color, figures: notebook.workspace.showFigures)
                if case .output(_, let out) = result, out.remarks.contains(where: { $0.hasPrefix("stopped early") }) {
                    print("(interrupted: the partial result is kept and is the current result)")
                }
            }
            sayHistoryProblem()
            if notebook.quitRequested { break }
        }
        notebook.finish()
        if let notePath { print("the note is in \(notePath)") }
    }
}
