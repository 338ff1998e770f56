// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The `.safetensors` format (Hugging Face):
///
///     N (UInt64, little-endian)   N bytes of JSON   the data buffer
///
/// The JSON is an object starting with `{` (it may be padded with spaces) that
/// maps each tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}`,
/// offsets in bytes relative to the start of the buffer, and may hold a
/// `__metadata__` object of strings. As the reference implementation checks:
/// the header is at most 100 MB, each tensor's byte range is shape × item size,
/// and the ranges cover the buffer exactly, without gaps or overlaps.
///
/// F16, BF16, F32 and F64 tensors are read; the other standard types (integers,
/// booleans, 8-bit floats) are listed and skipped; an unknown type is an error.
enum Safetensors {
    static let maximumHeaderLength = 100_000_000

    /// Bytes per element of every dtype the format defines.
    static let itemSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "C64": 8,
        "I64": 8, "U64": 8, "F64": 8,
    ]
    static let readable: [String: ElementType] = ["F16": .float16, "BF16": .bfloat16, "F32": .float32, "F64": .float64]

    static func tensors(_ file: MappedFile, name: String) throws(WeightFileError) -> [Tensor] {
        func fail(_ why: String, _ hint: String? = nil) -> WeightFileError { WeightFileError(file: name, why, suggestion: hint) }
        let all = file.bytes(0..<file.count)
        guard file.count >= 8 else { throw fail("too short for a .safetensors file (\(file.count) bytes)", "the file is truncated") }
        let declared = all.le64(0)
        guard declared <= UInt64(maximumHeaderLength) else {
            throw fail("the header declares \(declared) bytes, more than the 100 MB the format allows", "the file is damaged or not a .safetensors file")
        }
        let n = Int(declared)
        guard n <= file.count - 8 else { throw fail("truncated: the header declares \(n) bytes, only \(file.count - 8) follow") }
        guard n >= 2, all[8] == UInt8(ascii: "{") else { throw fail("the header does not start with '{'", "the file is damaged or not a .safetensors file") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(all[8..<(8 + n)]), options: [])
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("the header is not a JSON object") }
        let bufferStart = 8 + n, bufferLength = file.count - bufferStart
        var tensors = [(range: Range<Int>, tensor: Tensor)]()
        for (key, value) in object {
            if key == "__metadata__" {
                guard let meta = value as? [String: Any], meta.values.allSatisfy({ $0 is String }) else {
                    throw fail("__metadata__ must be an object of strings")
                }
                continue
            }
            func bad(_ why: String) -> WeightFileError { WeightFileError(file: name, tensor: key, why, suggestion: "the file is damaged or was not written by a safetensors library") }
            guard let info = value as? [String: Any] else { throw bad("its entry is not an object") }
            guard let dtype = info["dtype"] as? String else { throw bad("has no dtype") }
            guard let size = itemSizes[dtype] else {
                throw WeightFileError(file: name, tensor: key, "unknown dtype '\(dtype)'", suggestion: "dyson reads F16, BF16, F32 and F64 tensors")
            }
            guard let shapeArray = info["shape"] as? [Any], let shape = wholeNumbers(shapeArray) else { throw bad("its shape is not a list of whole numbers ≥ 0") }
            guard let offsetArray = info["data_offsets"] as? [Any], let offsets = wholeNumbers(offsetArray), offsets.count == 2 else {
                throw bad("data_offsets is not a pair of whole numbers ≥ 0")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= bufferLength else {
                throw bad("data_offsets [\(begin), \(end)) lie outside the \(bufferLength)-byte data buffer")
            }
            guard let count = NumpyHeader.product(shape), case (let bytes, false) = count.multipliedReportingOverflow(by: size), bytes == end - begin else {
                throw bad("shape \(shape.map(String.init).joined(separator: "×")) of \(dtype) needs \(NumpyHeader.product(shape).map { "\($0 * size)" } ?? "more") bytes, data_offsets give \(end - begin)")
            }
            let element = readable[dtype]
            let tensor = Tensor(file: name, name: key, shape: shape, typeName: dtype, element: element,
                                unsupported: element == nil ? "\(dtype) elements are not weights dyson reads" : nil,
                                fortranOrder: false, bigEndian: false, storage: .mapped(file, offset: bufferStart + begin, bytes: bytes))
            tensors.append((begin..<end, tensor))
        }
        // The byte ranges must tile the buffer: sorted, each begins where the last ended.
        tensors.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        var covered = 0
        for t in tensors {
            guard t.range.lowerBound == covered else {
                throw WeightFileError(file: name, tensor: t.tensor.name,
                                      t.range.lowerBound < covered ? "its bytes [\(t.range.lowerBound), \(t.range.upperBound)) overlap another tensor's"
                                                                   : "bytes [\(covered), \(t.range.lowerBound)) before it belong to no tensor",
                                      suggestion: "the header does not describe the data buffer exactly: the file is damaged")
            }
            covered = t.range.upperBound
        }
        guard covered == bufferLength else {
            throw fail("the tensors cover \(covered) of the \(bufferLength) bytes of the data buffer", "the file is damaged or has data no tensor describes")
        }
        return tensors.map(\.tensor)
    }

    /// Whole numbers ≥ 0 from JSON numbers (nil if any is negative, fractional or too large).
    static func wholeNumbers(_ values: [Any]) -> [Int]? {
        var out = [Int]()
        for v in values {
            if let i = v as? Int, i >= 0 { out.append(i); continue }
            guard let d = (v as? NSNumber)?.doubleValue, d >= 0, d == d.rounded(), d < 9.0e18 else { return nil }
            out.append(Int(d))
        }
        return out
    }
}
