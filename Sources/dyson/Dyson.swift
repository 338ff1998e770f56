// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import Learning
import Linalg
import Notebook

/// The dyson command line: the notebook REPL, batch runs of scripts, and replay.
@main
struct Dyson: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dyson",
        abstract: "Watch the weight matrices of learning algorithms move like random matrices.",
        discussion: """
        dyson trains ensembles of small learning models (a linear teacher–student \
        network, a Gaussian RBM, a reference Dyson Brownian motion) and compares \
        the spectra of their weight matrices with random-matrix theory: level \
        spacings against the Wigner surmise, degenerate blocks against the \
        semicircle, and the scaling with learning rate over batch size. Every \
        session is written as a Markdown lab note that `dyson replay` re-runs.
        """,
        version: "dyson \(Notebook.version) — \(BLAS.summary)",
        subcommands: [Session.self, ReplayNote.self, ConvertNote.self, ShardTask.self],
        defaultSubcommand: Session.self
    )
}

/// `dyson [FILE]`: the REPL on a terminal, or a batch run of FILE / stdin.
struct Session: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start the notebook (on a terminal), or run commands from FILE or stdin.",
        discussion: """
        On a terminal dyson starts a REPL and writes the session as a lab note in \
        sessions/; the lines typed are kept in .dyson_history in the current folder \
        (the last 2000; DYSON_HISTORY=FILE puts them elsewhere). Otherwise it reads commands from FILE or stdin, prints results \
        without prompts, colour or progress bars, and stops at the first error \
        with exit status 1 (--keep-going carries on).
        """)

    @Argument(help: "A file of dyson commands to run instead of reading the terminal.")
    var file: String?

    @Option(help: "Write the lab note here, a new file (default on a terminal: sessions/DATE-N.md; in batch runs: no note).")
    var note: String?

    @Option(help: "Session seed (default: random on a terminal, 1 in batch runs).")
    var seed: UInt64?

    @Flag(help: "In batch runs, carry on after an error (the exit status is still 1).")
    var keepGoing = false

    @Flag(name: .customLong("no-color"), help: "No colour even on a terminal.")
    var noColor = false

    @Flag(name: [.short, .customLong("quiet")],
          help: "Quiet: no text figures on the terminal (the note still gets every figure as SVG; set figures=on brings them back) and no banner.")
    var quiet = false

    func run() throws {
        let interactive = file == nil && isatty(0) == 1 && isatty(1) == 1
        let sessionSeed = seed ?? (interactive ? UInt64.random(in: 1...999_999_999) : 1)
        let front = Notebook.frontMatter(seed: sessionSeed)
        var journal: Journal?
        let notePath = note ?? (interactive ? Self.newNotePath() : nil)
        if let notePath {
            do { journal = try Journal(path: notePath, front: front) } catch {
                Terminal.error(error)
                throw ExitCode(2)
            }
        }
        if interactive {
            let progress = TerminalProgress()
            let notebook = Notebook(front: front, journal: journal, progress: progress, cancel: Signals.cancel)
            REPL(notebook: notebook, progress: progress, color: !noColor, quiet: quiet).run(notePath: notePath)
        } else {
            let notebook = Notebook(front: front, journal: journal, cancel: Signals.cancel)
            if quiet { notebook.context.workspace.showFigures = false }
            Signals.installForBatch()
            // Lines are run as they arrive (a pipe may stay open), from FILE or stdin,
            // read as text with any byte-order mark dropped and CRLF line ends as LF.
            let next: () -> String?
            if let file {
                var lines = try Self.scriptLines(FileManager.default.contents(atPath: file), shown: file)
                next = { lines.popFirst() }
            } else if Self.standardInputIsAFile() {
                // `dyson < script`: read whole, so an export to - is seen before anything is printed.
                var lines = try Self.scriptLines(try? FileHandle.standardInput.readToEnd() ?? Data(), shown: "stdin")
                next = { lines.popFirst() }
            } else {
                var first = true
                next = {
                    guard var line = readLine(strippingNewline: true) else { return nil }
                    if first { first = false; line = FileSystem.normalisedText(line) }
                    while line.hasSuffix("\r") { line.removeLast() }
                    return line
                }
            }
            var failed = false
            var number = 0
            while let line = next() {
                number += 1
                if Self.sendsDataToStandardOutput(line) { Terminal.resultsToStandardError = true }
                Signals.running.store(true, ordering: .relaxed)
                notebook.execute(line) { result in
                    if case .failure(let e) = result {
                        failed = true
                        Terminal.error(e, location: "\(file ?? "stdin"):\(number)")
                    } else {
                        Terminal.show(result, color: false, figures: notebook.workspace.showFigures)
                    }
                }
                Signals.running.store(false, ordering: .relaxed)
                if Signals.cancel.isCancelled {
                    // Ctrl-C: the interrupted command kept its partial result in the note.
                    notebook.finish()
                    Terminal.error(NotebookError("interrupted at \(file ?? "stdin"):\(number); the note keeps every command that ran"))
                    throw ExitCode(130)
                }
                if notebook.quitRequested || (failed && !keepGoing) { break }
            }
            notebook.finish()
            if failed { throw ExitCode(1) }
        }
    }

    /// The lines of a script read whole (text, BOM dropped, CRLF as LF); an
    /// export to - among them sends the results to stderr from the start.
    static func scriptLines(_ data: Data?, shown: String) throws -> ArraySlice<String> {
        guard let data else {
            Terminal.error(NotebookError("cannot read \(shown)", suggestion: "give the path of a file of dyson commands"))
            throw ExitCode(2)
        }
        let text: String
        do throws(NotebookError) {
            text = try FileSystem.decodeText(data, shown: shown, command: "dyson")
        } catch {
            Terminal.error(error)
            throw ExitCode(2)
        }
        let lines = text.components(separatedBy: "\n")
        if lines.contains(where: sendsDataToStandardOutput) { Terminal.resultsToStandardError = true }
        return lines[...]
    }

    static func standardInputIsAFile() -> Bool {
        var st = stat()
        return fstat(0, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    /// Whether a line exports to `-` (standard output): then results go to
    /// stderr (from the start when the script can be read ahead, else from
    /// that line on), so that stdout carries the data alone.
    static func sendsDataToStandardOutput(_ line: String) -> Bool {
        guard case .command(let raw)? = try? Lexer.parse(line) else { return false }
        return raw.name == "export" && raw.positional.dropFirst().first == "-"
    }

    /// sessions/YYYY-MM-DD-N.md with the first unused N.
    static func newNotePath() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        let day = f.string(from: Date())
        var n = 1
        while FileManager.default.fileExists(atPath: "sessions/\(day)-\(n).md") { n += 1 }
        return "sessions/\(day)-\(n).md"
    }
}

