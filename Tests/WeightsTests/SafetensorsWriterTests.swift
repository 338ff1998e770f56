// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Testing
@testable import Weights

/// The .safetensors writer: what it writes, the reader reads back bit for bit;
/// the header is aligned and sorted; bad entries are refused.
@Suite("Safetensors writer")
struct SafetensorsWriterTests {
    @Test(arguments: SafetensorsWriter.DType.allCases)
    func writtenFilesReadBack(dtype: SafetensorsWriter.DType) throws {
        let a = (0..<12).map { Double($0) * 0.1 - 0.3 }, b = [1.0, -2.5, 1e-300, .pi]
        let data = try SafetensorsWriter.encode([.init(name: "b.weight", shape: [3, 4], values: a), .init(name: "a", shape: [4], values: b)],
                                                dtype: dtype, metadata: ["format": "pt"])
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0 && data.count == 8 + headerLength + 16 * (dtype == .f64 ? 8 : 4))
        let path = NSTemporaryDirectory() + "dyson-st-\(UUID().uuidString).safetensors"
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try WeightFile.open(path)
        let t = try #require(file.tensors.first { $0.name == "b.weight" }), u = try #require(file.tensors.first { $0.name == "a" })
        #expect(t.shape == [3, 4] && u.shape == [4])
        let expectA = dtype == .f64 ? a : a.map { Double(Float($0)) }, expectB = dtype == .f64 ? b : b.map { Double(Float($0)) }
        #expect(try t.values() == expectA)
        #expect(try u.values() == expectB)
    }

    @Test func badEntriesAreRefused() {
        #expect(throws: WeightFileError.self) { try SafetensorsWriter.encode([.init(name: "x", shape: [2, 2], values: [1, 2, 3])]) }
        #expect(throws: WeightFileError.self) {
            try SafetensorsWriter.encode([.init(name: "x", shape: [1], values: [1]), .init(name: "x", shape: [1], values: [2])])
        }
        #expect(throws: WeightFileError.self) { try SafetensorsWriter.encode([.init(name: "__metadata__", shape: [1], values: [1])]) }
    }
}
