// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// One task's runs on disk: a small header, the numbers as little-endian
/// 64-bit values, and a SHA-256 trailer over everything before it.
///
///     offset  bytes          field
///     0       8              magic "DYSHARD\n"
///     8       4  (u32)       format version (1)
///     12      4  (u32)       task index
///     16      32             SHA-256 of the job's manifest.json (which job this is)
///     48      8 × 8  (u64)   S snapshots, R runs kept, D runs dropped, n levels,
///                            W weights per run, completed steps, threads,
///                            flags (bit 0 cancelled, bit 1 resumable)
///     112     8  (f64)       seconds of training
///     120     8·S (i64)      snapshot steps
///             8·R (i64)      run indices kept, ascending
///             8·D (i64)      runs dropped (non-finite weights)
///             8·S·R·n (f64)  spectra, [(s·R + r)·n + i]
///             8·R·W (f64)    final weights, run after run, row-major
///             8 (u64)        Q run states (0 or R), then per state:
///                            u64 g, g × u64 stream words, u64 v, v × f64 values
///             32             SHA-256 of all bytes above
///
/// Doubles are stored as their IEEE-754 bit patterns, so a shard read back is
/// bit for bit what was trained. The trailer is an integrity check (a file
/// cut short or damaged), not a signature.
public enum ShardFile {
    static let magic: [UInt8] = Array("DYSHARD\n".utf8)
    public static let formatVersion: UInt32 = 1

    /// The bytes of task `task`'s runs, for the job whose manifest hashes to `manifestHash`.
    public static func encode(_ runs: StoredRuns, task: Int, manifestHash: [UInt8], spectrumSize n: Int, weightSize w: Int) -> [UInt8] {
        var out = ByteWriter()
        out.bytes(magic)
        out.u32(formatVersion)
        out.u32(UInt32(truncatingIfNeeded: task))
        out.bytes(manifestHash.count == 32 ? manifestHash : [UInt8](repeating: 0, count: 32))
        let flags = (runs.cancelled ? 1 : 0) | (runs.resumable ? 2 : 0)
        for v in [runs.snapshotSteps.count, runs.runIndices.count, runs.droppedRuns.count, n, w, runs.completedSteps, runs.threads, flags] {
            out.u64(UInt64(truncatingIfNeeded: v))
        }
        out.f64(runs.seconds)
        for v in runs.snapshotSteps { out.u64(UInt64(bitPattern: Int64(v))) }
        for v in runs.runIndices { out.u64(UInt64(bitPattern: Int64(v))) }
        for v in runs.droppedRuns { out.u64(UInt64(bitPattern: Int64(v))) }
        out.f64s(runs.spectra)
        out.f64s(runs.finalWeights)
        out.u64(UInt64(runs.finalStates.count))
        for s in runs.finalStates {
            out.u64(UInt64(s.generator.count))
            for g in s.generator { out.u64(g) }
            out.u64(UInt64(s.values.count))
            out.f64s(s.values)
        }
        out.bytes(SHA256.hash(out.data))
        return out.data
    }

    /// What a shard file holds besides the runs.
    public struct Header: Sendable, Equatable {
        public let task: Int
        public let manifestHash: [UInt8]
        public let spectrumSize: Int
        public let weightSize: Int
    }

