// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import Notebook

extension NoteFormat: ExpressibleByArgument {}

/// `dyson convert NOTE.md --to html|ipynb [--output FILE] [--force]`
struct ConvertNote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a lab note as one HTML page or as a Jupyter notebook.",
        discussion: """
        --to html writes NOTE.html: one self-contained page, figures inlined, \
        to mail to a colleague. --to ipynb writes NOTE.ipynb (nbformat 4): the \
        prose as markdown cells, each command a code cell with its output and \
        figures, so the note opens in Jupyter and renders on GitHub. Nothing is \
        re-run: the note's recorded outputs are converted as they are (replay \
        it first to check them). Prose is rendered as safe Markdown (raw HTML \
        is shown as text) and figures with scripts are not embedded, so a \
        stranger's note converts to a page that runs nothing. An existing file \
        is replaced only if dyson convert wrote it, or with --force.
        """)

    @Argument(help: "The note to convert (a .md lab note written by dyson).")
    var note: String

    @Option(name: .customLong("to"), help: "The format: html or ipynb.")
    var format: NoteFormat

    @Option(help: "Where to write (default: the note's path with .html or .ipynb).")
    var output: String?

    @Flag(help: "Replace an existing output file that dyson convert did not write.")
    var force = false

    func run() throws {
        do throws(NotebookError) {
            let converted = try NoteConversion.convert(notePath: note, to: format, output: output, force: force)
            for w in converted.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            print("wrote \(converted.path)\(converted.warnings.isEmpty ? "" : " (\(converted.warnings.count) figure\(converted.warnings.count == 1 ? "" : "s") not embedded)")")
        } catch {
            Terminal.error(error)
            throw ExitCode(2)
        }
    }
}
