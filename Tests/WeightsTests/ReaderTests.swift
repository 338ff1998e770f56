// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import Testing
@testable import Weights

/// Every fixture written by numpy and safetensors reads element for element
/// as the expected float64 values (exact: each dtype converts exactly).
@Suite("Weight file readers")
struct ReaderTests {
    static let npyFiles = ["f2-c.npy", "f2-f.npy", "f4-c.npy", "f4-f.npy", "f8-c.npy", "f8-f.npy", "f8-big-endian.npy",
                           "f4-big-endian.npy", "f4-3d-fortran.npy", "f8-v2.npy", "f8-v3.npy", "bias.npy"]

    @Test(arguments: npyFiles)
    func npyReadsEveryDtypeAndOrder(file: String) throws {
        let w = try WeightFile.open(Fixtures.path(file), name: file)
        #expect(w.format == .npy)
        let t = try #require(w.tensors.first)
        #expect(w.tensors.count == 1)
        #expect(t.name == String(file.dropLast(4)))
        let expected = try #require(Fixtures.expected[file])
        #expect(t.shape == expected.shape)
        #expect(t.fortranOrder == file.contains("-f"))
        #expect(try t.values() == expected.values)
    }

    @Test func npyTypesAndRoles() throws {
        let f2 = try WeightFile.open(Fixtures.path("f2-c.npy")).tensors[0]
        #expect(f2.element == .float16 && f2.typeName == "<f2" && f2.role == .layer(rows: 3, cols: 4))
        let big = try WeightFile.open(Fixtures.path("f8-big-endian.npy")).tensors[0]
        #expect(big.typeName == ">f8" && big.element == .float64)
        let bias = try WeightFile.open(Fixtures.path("bias.npy")).tensors[0]
        #expect(bias.role == .vector)
        #expect(weightError { try bias.matrix() }?.problem.contains("is not a matrix") == true)
        // A 3-D tensor is out × (the rest): 2 × 12, rows in C order.
        let cube = try WeightFile.open(Fixtures.path("f4-3d-fortran.npy")).tensors[0]
        #expect(cube.role == .layer(rows: 2, cols: 12))
        let m = try cube.matrix()
        #expect(m.rows == 2 && m.cols == 12 && m.elements == Fixtures.expected["f4-3d-fortran.npy"]?.values)
    }

    @Test(arguments: ["stored.npz", "deflated.npz", "zip64.npz"])
    func npzStoredAndDeflated(file: String) throws {
        let w = try WeightFile.open(Fixtures.path(file), name: file)
        #expect(w.format == .npz)
        #expect(Set(w.tensors.map(\.name)) == ["fc1.weight", "fc1.bias", "conv.weight", "head", "half", "steps"])
        for t in w.tensors where t.element != nil {
            let expected = try #require(Fixtures.expected["npz/\(t.name)"])
            #expect(t.shape == expected.shape, "\(t.name)")
            #expect(try t.values() == expected.values, "\(t.name)")
        }
        let byName = Dictionary(uniqueKeysWithValues: w.tensors.map { ($0.name, $0) })
        #expect(byName["conv.weight"]?.role == .layer(rows: 4, cols: 18))
        #expect(byName["fc1.bias"]?.role == .vector)
        #expect(byName["head"]?.fortranOrder == true)
        #expect(byName["half"]?.element == .float16)
        guard case .skipped(let why)? = byName["steps"]?.role else { Issue.record("int64 steps not skipped"); return }
        #expect(why.contains("integer"))
    }

    @Test func safetensorsF16F32F64AndSkippedIntegers() throws {
        let w = try WeightFile.open(Fixtures.path("mixed.safetensors"), name: "mixed.safetensors")
        #expect(w.format == .safetensors)
        #expect(Set(w.tensors.map(\.name)) == ["layer.f16", "layer.f32", "layer.f64", "layer.bias", "position_ids"])
        for t in w.tensors where t.element != nil {
            let expected = try #require(Fixtures.expected["mixed/\(t.name)"])
            #expect(t.shape == expected.shape)
            #expect(try t.values() == expected.values, "\(t.name)")
        }
        let ids = try #require(w.tensors.first { $0.name == "position_ids" })
        #expect(ids.typeName == "I64" && ids.element == nil)
        #expect(weightError { try ids.values() }?.problem.contains("I64") == true)
        #expect(w.tensors(matching: "layer.f*").map(\.name).sorted() == ["layer.f16", "layer.f32", "layer.f64"])
    }

    @Test func safetensorsBF16WithAPaddedHeader() throws {
        let w = try WeightFile.open(Fixtures.path("bf16.safetensors"))
        let t = try #require(w.tensors.first)
        #expect(t.element == .bfloat16 && t.shape == [3, 4])
        #expect(try t.values() == Fixtures.expected["bf16/w.bf16"]?.values)
    }

    @Test func shardedCheckpointThroughItsIndex() throws {
        for path in [Fixtures.path("sharded/model.safetensors.index.json"), Fixtures.path("sharded")] {
            let w = try WeightFile.open(path)
            #expect(w.format == .shardedSafetensors)
            #expect(w.tensors.map(\.name) == ["model.embed.weight", "model.out.bias", "model.out.weight"]
                    || Set(w.tensors.map(\.name)) == ["model.embed.weight", "model.out.bias", "model.out.weight"])
            for t in w.tensors {
                #expect(try t.values() == Fixtures.expected["sharded/\(t.name)"]?.values, "\(t.name)")
            }
        }
    }

    @Test func halfPrecisionFieldsConvertExactly() {
        #expect(ElementType.halfToDouble(0x3C00) == 1)
        #expect(ElementType.halfToDouble(0xC000) == -2)
        #expect(ElementType.halfToDouble(0x7BFF) == 65504)
        #expect(ElementType.halfToDouble(0x0001) == 0x1p-24)  // smallest subnormal
        #expect(ElementType.halfToDouble(0x0400) == 0x1p-14)  // smallest normal
        #expect(ElementType.halfToDouble(0x7C00) == .infinity)
        #expect(ElementType.halfToDouble(0xFC00) == -.infinity)
        #expect(ElementType.halfToDouble(0x7E00).isNaN)
        #expect(ElementType.halfToDouble(0x8000).sign == .minus)
    }

    @Test func fortranToCOrderInThreeDimensions() {
        // shape (2, 3, 2): Fortran offset i + 2j + 6k holds the value 100i + 10j + k.
        var f = [Double](repeating: 0, count: 12)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 { f[i + 2 * j + 6 * k] = Double(100 * i + 10 * j + k) } } }
        let c = Tensor.fortranToC(f, shape: [2, 3, 2])
        var expected = [Double]()
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 { expected.append(Double(100 * i + 10 * j + k)) } } }
        #expect(c == expected)
    }
}
