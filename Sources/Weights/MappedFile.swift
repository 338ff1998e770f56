// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory (`mmap`), so that a checkpoint of many
/// gigabytes costs address space, not memory: pages are read when a tensor is
/// converted and can be dropped again by the kernel.
///
/// Caveat: a file truncated by another process *while* it is mapped makes the
/// next access to the lost pages raise SIGBUS; files are not expected to change
/// under a running analysis.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// Size in bytes.
    public let count: Int
    private let base: UnsafeRawPointer?

    /// Maps `path`; an empty file maps to nothing (count 0).
    public init(path: String, displayName: String? = nil) throws(WeightFileError) {
        self.path = path
        let name = displayName ?? path
        // Non-blocking: a FIFO must not wait for a writer (it is refused just below).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw WeightFileError(file: name, "cannot open: \(why)", suggestion: "check the file name")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightFileError(file: name, "cannot read its size") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw WeightFileError(file: name, "is not a regular file", suggestion: "name a .npy, .npz or .safetensors file")
        }
        count = Int(info.st_size)
        if count == 0 { base = nil; return }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw WeightFileError(file: name, "cannot map the file into memory: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes in `range` (which must lie inside the file: callers check).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        guard let base, !range.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Whether `offset ..< offset + length` lies inside the file (overflow-safe).
    func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }
}

/// Little-endian reads from raw bytes, bounds checked by the caller.
extension UnsafeRawBufferPointer {
    func le16(_ at: Int) -> Int { Int(self[at]) | Int(self[at + 1]) << 8 }
    func le32(_ at: Int) -> Int { le16(at) | le16(at + 2) << 16 }
    /// A 64-bit field as UInt64 (it may exceed Int.max in a hostile file).
    func le64(_ at: Int) -> UInt64 { UInt64(le32(at)) | UInt64(le32(at + 4)) << 32 }
}
