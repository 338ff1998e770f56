// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import Weights

/// Files that lie, are cut short or are not weight files at all: every one is
/// an error naming the file (and the tensor, when one is at fault) and saying
/// what is wrong; none traps, and none makes the reader allocate what a header
/// merely declares.
@Suite("Hostile weight files")
struct HostileFileTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    /// Opens `bytes` written as `name` and reads every tensor; the first error.
    func failure(_ name: String, _ bytes: [UInt8]) throws -> WeightFileError? {
        let path = try folder.write(name, bytes)
        return weightError {
            let w = try WeightFile.open(path, name: name)
            for t in w.tensors where t.element != nil { _ = try t.values() }
        }
    }

    func expectFailure(_ name: String, _ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let error = try failure(name, bytes)
        #expect(error != nil, "\(name) was read", sourceLocation: sourceLocation)
        #expect(error?.file == name, sourceLocation: sourceLocation)
        #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "nil") lacks '\(fragment)'", sourceLocation: sourceLocation)
    }

    // MARK: .npy

    @Test func npyHeadersThatLie() throws {
        let good = float64Bytes([1, 2, 3, 4, 5, 6])
        try expectFailure("short.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (100, 100), }", data: good),
                          "needs 80000 bytes of data, the file has 48")
        try expectFailure("long.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data: good),
                          "needs 32 bytes of data, the file has 48")
        try expectFailure("huge.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", data: good),
                          "needs 8000000000000 bytes")
        try expectFailure("overflow.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", data: good),
                          "more bytes than any file can hold")
        try expectFailure("bigdim.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", data: good),
                          "not a whole number ≥ 0 that fits in 64 bits")
        try expectFailure("negative.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", data: good), "not a whole number ≥ 0")
        try expectFailure("object.npy", npyBytes(header: "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", data: Array("cos\nsystem\n".utf8)),
                          "pickled Python objects, which dyson never unpickles")
        try expectFailure("ints.npy", npyBytes(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }", data: good), "integer elements")
        try expectFailure("record.npy", npyBytes(header: "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,), }", data: good), "structured dtype")
        try expectFailure("keys.npy", npyBytes(header: "{'descr': '<f8', 'shape': (6,), }", data: good), "exactly the keys")
        try expectFailure("syntax.npy", npyBytes(header: "{'descr': '<f8', 'fortran_order': Fals, 'shape': (6,), }", data: good), "not a Python dict literal")
        try expectFailure("deep.npy", npyBytes(header: String(repeating: "(", count: 5000), data: good), "nested too deeply")
        try expectFailure("version.npy", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0], "unknown .npy format version 9.0")
        var hugeHeader: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        hugeHeader.le32(0xFFFF_FFF0)
        try expectFailure("hugeheader.npy", hugeHeader + Array("{'descr'".utf8), "more than the 65536 allowed")
        try expectFailure("cut.npy", Array(npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data: good).prefix(40)),
                          "truncated")
        try expectFailure("text.npy", Array("hello, this is not an array".utf8), "not a numpy array")
        try expectFailure("empty.npy", [], "too short")
    }

    @Test func aMemoryLimitRefusesBeforeAllocating() throws {
        let t = try WeightFile.open(Fixtures.path("f8-c.npy")).tensors[0]
        let error = weightError { try t.values(memoryLimit: 64) }
        #expect(error?.tensor == "f8-c" && error?.problem.contains("more than the") == true)
    }

    // MARK: .npz

    @Test func archivesThatAreNotZipsOrLie() throws {
        try expectFailure("plain.npz", Array("just text, no archive".utf8), "not a zip archive")
        let stored = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("stored.npz"))))
        try expectFailure("half.npz", Array(stored.prefix(stored.count / 2)), "not a zip archive")
        // The central directory's first local-header offset moved past the end of the file.
        var moved = stored
        let cd = try #require(centralDirectoryOffset(moved))
        for (k, b) in [0x00, 0x00, 0x00, 0x7F].enumerated() { moved[cd + 42 + k] = UInt8(b) }
        try expectFailure("moved.npz", moved, "outside the file")
        // A stored entry whose data were damaged: the CRC-32 says so.
        var damaged = stored
        damaged[200] ^= 0xFF
        try expectFailure("damaged.npz", damaged, "CRC-32")
    }

    @Test func deflatedArchivesThatLie() throws {
        let deflated = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("deflated.npz"))))
        // Declared uncompressed size far beyond what deflate can produce from the entry.
        var bomb = deflated
        let cd = try #require(centralDirectoryOffset(bomb))
        for (k, b) in [0x00, 0x00, 0x00, 0x7F].enumerated() { bomb[cd + 24 + k] = UInt8(b) }
        try expectFailure("bomb.npz", bomb, "more than deflate can expand")
        // Damaged deflate data: an error from zlib or from the CRC, never a crash.
        for position in stride(from: 60, to: 400, by: 17) {
            var broken = deflated
            broken[position] ^= 0x55
            if let error = try failure("broken.npz", broken) {
                #expect(!error.problem.isEmpty)
            }
        }
    }

    // MARK: .safetensors

    @Test func safetensorsHeadersThatLie() throws {
        let data = float64Bytes([1, 2, 3, 4])
        func st(_ header: String, _ buffer: [UInt8] = data) -> [UInt8] { safetensorsBytes(header: header, buffer: buffer) }
        try expectFailure("outside.safetensors", st(#"{"w":{"dtype":"F64","shape":[2,2],"data_offsets":[0,320]}}"#), "lie outside the 32-byte data buffer")
        try expectFailure("mismatch.safetensors", st(#"{"w":{"dtype":"F64","shape":[3,3],"data_offsets":[0,32]}}"#), "needs 72 bytes, data_offsets give 32")
        try expectFailure("gap.safetensors", st(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#),
                          "belong to no tensor")
        try expectFailure("overlap.safetensors", st(#"{"a":{"dtype":"F64","shape":[3],"data_offsets":[0,24]},"b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}"#),
                          "overlap")
        try expectFailure("uncovered.safetensors", st(#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#), "cover 16 of the 32 bytes")
        try expectFailure("dtype.safetensors", st(#"{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,32]}}"#), "unknown dtype 'F128'")
        try expectFailure("shape.safetensors", st(#"{"w":{"dtype":"F64","shape":[-4],"data_offsets":[0,32]}}"#), "shape is not a list of whole numbers")
        try expectFailure("huge.safetensors", st(#"{"w":{"dtype":"F64","shape":[1000000000000,1000000000000],"data_offsets":[0,32]}}"#), "data_offsets give 32")
        try expectFailure("json.safetensors", st(#"{"w": not json}"#), "not valid JSON")
        try expectFailure("brace.safetensors", st(#"["w"]"#), "does not start with '{'")
        try expectFailure("meta.safetensors", st(#"{"__metadata__":{"n":3},"w":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}"#), "__metadata__")
        try expectFailure("long.safetensors", safetensorsBytes(header: "{}", buffer: [], declaredLength: 1 << 60), "more than the 100 MB")
        try expectFailure("cut.safetensors", safetensorsBytes(header: #"{"w":{}}"#, buffer: [], declaredLength: 4000), "truncated")
        try expectFailure("tiny.safetensors", [1, 2, 3], "too short")
    }

    @Test func shardIndexesThatPointElsewhere() throws {
        let shard = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sharded/model-00001-of-00002.safetensors"))))
        _ = try folder.write("a.safetensors", shard)
        let outside = try folder.write("escape.index.json", Array(#"{"weight_map":{"x":"../../etc/passwd"}}"#.utf8))
        #expect(weightError { try WeightFile.open(outside, name: "escape.index.json") }?.description.contains("not a file name beside the index") == true)
        let missing = try folder.write("missing.index.json", Array(#"{"weight_map":{"nope":"a.safetensors"}}"#.utf8))
        #expect(weightError { try WeightFile.open(missing, name: "missing.index.json") }?.description.contains("does not hold it") == true)
        let absent = try folder.write("absent.index.json", Array(#"{"weight_map":{"x":"b.safetensors"}}"#.utf8))
        #expect(weightError { try WeightFile.open(absent, name: "absent.index.json") }?.description.contains("cannot open") == true)
        let notIndex = try folder.write("other.json", Array(#"{"a": 1}"#.utf8))
        #expect(weightError { try WeightFile.open(notIndex, name: "other.json") }?.description.contains("weight_map") == true)
    }

    /// Every fixture cut at many lengths and with bytes flipped: each either
    /// reads or gives an error; none traps.
    @Test func truncatedAndFlippedFixturesNeverTrap() throws {
        var rng = SystemRandomNumberGenerator()
        let names = ["f2-c.npy", "f4-f.npy", "f8-v3.npy", "f4-3d-fortran.npy", "stored.npz", "deflated.npz", "zip64.npz", "mixed.safetensors", "bf16.safetensors"]
        var errors = 0, reads = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 60)) {
                if try failure(name, Array(bytes.prefix(cut))) != nil { errors += 1 } else { reads += 1 }
            }
            for _ in 0..<60 {
                var flipped = bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    flipped[Int.random(in: 0..<flipped.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                if try failure(name, flipped) != nil { errors += 1 } else { reads += 1 }
            }
        }
        #expect(errors > 400)
    }

    /// Where the central directory starts (from the end-of-central-directory record).
    func centralDirectoryOffset(_ b: [UInt8]) -> Int? {
        for at in stride(from: b.count - 22, through: 0, by: -1) where b[at] == 0x50 && b[at + 1] == 0x4B && b[at + 2] == 5 && b[at + 3] == 6 {
            return Int(b[at + 16]) | Int(b[at + 17]) << 8 | Int(b[at + 18]) << 16 | Int(b[at + 19]) << 24
        }
        return nil
    }
}
