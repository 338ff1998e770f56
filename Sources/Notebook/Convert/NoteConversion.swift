// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What `dyson convert` writes from a note.
public enum NoteFormat: String, CaseIterable, Sendable {
    /// One self-contained HTML page: figures inlined, nothing fetched, nothing run.
    case html
    /// A Jupyter notebook (nbformat 4.5): prose as markdown cells, each command
    /// a code cell with its text output and its figures as `image/svg+xml`.
    case ipynb
}

/// A lab note turned into a page to mail or a notebook to open in Jupyter.
///
/// The note is read as replay reads it (``NoteDocument/parse(_:)``), its figures
/// from `NAME.assets/` beside it, confined to the note's folder. A note may come
/// from a stranger, so nothing it carries becomes active: prose goes through
/// ``SafeMarkdown``, outputs are escaped, and figures are embedded only when
/// they are SVG without scripts, event handlers or foreign objects (HTML embeds
/// them as `<img>` data, where a browser runs nothing in any case). A figure that
/// is missing or refused is replaced by a line saying so, and listed in
/// ``Converted/warnings``.
public struct NoteConversion: Sendable {
    /// The largest figure file embedded (dyson's own are tens of kB).
    public static let maximumFigureBytes = 8 << 20
    /// The marker by which a converted file is recognised as dyson's own, and so
    /// may be replaced by a later conversion without `--force`.
    public static let generator = "dyson convert"

    public let document: NoteDocument
    /// The note's file name without folder and extension (the page's fallback title).
    public let name: String
    /// Each figure file's SVG, or why it is not embedded.
    public let figures: [String: Result<String, NotebookError>]

    public init(document: NoteDocument, name: String, figures: [String: Result<String, NotebookError>]) {
        self.document = document
        self.name = name
        self.figures = figures
    }

    /// What was written and what could not be embedded.
    public struct Converted: Sendable {
        public let path: String
        public let warnings: [String]
    }

    // MARK: Reading

    /// Reads the note at `path` and its figures.
    public static func read(notePath path: String) throws(NotebookError) -> NoteConversion {
        let command = "convert"
        let session = Sandbox.session(base: FileManager.default.currentDirectoryPath)
        let target = try session.resolve(path, for: command)
        let text = try FileSystem.readText(target, for: command)
        guard NoteDocument.isNote(text) else {
            throw NotebookError("convert: \(path) is not a dyson note (no front matter with a dyson: line and no ```dyson block)",
                                suggestion: "give the path of a lab note written by dyson, e.g. sessions/first-session.md")
        }
        let document = try NoteDocument.parse(text)
        let note = Sandbox.note(folder: target.folder, owner: "the note \(target.lastComponent)")
        let assets = NoteDocument.assetsName(forNoteNamed: target.lastComponent)
        var figures = [String: Result<String, NotebookError>]()
        for entry in document.entries {
            guard case .command(_, _, let list, _) = entry else { continue }
            for f in list where figures[f.file] == nil {
                let shown = assets + "/" + f.file
                do throws(NotebookError) {
                    let file = try note.resolve(target.folder + "/" + assets + "/" + NoteDocument.figureFileName(f.file), for: command)
                    figures[f.file] = .success(try readFigure(file, shown: shown))
                } catch {
                    figures[f.file] = .failure(error)
                }
            }
        }
        let name = (target.lastComponent as NSString).deletingPathExtension
        return NoteConversion(document: document, name: name, figures: figures)
    }