/// `dyson replay NOTE.md [--check] [--update]`
struct ReplayNote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a lab note from an empty workspace and compare its results.",
        discussion: """
        Numbers are compared with a relative tolerance; the text around them is \
        ignored. A replay runs nothing but dyson commands; the note's paths may \
        not leave its folder, and its exports and saves go to a temporary folder. \
        Only --update writes: the note and its NOTE.assets folder.
        """)

    @Argument(help: "The note to replay.")
    var note: String

    @Flag(help: "Exit with status 1 if any result differs.")
    var check = false

    @Flag(help: "Rewrite the note's outputs and figures in place (prose is kept).")
    var update = false

    @Option(help: "Relative tolerance for comparing numbers.")
    var rtol: Double = 2e-3

    func run() throws {
        let tty = isatty(1) == 1 && isatty(2) == 1
        let report: Replay.Report
        Signals.installForReplay()
        do {
            report = try Replay.run(path: note, relativeTolerance: rtol, update: update, progress: tty ? TerminalProgress() : nil,
                                    cancel: Signals.cancel) { e in
                switch e.status {
                case .match: print("  ✓ \(e.line)")
                case .mismatch(let d): print("  ✗ \(e.line)\n      \(d)")
                case .failed(let m): print("  ✗ \(e.line)\n      error: \(m)")
                }
            }
        } catch {
            Terminal.error(error)
            throw ExitCode(2)
        }
        let bad = report.mismatches.count
        if report.interrupted {
            Terminal.error(NotebookError("replay of \(note) interrupted after \(report.entries.count) commands (\(bad) differ so far); nothing was written"))
            throw ExitCode(130)
        }
        print("\(note): \(report.entries.count) commands, \(bad == 0 ? "all match" : "\(bad) differ")\(update ? "; outputs rewritten" : "") (\(Format.duration(report.seconds)) of computing)")
        if check && bad > 0 && !update { throw ExitCode(1) }
    }
}
