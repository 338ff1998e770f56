// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Weights

/// The fixtures written by Fixtures/make-fixtures.py (numpy and safetensors).
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { folder + "/" + name }

    struct Expected: Decodable { let shape: [Int]; let values: [Double] }

    /// expected.json: tensor → shape and float64 values in C order.
    static let expected: [String: Expected] = {
        guard let data = FileManager.default.contents(atPath: path("expected.json")),
              let e = try? JSONDecoder().decode([String: Expected].self, from: data) else { return [:] }
        return e
    }()
}

/// A temporary folder for files written by a test, removed with it.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "dyson-weights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` in the folder and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        // stdio: several times faster here than Data.write, for the many small files of the fuzz.
        guard let f = fopen(p, "wb") else { throw CocoaError(.fileWriteUnknown) }
        defer { fclose(f) }
        guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return p
    }
}

/// Little-endian byte helpers for building hostile files.
extension Array where Element == UInt8 {
    mutating func le16(_ v: Int) { append(UInt8(v & 0xFF)); append(UInt8((v >> 8) & 0xFF)) }
    mutating func le32(_ v: Int) { le16(v & 0xFFFF); le16((v >> 16) & 0xFFFF) }
    mutating func le64(_ v: UInt64) { le32(Int(v & 0xFFFF_FFFF)); le32(Int(v >> 32)) }
}

/// A .npy file: magic, version, header (padded to 64 bytes), data.
func npyBytes(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var h = header
    let preamble = version == 1 ? 10 : 12
    h += String(repeating: " ", count: (64 - (preamble + h.utf8.count + 1) % 64) % 64) + "\n"
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 { out.le16(h.utf8.count) } else { out.le32(h.utf8.count) }
    return out + Array(h.utf8) + data
}

/// A .safetensors file from a header text and a buffer.
func safetensorsBytes(header: String, buffer: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
    var out = [UInt8]()
    out.le64(declaredLength ?? UInt64(header.utf8.count))
    return out + Array(header.utf8) + buffer
}

func float64Bytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// The error a throwing call gave, nil if it did not throw.
func weightError<T>(_ body: () throws -> T) -> WeightFileError? {
    do { _ = try body(); return nil } catch let e as WeightFileError { return e } catch {
        return WeightFileError(file: "?", "not a WeightFileError: \(error)")
    }
}
