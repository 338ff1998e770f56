// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Learning

/// Every file dyson writes or reads as a note goes through here, at a path
/// resolved by `Sandbox.resolve`:
///
/// - a regular file, or a new one, is replaced atomically: a temporary file
///   in the same folder, then a rename over the name (readers see the old or
///   the new file, never half of one; a crash leaves the old one);
/// - a FIFO or a character device is written through, never replaced (so
///   `export spectra pipe` feeds a reader and `/dev/null` stays a device);
/// - `-` is standard output;
/// - folders are opened one component at a time without following links
///   (`openat` with `O_NOFOLLOW`), so a folder swapped for a link after the
///   path was resolved is refused rather than followed.
///
/// Text read as notes or scripts is UTF-8 with any byte-order mark dropped and
/// CRLF or CR line ends turned into LF.
public enum FileSystem {
    /// Writes `data` at `target` for `command` (named in every error).
    /// `cancel` stops the wait for a FIFO's reader.
    public static func write(_ data: Data, to target: ResolvedPath, for command: String,
                             cancel: CancellationFlag? = nil) throws(NotebookError) {
        try write(to: target, for: command, cancel: cancel) { (sink: inout FileSink) throws(NotebookError) in try sink.append(data) }
    }

    /// Writes what `contents` appends to its sink at `target`, by the same
    /// rules as `write(_:to:for:cancel:)`, in one pass with bounded memory: the
    /// sink holds at most `FileSink.capacity` bytes before it writes them out.
    /// A regular file is still replaced atomically (an error in `contents`
    /// leaves the old file and deletes the temporary one).
    public static func write(to target: ResolvedPath, for command: String, cancel: CancellationFlag? = nil,
                             contents: (inout FileSink) throws(NotebookError) -> Void) throws(NotebookError) {
        func produce(_ fd: Int32, _ shown: String) throws(NotebookError) {
            var sink = FileSink(fd: fd, shown: shown, command: command)
            try contents(&sink)
            try sink.flush()
        }
        switch target.kind {
        case .directory:
            throw NotebookError("\(command): \(target.name) is a folder", suggestion: "give a file name inside it")
        case .other:
            throw NotebookError("\(command): \(target.name) is neither a file, a FIFO nor a character device; dyson does not write it")
        case .fifo, .characterDevice:
            if target.confined {
                throw NotebookError("\(command): \(target.name) is a \(target.kind == .fifo ? "FIFO" : "device"); a note may only write files",
                                    suggestion: "write to a file name inside the note's folder")
            }
        case .missing, .regular, .standardOutput:
            break
        }
        if target.isRedirected {
            let folder = (target.destination as NSString).deletingLastPathComponent
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw NotebookError("\(command): cannot write \(target.name) in the scratch folder: \(error.localizedDescription)")
            }
            try replaceAtomically(folder: folder, name: (target.destination as NSString).lastPathComponent, contents: produce,
                                  shown: target.name, command: command)
            return
        }
        switch target.kind {
        case .standardOutput:
            fflush(nil)
            try produce(1, "standard output")
        case .fifo, .characterDevice:
            try writeThrough(target, contents: produce, command: command, cancel: cancel)
        default:
            try replaceAtomically(folder: target.folder, name: target.lastComponent, contents: produce, shown: target.name, command: command)
        }
    }

    /// Makes sure `target` is a folder (creating it if missing), for `command`.
    public static func makeFolder(_ target: ResolvedPath, for command: String) throws(NotebookError) {
        if target.isRedirected {
            do { try FileManager.default.createDirectory(atPath: target.destination, withIntermediateDirectories: true) } catch {
                throw NotebookError("\(command): cannot create \(target.name) in the scratch folder: \(error.localizedDescription)")
            }
            return
        }
        switch target.kind {
        case .directory:
            return
        case .missing:
            let dir = try openFolder(target.folder, command: command)
            defer { close(dir) }
            if mkdirat(dir, target.lastComponent, 0o777) != 0 && errno != EEXIST {
                throw NotebookError("\(command): cannot create the folder \(target.name): \(String(cString: strerror(errno)))")
            }
            var st = stat()
            guard fstatat(dir, target.lastComponent, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFDIR else {
                throw NotebookError("\(command): \(target.name) is not a folder")
            }
        default:
            throw NotebookError("\(command): \(target.name) exists and is not a folder", suggestion: "move it away")
        }
    }

    /// Creates `target` as a new file holding `data` and returns it open for
    /// appending; refuses if anything is already there (the live note).
    static func createExclusively(_ target: ResolvedPath, data: Data, for command: String) throws(NotebookError) -> Int32 {
        guard target.kind == .missing, !target.isRedirected else {
            throw NotebookError("\(command): \(target.name) already exists")
        }
        let dir = try openFolder(target.folder, command: command)
        defer { close(dir) }
        let fd = openat(dir, target.lastComponent, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw NotebookError("\(command): cannot create \(target.name): \(why)")
        }
        do throws(NotebookError) {
            try writeAll(fd, data, shown: target.name, command: command)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    // MARK: Reading

    /// The largest note or script dyson reads (a safeguard, far above real notes).
    public static let maximumTextBytes = 64 << 20

    /// Reads a regular file at `target` as note or script text.
    public static func readText(_ target: ResolvedPath, for command: String) throws(NotebookError) -> String {
        guard target.kind == .regular else {
            let what: String
            switch target.kind {
            case .missing: what = "does not exist"
            case .directory: what = "is a folder"
            case .fifo: what = "is a FIFO, not a file"
            default: what = "is not a regular file"
            }
            throw NotebookError("\(command): \(target.name) \(what)", suggestion: "give the path of a note (.md) written by dyson")
        }
        let fd = open(target.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw NotebookError("\(command): cannot read \(target.name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let data = try readAll(fd, limit: maximumTextBytes, shown: target.name, command: command)
        return try decodeText(data, shown: target.name, command: command)
    }

    /// UTF-8 text with the byte-order mark dropped and line ends made LF;
    /// refuses binary data (a NUL byte, or bytes that are not UTF-8).
    public static func decodeText(_ data: Data, shown: String, command: String) throws(NotebookError) -> String {
        guard !data.contains(0), let text = String(validating: data, as: UTF8.self) else {
            throw NotebookError("\(command): \(shown) is not a text file (it holds bytes that are not UTF-8 text)",
                                suggestion: "give the path of a note or script written as text")
        }
        return normalisedText(text)
    }

    /// Drops a leading byte-order mark and turns CRLF and lone CR into LF.
    public static func normalisedText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        for u in scalars {
            if u == "\r" { out.append("\n"); afterCR = true; continue }
            if u == "\n" && afterCR { afterCR = false; continue }
            afterCR = false
            out.append(u)
        }
        return String(out)
    }

    /// Whether the regular file at `path` is a dyson note (read through no link).
    public static func isDysonNote(at path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return false }
        guard let data = try? readAll(fd, limit: 1 << 20, truncate: true, shown: path, command: "") else { return false }
        return NoteDocument.isNote(normalisedText(String(decoding: data, as: UTF8.self)))
    }

    // MARK: Primitives

    /// Opens a canonical folder for `*at` calls, one component at a time,
    /// following no link: a component replaced by a link since it was resolved
    /// fails here instead of leading elsewhere.
    static func openFolder(_ folder: String, command: String) throws(NotebookError) -> Int32 {
        #if os(Linux)
        let lookup: Int32 = 0o10000000  // O_PATH: needs no read permission on the folders
        #else
        let lookup: Int32 = O_RDONLY
        #endif
        var fd = open("/", lookup | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw NotebookError("\(command): cannot open /: \(String(cString: strerror(errno)))") }
        for component in folder.split(separator: "/") {
            let next = openat(fd, String(component), lookup | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let failure = errno
            close(fd)
            guard next >= 0 else {
                let why = failure == ELOOP || failure == ENOTDIR ? "a part of it is no longer a folder (a link was put in its place?)"
                    : String(cString: strerror(failure))
                throw NotebookError("\(command): cannot open the folder \(folder): \(why)")
            }
            fd = next
        }
        return fd
    }

    /// Temporary file in the same folder, written, flushed, then renamed over
    /// `name`. An existing file keeps its permissions; only a regular file (or
    /// nothing) is ever replaced.
    static func replaceAtomically(folder: String, name: String, contents: (Int32, String) throws(NotebookError) -> Void,
                                  shown: String, command: String) throws(NotebookError) {
        let dir = try openFolder(folder, command: command)
        defer { close(dir) }
        var st = stat()
        var mode: mode_t?
        if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw NotebookError("\(command): \(shown) changed while it was being written (it is no longer a regular file); nothing written")
            }
            mode = st.st_mode & 0o7777
        }
        let temporary = ".\(name.prefix(180)).\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).tmp"
        let fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw NotebookError("\(command): cannot write \(shown): \(String(cString: strerror(errno)))",
                                suggestion: "check that the folder exists and is writable")
        }
        var renamed = false
        defer { if !renamed { unlinkat(dir, temporary, 0) } }
        do throws(NotebookError) {
            try contents(fd, shown)
        } catch {
            close(fd)
            throw error
        }
        if let mode { fchmod(fd, mode) }
        fsync(fd)
        close(fd)
        guard renameat(dir, temporary, dir, name) == 0 else {
            throw NotebookError("\(command): cannot write \(shown): \(String(cString: strerror(errno)))")
        }
        renamed = true
    }

    /// Writes into a FIFO or device without replacing it. A FIFO without a
    /// reader is waited for (Ctrl-C stops the wait).
    static func writeThrough(_ target: ResolvedPath, contents: (Int32, String) throws(NotebookError) -> Void, command: String,
                             cancel: CancellationFlag?) throws(NotebookError) {
        let flags = O_WRONLY | O_NONBLOCK | O_CLOEXEC | (target.throughKernelLink ? 0 : O_NOFOLLOW)
        var fd: Int32 = -1
        while true {
            fd = open(target.path, flags)
            if fd >= 0 { break }
            if errno == EINTR { continue }
            if errno == ENXIO && target.kind == .fifo {  // no reader yet
                if cancel?.isCancelled == true {
                    throw NotebookError("\(command): stopped waiting for a reader of \(target.name)", suggestion: "start the reader first")
                }
                usleep(20_000)
                continue
            }
            throw NotebookError("\(command): cannot open \(target.name): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, [S_IFIFO, S_IFCHR].contains(st.st_mode & S_IFMT) else {
            throw NotebookError("\(command): \(target.name) changed while it was being written; nothing written")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        try contents(fd, target.name)
    }

    static func writeAll(_ fd: Int32, _ data: Data, shown: String, command: String) throws(NotebookError) {
        let failure: NotebookError? = data.withUnsafeBytes { raw in
            do throws(NotebookError) { try writeAll(raw, fd: fd, shown: shown, command: command) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    static func writeAll(_ raw: UnsafeRawBufferPointer, fd: Int32, shown: String, command: String) throws(NotebookError) {
        let failure: Int32? = {
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN { usleep(1000); continue }
                    return errno
                }
                offset += n
            }
            return nil
        }()
        if let failure {
            let why = failure == EPIPE ? "its reader closed it before the end" : String(cString: strerror(failure))
            throw NotebookError("\(command): cannot write \(shown): \(why)")
        }
    }

    static func readAll(_ fd: Int32, limit: Int, truncate: Bool = false, shown: String, command: String) throws(NotebookError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw NotebookError("\(command): cannot read \(shown): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count > limit {
                if truncate { return data.prefix(limit) }
                throw NotebookError("\(command): \(shown) is larger than \(limit >> 20) MB; it is not a note dyson wrote",
                                    suggestion: "give the path of a note written by dyson")
            }
        }
        return data
    }
}

/// write(2), named apart from `FileSystem.write`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// Where a streamed write goes: bytes are gathered in a buffer of
/// `capacity` bytes and written out when it is full (and at the end), so a
/// writer of any size holds only that much.
public struct FileSink {
    /// Bytes held before they are written out.
    public static let capacity = 1 << 20
    let fd: Int32
    let shown: String
    let command: String
    private var buffer: [UInt8]

    init(fd: Int32, shown: String, command: String) {
        self.fd = fd
        self.shown = shown
        self.command = command
        buffer = []
        buffer.reserveCapacity(FileSink.capacity)
    }

    /// Appends `bytes`, writing the buffer out first when they would overflow it.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws(NotebookError) {
        if buffer.count + bytes.count > FileSink.capacity { try flush() }
        if bytes.count >= FileSink.capacity {
            try FileSystem.writeAll(fd, Data(bytes), shown: shown, command: command)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public mutating func append(_ data: Data) throws(NotebookError) {
        let failure: NotebookError? = data.withUnsafeBytes { raw in
            do throws(NotebookError) { try append(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    public mutating func append(_ text: String) throws(NotebookError) {
        var text = text
        let failure: NotebookError? = text.withUTF8 { utf8 in
            do throws(NotebookError) { try append(UnsafeRawBufferPointer(utf8)) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes out what the buffer holds.
    public mutating func flush() throws(NotebookError) {
        guard !buffer.isEmpty else { return }
        let failure: NotebookError? = buffer.withUnsafeBytes { raw in
            do throws(NotebookError) { try FileSystem.writeAll(raw, fd: fd, shown: shown, command: command) } catch { return error }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }
}
