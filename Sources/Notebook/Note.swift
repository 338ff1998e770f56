// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Facts about the session recorded at the top of a note.
public struct FrontMatter: Equatable, Sendable {
    public var version: String
    public var seed: UInt64
    public var date: String
    public var cores: Int
    public var blas: String

    public init(version: String, seed: UInt64, date: String, cores: Int, blas: String) {
        self.version = version
        self.seed = seed
        self.date = date
        self.cores = cores
        self.blas = blas
    }

    var markdown: String {
        "---\ndyson: \(version)\nseed: \(seed)\ndate: \(date)\ncores: \(cores)\nblas: \(blas)\n---\n"
    }
}

/// One entry of a lab note.
public enum NoteEntry: Equatable, Sendable {
    case prose(String)
    /// The command as run (with its seed), its text output, its figures
    /// (file name, SVG) and remarks (timings; never compared on replay).
    case command(line: String, output: [String], figures: [NoteFigure], remarks: [String])
}

public struct NoteFigure: Equatable, Sendable {
    public let file: String
    public let title: String
    public let svg: String
}

/// A Markdown lab note: front matter, prose, each command in a ```dyson block,
/// its output in a ```text block, figures as SVG files in NOTE.assets/ linked
/// by relative path. GitHub renders it as is.
public struct NoteDocument: Equatable, Sendable {
    public var front: FrontMatter
    public var entries: [NoteEntry] = []

    public init(front: FrontMatter) {
        self.front = front
    }

    /// The Markdown of one entry, with figures linked under `assets`.
    public static func markdown(_ entry: NoteEntry, assets: String) -> String {
        switch entry {
        case .prose(let text):
            return text + "\n\n"
        case .command(let line, let output, let figures, let remarks):
            var s = "```dyson\n\(line)\n```\n"
            if !output.isEmpty { s += "```text\n" + output.joined(separator: "\n") + "\n```\n" }
            for f in figures { s += "\n![\(f.title)](\(assets)/\(f.file))\n" }
            for r in remarks { s += "\n_\(r)_\n" }
            return s + "\n"
        }
    }

    public func markdown(assets: String) -> String {
        front.markdown + "\n" + entries.map { Self.markdown($0, assets: assets) }.joined()
    }

    /// Writes the note to `path` and its figures to `path` without ".md" +
    /// ".assets/", atomically (temporary file, then rename).
    public func write(to path: String) throws(NotebookError) {
        let url = URL(fileURLWithPath: path)
        let assetsName = url.deletingPathExtension().lastPathComponent + ".assets"
        let assetsURL = url.deletingLastPathComponent().appendingPathComponent(assetsName)
        do {
            let figures = entries.flatMap { e -> [NoteFigure] in if case .command(_, _, let f, _) = e { return f } else { return [] } }
            if !figures.isEmpty {
                try FileManager.default.createDirectory(at: assetsURL, withIntermediateDirectories: true)
                for f in figures { try f.svg.write(to: assetsURL.appendingPathComponent(f.file), atomically: true, encoding: .utf8) }
            }
            try markdown(assets: assetsName).write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw NotebookError("cannot write \(path): \(error.localizedDescription)",
                                suggestion: "check that the folder exists and is writable")
        }
    }

