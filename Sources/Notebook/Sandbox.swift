// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a resolved path names.
public enum FileKind: Equatable, Sendable {
    /// Nothing yet: a write creates a regular file.
    case missing
    case regular
    case directory
    case fifo
    case characterDevice
    /// A socket or block device: dyson neither reads nor writes it.
    case other
    /// `-`: standard output.
    case standardOutput
}

/// A file name from the user or from a note, resolved once: the folder part
/// is the real path of its parent (symbolic links and `..` resolved by the
/// kernel, not by string manipulation), the final name is never followed
/// implicitly. A final symbolic link is resolved as a path of its own, under
/// the same rules, so it may be written through only when its target is
/// allowed.
public struct ResolvedPath: Equatable, Sendable {
    /// The name as written (for messages).
    public let name: String
    /// The canonical path: real parent folder + final name (for `-`, "-").
    public let path: String
    public let kind: FileKind
    /// Where a write goes: `path`, or its mirror in a scratch folder (replay).
    public let destination: String
    /// A device reached through a link the kernel resolves itself (`/dev/stdout`
    /// → `/proc/self/fd/1`); opened following the link. Only outside notes.
    let throughKernelLink: Bool
    /// Resolved for a note (replayed or loaded): it may write only files.
    public let confined: Bool

    /// The real folder the path is in.
    public var folder: String { (path as NSString).deletingLastPathComponent }
    public var lastComponent: String { (path as NSString).lastPathComponent }
    /// Whether a write lands somewhere else than `path` (a replay's scratch folder).
    public var isRedirected: Bool { destination != path }
}

/// The rules a path is resolved under: the folder relative names start from,
/// and for notes (replayed or loaded) the folder nothing may leave, the
/// scratch folder writes are redirected to, and the files never overwritten.
///
/// One function, `resolve`, applies them to every path a command touches
/// (`save`, `export`, `load`, the note and its figures), so that a rule holds
/// everywhere or nowhere.
public struct Sandbox: Sendable {
    /// The canonical folder relative names resolve against.
    public var base: String
    /// The canonical folder every path must stay inside; nil: anywhere (the
    /// user's own session).
    public var root: String?
    /// Writes to paths under `from` go to the same relative path under `to`
    /// (replay: a temporary folder, so a replay never changes the note's folder).
    public var scratch: (from: String, to: String)?
    /// Who is confined, for messages: "the replayed note x.md".
    public var owner: String
    /// Canonical paths never overwritten, with the reason (the live note, the
    /// note being replayed).
    public var protected: [String: String] = [:]

    public var confined: Bool { root != nil }

    /// The user's own session: relative to `base`, anywhere.
    public static func session(base: String) -> Sandbox {
        Sandbox(base: canonicalFolder(base), root: nil, scratch: nil, owner: "this session")
    }

    /// A note's rules: relative to its folder and confined to it.
    public static func note(folder: String, owner: String) -> Sandbox {
        let f = canonicalFolder(folder)
        return Sandbox(base: f, root: f, scratch: nil, owner: owner)
    }

    /// The rules for a note loaded from inside this sandbox: its own folder,
    /// the same scratch folder and protected files.
    public func entering(noteAt path: String, owner: String) -> Sandbox {
        var s = self
        let folder = (path as NSString).deletingLastPathComponent
        s.base = folder
        s.root = folder
        s.owner = owner
        return s
    }

