// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Writes `.safetensors` files that `safetensors.torch.load_file` and
/// `safetensors.numpy.load_file` open: the 8-byte little-endian header length,
/// the JSON header (keys sorted, padded with spaces to a multiple of 8 bytes so
/// that the data buffer is aligned, as the reference writer does), then each
/// tensor's little-endian elements in C order, back to back in header order.
public enum SafetensorsWriter {
    /// One tensor to write: its name, shape and elements in C order.
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let values: [Double]
        public init(name: String, shape: [Int], values: [Double]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The types written: F64 keeps every bit of dyson's weights, F32 is what
    /// most frameworks train in.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64"
        case f32 = "F32"
        var size: Int { self == .f64 ? 8 : 4 }
    }

    /// The file's bytes. Throws when a shape does not match its element
    /// count, a name is repeated or empty, or a name is `__metadata__`.
    public static func encode(_ entries: [Entry], dtype: DType = .f64, metadata: [String: String] = [:]) throws(WeightFileError) -> Data {
        var seen = Set<String>()
        var header = [String: Any]()
        var offset = 0
        for e in entries {
            guard !e.name.isEmpty, e.name != "__metadata__", seen.insert(e.name).inserted else {
                throw WeightFileError(file: "safetensors", "tensor name '\(e.name)' is empty, reserved or repeated", suggestion: "give every tensor its own name")
            }
            guard e.shape.allSatisfy({ $0 >= 0 }), e.shape.reduce(1, *) == e.values.count else {
                throw WeightFileError(file: "safetensors", "tensor '\(e.name)' has shape \(e.shape) but \(e.values.count) elements", suggestion: "this is a bug in the caller")
            }
            let bytes = e.values.count * dtype.size
            header[e.name] = ["dtype": dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        guard var json = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else {
            throw WeightFileError(file: "safetensors", "the header cannot be written as JSON", suggestion: "use plain tensor names")
        }
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        // Data in the order of the offsets given above: the entries' order.
        for e in entries {
            switch dtype {
            case .f64:
                var le = e.values.map { $0.bitPattern.littleEndian }
                le.withUnsafeMutableBytes { data.append(contentsOf: $0) }
            case .f32:
                var le = e.values.map { Float($0).bitPattern.littleEndian }
                le.withUnsafeMutableBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}