    static func readFigure(_ file: ResolvedPath, shown: String) throws(NotebookError) -> String {
        guard file.kind == .regular else {
            throw NotebookError("figure \(shown) \(file.kind == .missing ? "is missing" : "is not a regular file")")
        }
        let fd = open(file.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw NotebookError("figure \(shown) cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let data = try FileSystem.readAll(fd, limit: maximumFigureBytes, shown: shown, command: "convert")
        guard let svg = String(validating: data, as: UTF8.self) else {
            throw NotebookError("figure \(shown) is not text, so not an SVG figure")
        }
        if let why = refusal(svg) { throw NotebookError("figure \(shown) is not embedded: \(why)") }
        return svg
    }

    /// Why an SVG may not be embedded, if it may not: it must be an SVG
    /// document and carry nothing a viewer could run.
    public static func refusal(_ svg: String) -> String? {
        let lower = svg.lowercased()
        guard lower.contains("<svg") else { return "it is not an SVG document" }
        for active in ["<script", "javascript:", "<foreignobject", "<iframe", "<!entity"] where lower.contains(active) {
            return "it contains \(active)…, which a viewer could run"
        }
        // Event handler attributes: on…= after white space inside a tag.
        var scanner = lower[...]
        while let r = scanner.range(of: " on") ?? scanner.range(of: "\ton") ?? scanner.range(of: "\non") {
            let rest = scanner[r.upperBound...]
            let name = rest.prefix { $0.isLetter }
            if !name.isEmpty, rest.dropFirst(name.count).drop(while: { $0 == " " }).first == "=" {
                return "it contains an event handler (on\(name)=)"
            }
            scanner = rest
        }
        return nil
    }

    /// The warnings for figures that are not embedded, in note order.
    public var warnings: [String] {
        var seen = Set<String>(), out = [String]()
        for entry in document.entries {
            guard case .command(_, _, let list, _) = entry else { continue }
            for f in list where seen.insert(f.file).inserted {
                if case .failure(let e)? = figures[f.file] { out.append(e.message) }
            }
        }
        return out
    }

    /// The page's title: the note's first heading, else its file name.
    public var title: String {
        for entry in document.entries {
            guard case .prose(let text) = entry else { continue }
            for line in text.split(separator: "\n") {
                if let (_, t) = SafeMarkdown.heading(String(line).trimmingLeadingSpaces()) { return t }
            }
        }
        return name
    }

    /// The front matter as (key, value) rows, as GitHub shows it.
    var frontRows: [(String, String)] {
        let f = document.front
        return [("dyson", f.version), ("seed", String(f.seed)), ("date", f.date), ("cores", String(f.cores)), ("blas", f.blas)]
    }

    // MARK: HTML

    /// One self-contained HTML page.
    public func html() -> String {
        var body = [String]()
        body.append("<table class=\"front\">" + frontRows.map { "<tr><th>\(SafeMarkdown.escape($0.0))</th><td>\(SafeMarkdown.escape($0.1))</td></tr>" }.joined() + "</table>")
        for entry in document.entries {
            switch entry {
            case .prose(let text):
                body.append(SafeMarkdown.html(text))
            case .command(let line, let output, let list, let remarks):
                var cell = "<div class=\"cell\">\n<pre class=\"command\"><code><span class=\"prompt\">dyson&gt;</span> \(SafeMarkdown.escape(line))</code></pre>"
                if !output.isEmpty {
                    cell += "\n<pre class=\"output\">" + SafeMarkdown.escape(output.joined(separator: "\n")) + "</pre>"
                }
                for f in list { cell += "\n" + figureHTML(f) }
                for r in remarks { cell += "\n<p class=\"remark\"><em>" + SafeMarkdown.inline(r) + "</em></p>" }
                body.append(cell + "\n</div>")
            }
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="generator" content="\(Self.generator) \(Notebook.version)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
        <title>\(SafeMarkdown.escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 58rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1f2328; }
        pre { background: #f6f8fa; padding: 0.6rem 0.8rem; overflow-x: auto; font-size: 0.85rem; line-height: 1.35; border-radius: 6px; }
        pre.command { background: #eef3fb; border-left: 3px solid #4a7bd0; }
        .prompt { color: #4a7bd0; user-select: none; }
        figure { margin: 1rem 0; }
        figure img { max-width: 100%; height: auto; }
        figcaption, .missing { font-size: 0.85rem; color: #57606a; }
        .remark { font-size: 0.9rem; color: #57606a; }
        table.front { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 1.5rem; }
        table.front th, table.front td { border: 1px solid #d0d7de; padding: 0.2rem 0.6rem; text-align: left; }
        code { font-size: 0.9em; }
        </style>
        </head>
        <body>
        \(body.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    func figureHTML(_ f: NoteFigure) -> String {
        let caption = SafeMarkdown.escape(f.title)
        switch figures[f.file] {
        case .success(let svg)?:
            let data = Data(svg.utf8).base64EncodedString()
            return "<figure><img alt=\"\(caption)\" src=\"data:image/svg+xml;base64,\(data)\"><figcaption>\(caption)</figcaption></figure>"
        case .failure(let e)?:
            return "<p class=\"missing\">[figure “\(caption)” not shown: \(SafeMarkdown.escape(e.message))]</p>"
        case nil:
            return "<p class=\"missing\">[figure “\(caption)” not shown]</p>"
        }
    }

    // MARK: Jupyter

    /// A Jupyter notebook, nbformat 4.5, as JSON text.
    public func ipynb() -> String {
        var cells = [[String: Any]]()
        func id() -> String { "cell-\(cells.count + 1)" }
        let table = "| | |\n|---|---|\n" + frontRows.map { "| \($0.0) | \(Self.tableCell($0.1)) |" }.joined(separator: "\n")
        cells.append(["cell_type": "markdown", "id": id(), "metadata": [String: Any](), "source": Self.sourceLines(table)])
        var count = 0
        for entry in document.entries {
            switch entry {
            case .prose(let text):
                cells.append(["cell_type": "markdown", "id": id(), "metadata": [String: Any](), "source": Self.sourceLines(text)])
            case .command(let line, let output, let list, let remarks):
                count += 1
                var outputs = [[String: Any]]()
                if !output.isEmpty {
                    outputs.append(["output_type": "stream", "name": "stdout",
                                    "text": Self.sourceLines(output.joined(separator: "\n") + "\n")])
                }
                for f in list {
                    switch figures[f.file] {
                    case .success(let svg)?:
                        outputs.append(["output_type": "display_data", "metadata": [String: Any](),
                                        "data": ["image/svg+xml": Self.sourceLines(svg), "text/plain": [f.title]]])
                    case .failure(let e)?:
                        outputs.append(["output_type": "stream", "name": "stderr", "text": ["figure “\(f.title)” not shown: \(e.message)\n"]])
                    case nil:
                        break
                    }
                }
                cells.append(["cell_type": "code", "id": id(), "execution_count": count, "metadata": [String: Any](),
                              "source": Self.sourceLines(line), "outputs": outputs])
                if !remarks.isEmpty {
                    cells.append(["cell_type": "markdown", "id": id(), "metadata": [String: Any](),
                                  "source": Self.sourceLines(remarks.map { "_\($0)_" }.joined(separator: "\n\n"))])
                }
            }
        }
        let f = document.front
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": [
                "kernelspec": ["name": "dyson", "display_name": "dyson", "language": "dyson"],
                "language_info": ["name": "dyson", "file_extension": ".dyson", "mimetype": "text/x-dyson"],
                "dyson": ["version": f.version, "seed": String(f.seed), "date": f.date, "cores": f.cores, "blas": f.blas,
                          "generator": "\(Self.generator) \(Notebook.version)"],
            ] as [String: Any],
            "cells": cells,
        ]
        // JSONSerialization cannot fail on these plain values; the fallback keeps it total.
        guard let data = try? JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Text as nbformat stores it: lines, each but the last ending in "\n".
    static func sourceLines(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var out = [String]()
        for (i, line) in lines.enumerated() {
            if i < lines.count - 1 { out.append(line + "\n") } else if !line.isEmpty { out.append(line) }
        }
        return out
    }

    static func tableCell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|")
    }

    // MARK: Writing

    /// Writes the conversion at `output` (default: the note's path with the
    /// format's extension). A file there is replaced only if an earlier
    /// conversion wrote it, or with `force`.
    public static func convert(notePath: String, to format: NoteFormat, output: String? = nil, force: Bool = false) throws(NotebookError) -> Converted {
        let conversion = try read(notePath: notePath)
        let destination = output ?? ((notePath as NSString).deletingPathExtension + "." + format.rawValue)
        let session = Sandbox.session(base: FileManager.default.currentDirectoryPath)
        let target = try session.resolve(destination, for: "convert")
        let source = try session.resolve(notePath, for: "convert")
        if target.path == source.path {
            throw NotebookError("convert: the output \(destination) is the note itself", suggestion: "give another file with --output")
        }
        if target.kind == .regular && !force && !isOwnConversion(at: target.path) {
            throw NotebookError("convert: \(destination) exists and was not written by dyson convert; it is not overwritten",
                                suggestion: "pass --force to replace it, or --output ANOTHER.\(format.rawValue)")
        }
        let text = format == .html ? conversion.html() : conversion.ipynb()
        try FileSystem.write(Data(text.utf8), to: target, for: "convert")
        return Converted(path: destination, warnings: conversion.warnings)
    }

    /// Whether the file at `path` carries the generator mark in its first or
    /// last 64 kB (HTML has it in its head, a notebook in its closing metadata).
    static func isOwnConversion(at path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        let window = 1 << 16
        return [data.prefix(window), data.suffix(window)].contains { String(decoding: $0, as: UTF8.self).contains(generator) }
    }
}