    /// The real path of a folder (itself if it cannot be resolved).
    public static func canonicalFolder(_ folder: String) -> String {
        let absolute = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        return realPath(absolute) ?? URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Resolves `name` for `command` (named in every error). Relative names
    /// start at `base`; the parent folder must exist; a note may not leave
    /// `root`; a final symbolic link is resolved as a path of its own (at most
    /// 16 in a chain), so that a link is written through only when its
    /// target is allowed.
    public func resolve(_ name: String, for command: String) throws(NotebookError) -> ResolvedPath {
        try resolve(name, as: name, for: command, hops: 0)
    }

    private func resolve(_ name: String, as shown: String, for command: String, hops: Int) throws(NotebookError) -> ResolvedPath {
        if name == "-" {
            if let scratch {
                // A replay never prints a note's data: it goes to the scratch folder.
                let sink = scratch.to + "/standard-output"
                return ResolvedPath(name: shown, path: "-", kind: .standardOutput, destination: sink, throughKernelLink: false, confined: confined)
            }
            return ResolvedPath(name: shown, path: "-", kind: .standardOutput, destination: "-", throughKernelLink: false, confined: confined)
        }
        guard !name.isEmpty else { throw NotebookError("\(command) needs a file name", suggestion: "e.g. \(command) out.csv") }
        guard !name.contains("\0") else { throw NotebookError("\(command): a file name cannot hold a NUL character") }
        guard !name.hasSuffix("/") else {
            throw NotebookError("\(command): \(shown) names a folder, not a file", suggestion: "add a file name after the /")
        }
        let absolute = name.hasPrefix("/") ? name : base + "/" + name
        let parts = absolute.split(separator: "/").map(String.init)
        guard let last = parts.last, last != ".", last != ".." else {
            throw NotebookError("\(command): \(shown) names a folder, not a file", suggestion: "give a file name")
        }
        let parentPath = "/" + parts.dropLast().joined(separator: "/")
        guard let folder = Self.realPath(parentPath) else {
            let why = errno == ENOENT ? "the folder \(parentPath) does not exist" : String(cString: strerror(errno))
            throw NotebookError("\(command): cannot write \(shown): \(why)", suggestion: "create the folder first, or choose another path")
        }
        let path = folder == "/" ? "/" + last : folder + "/" + last
        try confine(folder, leadingTo: path, name: shown, command: command, via: name == shown ? nil : name)
        var st = stat()
        guard lstat(path, &st) == 0 else {
            guard errno == ENOENT else {
                throw NotebookError("\(command): cannot use \(shown): \(String(cString: strerror(errno)))")
            }
            return ResolvedPath(name: shown, path: path, kind: .missing, destination: mirror(path), throughKernelLink: false, confined: confined)
        }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            // A device behind a link the kernel resolves itself (/dev/stdout):
            // written through as the user asked, outside notes only.
            var target = stat()
            if !confined, stat(path, &target) == 0, [S_IFIFO, S_IFCHR].contains(target.st_mode & S_IFMT) {
                let kind: FileKind = target.st_mode & S_IFMT == S_IFIFO ? .fifo : .characterDevice
                return ResolvedPath(name: shown, path: path, kind: kind, destination: path, throughKernelLink: true, confined: false)
            }
            guard hops < 16 else {
                throw NotebookError("\(command): \(shown) is a chain of more than 16 symbolic links", suggestion: "name the file itself")
            }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, buffer.count - 1)
            guard n > 0 else { throw NotebookError("\(command): cannot read the link \(shown): \(String(cString: strerror(errno)))") }
            let text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let next = text.hasPrefix("/") ? text : folder + "/" + text
            return try resolve(next, as: shown, for: command, hops: hops + 1)
        case S_IFREG: return ResolvedPath(name: shown, path: path, kind: .regular, destination: mirror(path), throughKernelLink: false, confined: confined)
        case S_IFDIR: return ResolvedPath(name: shown, path: path, kind: .directory, destination: mirror(path), throughKernelLink: false, confined: confined)
        case S_IFIFO: return ResolvedPath(name: shown, path: path, kind: .fifo, destination: mirror(path), throughKernelLink: false, confined: confined)
        case S_IFCHR: return ResolvedPath(name: shown, path: path, kind: .characterDevice, destination: mirror(path), throughKernelLink: false, confined: confined)
        default: return ResolvedPath(name: shown, path: path, kind: .other, destination: mirror(path), throughKernelLink: false, confined: confined)
        }
    }

    /// A file directly inside a folder resolved before (a note's assets
    /// folder). A folder that exists only in the scratch folder (a replay's
    /// new assets) holds only new files there.
    public func resolve(file: String, in folder: ResolvedPath, for command: String) throws(NotebookError) -> ResolvedPath {
        if folder.kind == .missing && folder.isRedirected {
            let path = folder.path + "/" + file
            return ResolvedPath(name: path, path: path, kind: .missing, destination: folder.destination + "/" + file,
                                throughKernelLink: false, confined: confined)
        }
        return try resolve(folder.path + "/" + file, for: command)
    }

    /// Refuses a real folder outside `root`, naming the command and the path.
    private func confine(_ folder: String, leadingTo path: String, name: String, command: String, via link: String?) throws(NotebookError) {
        guard let root else { return }
        guard folder == root || folder.hasPrefix(root == "/" ? "/" : root + "/") else {
            let how = link.map { " through a symbolic link to \($0)" } ?? ""
            throw NotebookError("\(command): \(name) leads outside the note's folder\(how) (to \(path)); \(owner) may only read and write inside \(root)",
                                suggestion: "use a file name inside the note's folder")
        }
    }

    /// Where a write to `path` lands: its mirror in the scratch folder, if any.
    private func mirror(_ path: String) -> String {
        guard let scratch, path.hasPrefix(scratch.from + "/") else { return path }
        return scratch.to + path.dropFirst(scratch.from.count)
    }

    /// Why `target` may not be overwritten, if it may not: the live note and
    /// the note being replayed never; another dyson note only with `force`,
    /// and never from a note (a note cannot grant itself force).
    public func refusal(toOverwrite target: ResolvedPath, for command: String, force: Bool) -> NotebookError? {
        if let why = protected[target.path] {
            return NotebookError("\(command): \(target.name) is \(why); dyson never overwrites it",
                                 suggestion: "write to another file name")
        }
        guard target.kind == .regular, FileSystem.isDysonNote(at: target.path) else { return nil }
        if confined {
            return NotebookError("\(command): \(target.name) is a dyson note; \(owner) may not overwrite a note",
                                 suggestion: "a note may write new files and files that are not notes")
        }
        if force { return nil }
        return NotebookError("\(command): \(target.name) is a dyson note; it is not overwritten without force=yes",
                             suggestion: "\(command) … force=yes to replace it, or choose another file name")
    }
}
