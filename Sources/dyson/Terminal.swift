// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Notebook
import Plot

/// Printing results and errors, and the progress bar.
enum Terminal {
    /// Results go to stderr instead of stdout once a batch run sends data to
    /// stdout (`export spectra -`), so that the data stays clean for a pipe.
    nonisolated(unsafe) static var resultsToStandardError = false

    /// Prints a result; `figures: false` (`set figures=off`, `-q`) leaves out
    /// the text figures (the note keeps their SVGs).
    static func show(_ execution: Execution, color: Bool, figures: Bool = true) {
        switch execution {
        case .output(_, let out):
            for line in out.lines { emit(line) }
            if figures { for f in out.figures { emit(TextRenderer(color: color).render(f.figure), newline: false) } }
            for r in out.remarks { emit(color ? "\u{1B}[2m\(r)\u{1B}[0m" : r) }
        case .failure(let e):
            error(e)
        case .prose, .nothing:
            break
        }
        fflush(nil)
    }

    /// `clear`: the screen and its scrollback are cleared, the cursor goes home.
    static func clearScreen() {
        print("\u{1B}[H\u{1B}[2J\u{1B}[3J", terminator: "")
        fflush(nil)
    }

    static func emit(_ text: String, newline: Bool = true) {
        if resultsToStandardError {
            FileHandle.standardError.write(Data((text + (newline ? "\n" : "")).utf8))
        } else {
            print(text, terminator: newline ? "\n" : "")
        }
    }

    static func error(_ e: NotebookError, location: String? = nil) {
        fflush(nil)
        let text = (location.map { "\($0): " } ?? "") + e.description + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
final class TerminalProgress: ProgressReporter {
    private var last = Date.distantPast
    private var shown = false

    func update(label: String, fraction: Double, detail: String) {
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1 || fraction >= 1 else { return }
        last = now
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: min(width, filled)) + String(repeating: "░", count: max(0, width - filled))
        let text = "\r  \(bar) \(String(format: "%3d", Int(fraction * 100)))%  \(detail)   "
        FileHandle.standardError.write(Data(text.utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        shown = false
        last = .distantPast
    }
}
