// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Writes a file so that readers see either nothing or all of it: the bytes
/// go to a temporary name in the same folder (created exclusively, never
/// through a symlink), are flushed to disk, and the file is renamed into
/// place. A process killed while writing leaves only the temporary file,
/// whose name starts with "." and ends in ".tmp-PID".
public enum AtomicFile {
    /// The temporary name for `path` in this process.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(ClusterError) {
        let temporary = temporaryPath(for: path)
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ClusterError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return fsync(fd) == 0
        }
        let error = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temporary)
            throw ClusterError("cannot write \(path): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(temporary)
            throw ClusterError("cannot move \(temporary) to \(path): \(e)")
        }
        // The rename itself reaches the disk with the folder.
        let dir = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Reads a regular file's bytes (nil when it does not exist).
    public static func read(_ path: String) throws(ClusterError) -> [UInt8]? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ClusterError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ClusterError("\(path) is not a regular file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ClusterError("cannot read \(path)") }
        return [UInt8](data)
    }
}

/// write(2), outside `AtomicFile` whose `write` would shadow it.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
