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

    /// Writes the note at `target` and its figures in the folder beside it
    /// (`NAME.assets/`), each file atomically and through `FileSystem.write`;
    /// the figures first, so that no link in the note dangles. The assets
    /// folder is resolved under the same `sandbox` rules as the note.
    public func write(to target: ResolvedPath, sandbox: Sandbox, for command: String) throws(NotebookError) {
        let assetsName = Self.assetsName(forNoteNamed: target.lastComponent)
        let figures = entries.flatMap { e -> [NoteFigure] in if case .command(_, _, let f, _) = e { return f } else { return [] } }
        if !figures.isEmpty {
            let assets = try sandbox.resolve(target.folder + "/" + assetsName, for: command)
            try FileSystem.makeFolder(assets, for: command)
            for f in figures {
                let file = try sandbox.resolve(file: Self.figureFileName(f.file), in: assets, for: command)
                try FileSystem.write(Data(f.svg.utf8), to: file, for: command)
            }
        }
        try FileSystem.write(Data(markdown(assets: assetsName).utf8), to: target, for: command)
    }

    /// `NAME.assets` for the note `NAME.md`.
    static func assetsName(forNoteNamed file: String) -> String {
        (file as NSString).deletingPathExtension + ".assets"
    }

    /// A figure's file name as a single path component (figure names are
    /// generated, but a parsed note could carry anything).
    static func figureFileName(_ file: String) -> String {
        let name = file.replacingOccurrences(of: "/", with: "_")
        return name.isEmpty || name == "." || name == ".." ? "figure.svg" : name
    }

    /// Whether `text` (normalised: LF line ends) is a dyson note: front matter
    /// with a `dyson:` line, or at least one ```dyson block.
    public static func isNote(_ text: String) -> Bool {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        if lines.first?.trimmingCharacters(in: .whitespaces) == "---" {
            lines = lines.dropFirst()
            while let l = lines.first, l.trimmingCharacters(in: .whitespaces) != "---" {
                if l.hasPrefix("dyson:") { return true }
                lines = lines.dropFirst()
            }
        }
        return lines.contains { $0.trimmingCharacters(in: .whitespaces) == "```dyson" }
    }

    /// Reads a note written by dyson (or by hand in the same form).
    /// Any byte-order mark is dropped and CRLF line ends are read as LF; fence
    /// lines may carry trailing spaces.
    public static func parse(_ text: String) throws(NotebookError) -> NoteDocument {
        var lines = FileSystem.normalisedText(text).components(separatedBy: "\n").map { line in
            line.hasPrefix("```") ? line.trimmingCharacters(in: .whitespaces) : line
        }[...]
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
///
/// The note is created new (an existing file is never truncated: continue an
/// old note with `load` in a new one) and kept open, so appends go to the
/// same file even if it is renamed meanwhile.
public final class Journal {
    public let path: String
    public private(set) var document: NoteDocument
    /// The note's canonical path and the rules its figures are written under.
    public let target: ResolvedPath
    let sandbox: Sandbox
    let assetsName: String
    private let descriptor: Int32
    /// Where each entry begins in the file (for `truncate`).
    private var offsets: [off_t] = []

    public init(path: String, front: FrontMatter) throws(NotebookError) {
        self.path = path
        document = NoteDocument(front: front)
        let command = "the note"
        sandbox = Sandbox.session(base: FileManager.default.currentDirectoryPath)
        let folder = URL(fileURLWithPath: path.hasPrefix("/") ? path : sandbox.base + "/" + path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw NotebookError("cannot create the folder of the note \(path): \(error.localizedDescription)",
                                suggestion: "start dyson in a folder where it may write, or pass --note PATH")
        }
        let target = try sandbox.resolve(path, for: command)
        guard target.kind == .missing else {
            throw NotebookError("the note \(path) already exists; dyson does not overwrite it",
                                suggestion: "pass a new file name with --note (to carry on from the old note, run load \(path) in the new session)")
        }
        self.target = target
        assetsName = NoteDocument.assetsName(forNoteNamed: target.lastComponent)
        descriptor = try FileSystem.createExclusively(target, data: Data((front.markdown + "\n").utf8), for: command)
    }

    deinit { close(descriptor) }

    /// Appends an entry: figures first (so the link never dangles), then the text, flushed.
    public func append(_ entry: NoteEntry) throws(NotebookError) {
        var st = stat()
        guard fstat(descriptor, &st) == 0, st.st_nlink > 0 else {
            throw NotebookError("the note \(path) has disappeared", suggestion: "save the session elsewhere with save FILE.md")
        }
        if case .command(_, _, let figures, _) = entry, !figures.isEmpty {
            let assets = try sandbox.resolve(target.folder + "/" + assetsName, for: "the note")
            try FileSystem.makeFolder(assets, for: "the note")
            for f in figures {
                let file = try sandbox.resolve(assets.path + "/" + NoteDocument.figureFileName(f.file), for: "the note")
                try FileSystem.write(Data(f.svg.utf8), to: file, for: "the note")
            }
        }
        let start = lseek(descriptor, 0, SEEK_END)
        do throws(NotebookError) {
            try FileSystem.writeAll(descriptor, Data(NoteDocument.markdown(entry, assets: assetsName).utf8), shown: path, command: "the note")
        } catch {
            throw NotebookError("cannot append to the note \(path): \(error.message)")
        }
        fsync(descriptor)
        document.entries.append(entry)
        offsets.append(start)
    }

    /// Keeps the first `count` entries (`undo`): the file is cut back to where
    /// the first dropped entry began, and the dropped entries' figures are deleted.
    public func truncate(toEntries count: Int) throws(NotebookError) {
        guard count < document.entries.count, count < offsets.count else { return }
        for case .command(_, _, let figures, _) in document.entries[count...] {
            for f in figures {
                if let file = try? sandbox.resolve(target.folder + "/" + assetsName + "/" + NoteDocument.figureFileName(f.file), for: "the note"),
                   file.kind == .regular {
                    unlink(file.path)
                }
            }
        }
        guard ftruncate(descriptor, offsets[count]) == 0 else {
            throw NotebookError("cannot cut the note \(path) back: \(String(cString: strerror(errno)))", suggestion: "save the session elsewhere with save FILE.md")
        }
        fsync(descriptor)
        document.entries.removeLast(document.entries.count - count)
        offsets.removeLast(offsets.count - count)
    }
}