    /// Reads a note written by dyson (or by hand in the same form).
    public static func parse(_ text: String) throws(NotebookError) -> NoteDocument {
        var lines = text.components(separatedBy: "\n")[...]
        var front = FrontMatter(version: "?", seed: 1, date: "?", cores: 0, blas: "?")
        if lines.first == "---" {
            lines = lines.dropFirst()
            while let l = lines.first, l != "---" {
                let parts = l.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 {
                    switch parts[0] {
                    case "dyson": front.version = parts[1]
                    case "seed":
                        guard let s = UInt64(parts[1]) else { throw NotebookError("the note's seed '\(parts[1])' is not a whole number") }
                        front.seed = s
                    case "date": front.date = parts[1]
                    case "cores": front.cores = Int(parts[1]) ?? 0
                    case "blas": front.blas = parts[1]
                    default: break
                    }
                }
                lines = lines.dropFirst()
            }
            guard !lines.isEmpty else { throw NotebookError("the note's front matter is not closed by ---") }
            lines = lines.dropFirst()
        }
        var doc = NoteDocument(front: front)
        var prose = [String]()
        func flushProse() {
            let text = prose.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { doc.entries.append(.prose(text)) }
            prose = []
        }
        while let l = lines.first {
            lines = lines.dropFirst()
            if l == "```dyson" {
                flushProse()
                var command = [String]()
                while let c = lines.first, c != "```" { command.append(c); lines = lines.dropFirst() }
                lines = lines.dropFirst()
                var output = [String](), remarks = [String](), figures = [NoteFigure]()
                // Blank lines, then an optional ```text block, figures and remarks.
                while let n = lines.first {
                    if n.isEmpty { lines = lines.dropFirst(); continue }
                    if n == "```text" {
                        lines = lines.dropFirst()
                        while let o = lines.first, o != "```" { output.append(o); lines = lines.dropFirst() }
                        lines = lines.dropFirst()
                    } else if n.hasPrefix("!["), let close = n.firstIndex(of: "]") {
                        let title = String(n[n.index(n.startIndex, offsetBy: 2)..<close])
                        let file = n[n.index(after: close)...].trimmingCharacters(in: CharacterSet(charactersIn: "()"))
                        figures.append(NoteFigure(file: (file as NSString).lastPathComponent, title: title, svg: ""))
                        lines = lines.dropFirst()
                    } else if n.hasPrefix("_") && n.hasSuffix("_") && n.count > 1 {
                        remarks.append(String(n.dropFirst().dropLast()))
                        lines = lines.dropFirst()
                    } else {
                        break
                    }
                }
                for c in command where !c.trimmingCharacters(in: .whitespaces).isEmpty {
                    doc.entries.append(.command(line: c, output: output, figures: figures, remarks: remarks))
                    output = []; figures = []; remarks = []
                }
            } else {
                prose.append(l)
            }
        }
        flushProse()
        return doc
    }
}

/// The live note: every finished command is appended to the file and flushed,
/// so a crash or kill loses at most the command that was running.
public final class Journal {
    public let path: String
    public private(set) var document: NoteDocument
    let assetsName: String
    let assetsURL: URL

    public init(path: String, front: FrontMatter) throws(NotebookError) {
        self.path = path
        document = NoteDocument(front: front)
        let url = URL(fileURLWithPath: path)
        assetsName = url.deletingPathExtension().lastPathComponent + ".assets"
        assetsURL = url.deletingLastPathComponent().appendingPathComponent(assetsName)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (front.markdown + "\n").write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw NotebookError("cannot create the note \(path): \(error.localizedDescription)",
                                suggestion: "start dyson in a folder where it may write, or pass --note PATH")
        }
    }

    /// Appends an entry: figures first (so the link never dangles), then the text, flushed.
    public func append(_ entry: NoteEntry) throws(NotebookError) {
        do {
            if case .command(_, _, let figures, _) = entry, !figures.isEmpty {
                try FileManager.default.createDirectory(at: assetsURL, withIntermediateDirectories: true)
                for f in figures { try f.svg.write(to: assetsURL.appendingPathComponent(f.file), atomically: true, encoding: .utf8) }
            }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw NotebookError("the note \(path) has disappeared", suggestion: "save the session elsewhere with save FILE.md")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(NoteDocument.markdown(entry, assets: assetsName).utf8))
            try handle.synchronize()
        } catch let e as NotebookError {
            throw e
        } catch {
            throw NotebookError("cannot append to the note \(path): \(error.localizedDescription)")
        }
        document.entries.append(entry)
    }
}