    /// Reads and verifies a shard file's bytes: magic, version, checksum and
    /// every count against the bytes present (no count read from the file
    /// can make the reader allocate more than the file holds).
    public static func decode(_ bytes: [UInt8]) throws(ClusterError) -> (header: Header, runs: StoredRuns) {
        guard bytes.count >= 120 + 8 + 32, Array(bytes[0..<8]) == magic else {
            throw ClusterError("not a dyson shard file (\(bytes.count) bytes, no DYSHARD header)")
        }
        let body = bytes[0..<(bytes.count - 32)]
        guard SHA256.hash(body) == Array(bytes[(bytes.count - 32)...]) else {
            throw ClusterError("the shard file's checksum does not match its content (cut short or damaged)",
                               suggestion: "delete it and run the task again")
        }
        var r = ByteReader(bytes: bytes, end: bytes.count - 32)
        r.offset = 8
        let version = try r.u32()
        guard version == formatVersion else {
            throw ClusterError("shard format \(version); this dyson reads format \(formatVersion)")
        }
        let task = Int(try r.u32())
        let hash = try r.bytes(32)
        let s = try r.count(), runs = try r.count(), dropped = try r.count(), n = try r.count(), w = try r.count()
        let completed = try r.count(), threads = try r.count(), flags = try r.count()
        let seconds = try r.f64()
        let steps = try r.ints(s), indices = try r.ints(runs), drop = try r.ints(dropped)
        let spectra = try r.f64s(try product(s, runs, n))
        let weights = try r.f64s(try product(runs, w))
        let stateCount = try r.count()
        guard stateCount == 0 || stateCount == runs else {
            throw ClusterError("the shard file lists \(stateCount) run states for \(runs) runs")
        }
        var states = [RunState]()
        for _ in 0..<stateCount {
            let g = try r.u64s(try r.count())
            let v = try r.f64s(try r.count())
            states.append(RunState(generator: g, values: v))
        }
        guard r.offset == r.end else { throw ClusterError("the shard file has \(r.end - r.offset) bytes after its runs") }
        let stored = StoredRuns(snapshotSteps: steps, runIndices: indices, droppedRuns: drop, spectra: spectra, finalWeights: weights,
                                finalStates: states, completedSteps: completed, cancelled: flags & 1 != 0, resumable: flags & 2 != 0,
                                seconds: seconds, threads: threads)
        return (Header(task: task, manifestHash: hash, spectrumSize: n, weightSize: w), stored)
    }

    /// The product of counts, or an error when it cannot be a real size.
    static func product(_ factors: Int...) throws(ClusterError) -> Int {
        var p = 1
        for f in factors {
            let (v, o) = p.multipliedReportingOverflow(by: f)
            guard !o else { throw ClusterError("the shard file's sizes overflow (damaged header)") }
            p = v
        }
        return p
    }
}

/// Appends little-endian values.
struct ByteWriter {
    var data = [UInt8]()

    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func f64s(_ v: [Double]) {
        #if _endian(little)
        v.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for x in v { u64(x.bitPattern) }
        #endif
    }
}

/// Reads little-endian values up to `end`, refusing to read past it.
struct ByteReader {
    let bytes: [UInt8]
    let end: Int
    var offset = 0

    mutating func take(_ n: Int) throws(ClusterError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= end - offset else {
            throw ClusterError("the shard file ends early: \(n) bytes wanted at offset \(offset), \(end - offset) left")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func bytes(_ n: Int) throws(ClusterError) -> [UInt8] { Array(try take(n)) }

    mutating func u32() throws(ClusterError) -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(ClusterError) -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A count or size: a non-negative Int.
    mutating func count() throws(ClusterError) -> Int {
        let v = try u64()
        guard v <= UInt64(Int.max) else { throw ClusterError("the shard file holds an impossible count (\(v))") }
        return Int(v)
    }

    mutating func f64() throws(ClusterError) -> Double { Double(bitPattern: try u64()) }

    /// `count` values, after checking that the file holds them.
    mutating func u64s(_ count: Int) throws(ClusterError) -> [UInt64] {
        guard count <= (end - offset) / 8 else {
            throw ClusterError("the shard file ends early: \(count) values wanted, room for \((end - offset) / 8)")
        }
        let start = offset
        offset += 8 * count
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * $0, as: UInt64.self)) }
        }
    }

    mutating func f64s(_ count: Int) throws(ClusterError) -> [Double] { try u64s(count).map { Double(bitPattern: $0) } }
    mutating func ints(_ count: Int) throws(ClusterError) -> [Int] { try u64s(count).map { Int(Int64(bitPattern: $0)) } }
}
