// SPDX-License-Identifier: GPL-3.0-or-later

/// The header of a numpy `.npy` array (format versions 1.0, 2.0 and 3.0).
///
///     "\x93NUMPY"  major  minor  header_len  header  data
///
/// `header_len` is a little-endian UInt16 in version 1, UInt32 in 2 and 3; the
/// header is a Python dict literal (ASCII in 1 and 2, UTF-8 in 3) with exactly
/// the keys `descr` (e.g. `'<f4'`), `fortran_order` and `shape`, padded with
/// spaces and ending in a newline. The data follows at once: the elements in C
/// order, or in Fortran order (first index fastest) when `fortran_order` is True.
///
/// Floats are read (`f2`, `f4`, `f8`, either byte order); other element types
/// are described but not read. Object arrays (`|O`) hold pickled Python objects
/// and are never unpickled. Headers longer than 64 kB are refused (numpy's own
/// reader refuses those beyond 10 000 bytes by default).
struct NumpyHeader {
    /// The dtype as written, e.g. `<f4`.
    let typeName: String
    /// The element type when it is one dyson reads.
    let element: ElementType?
    let bigEndian: Bool
    /// Why the elements are not read (integer, complex, object …), nil for floats.
    let unsupported: String?
    let fortranOrder: Bool
    let shape: [Int]
    /// Where the data start, from the start of the array's bytes.
    let dataOffset: Int
    /// The bytes the data must have: elements × item size.
    let dataBytes: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    static let maximumHeaderLength = 65_536

    /// How many bytes of an array must be at hand to parse its header: the
    /// prefix, then `preamble + header_len`.
    static let preamble = 12

    /// The header from the first bytes of an array (at least its header; more
    /// is fine). `file` and `tensor` name it in errors.
    static func parse(_ b: UnsafeRawBufferPointer, file: String, tensor: String?) throws(WeightFileError) -> NumpyHeader {
        func fail(_ why: String, _ hint: String? = nil) -> WeightFileError { WeightFileError(file: file, tensor: tensor, why, suggestion: hint) }
        guard b.count >= 10 else { throw fail("too short for a .npy array (\(b.count) bytes)", "the file is truncated or not a numpy array") }
        guard Array(b[0..<6]) == magic else { throw fail("not a numpy array: it does not start with \\x93NUMPY", "dyson reads .npy, .npz and .safetensors files") }
        let major = Int(b[6]), minor = Int(b[7])
        let headerLength: Int, start: Int
        switch major {
        case 1: headerLength = b.le16(8); start = 10
        case 2, 3:
            guard b.count >= 12 else { throw fail("truncated inside the .npy preamble") }
            headerLength = b.le32(8); start = 12
        default:
            throw fail("unknown .npy format version \(major).\(minor)", "numpy writes versions 1.0, 2.0 and 3.0")
        }
        guard headerLength <= maximumHeaderLength else {
            throw fail("the .npy header declares \(headerLength) bytes, more than the \(maximumHeaderLength) allowed", "a real header is a few hundred bytes: the file is damaged or hostile")
        }
        guard b.count >= start + headerLength else {
            throw fail("truncated: the .npy header declares \(headerLength) bytes, only \(b.count - start) follow")
        }
        let raw = Array(b[start..<(start + headerLength)])
        let text = major == 3 ? (String(validating: raw, as: UTF8.self) ?? "") : String(decoding: raw.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
        let literal: PythonLiteral
        do { literal = try PythonLiteral.parse(text) } catch {
            throw fail("the .npy header is not a Python dict literal: \(error.why)")
        }
        guard case .dict(let keys, let values) = literal else { throw fail("the .npy header is not a dict") }
        guard Set(keys) == ["descr", "fortran_order", "shape"], keys.count == 3 else {
            throw fail("the .npy header must have exactly the keys descr, fortran_order and shape, it has \(keys.sorted().joined(separator: ", "))")
        }
        var dict = [String: PythonLiteral]()
        for (key, value) in zip(keys, values) { dict[key] = value }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("fortran_order is not True or False") }
        guard case .tuple(let dims)? = dict["shape"] else { throw fail("shape is not a tuple") }
        var shape = [Int]()
        for d in dims {
            guard case .integer(let v?) = d, v >= 0 else { throw fail("shape \(Self.describe(dims)) has an entry that is not a whole number ≥ 0 that fits in 64 bits") }
            shape.append(v)
        }
        let descr: String
        switch dict["descr"] {
        case .string(let s)?: descr = s
        case .list?: throw fail("a structured dtype (a record of named fields) is not a weight matrix", "save the weight arrays themselves (np.save or np.savez)")
        default: throw fail("descr is not a dtype string")
        }
        let type = try Self.elementType(descr, fail: fail)
        guard let count = Self.product(shape), case (let bytes, false) = count.multipliedReportingOverflow(by: type.size) else {
            throw fail("shape \(Self.describe(dims)) declares more bytes than any file can hold")
        }
        return NumpyHeader(typeName: descr, element: type.element, bigEndian: type.bigEndian, unsupported: type.unsupported,
                           fortranOrder: fortran, shape: shape, dataOffset: start + headerLength, dataBytes: bytes)
    }

    /// The parts of a dtype string: byte order (`<` `>` `|` `=`), kind letter, item size.
    private static func elementType(_ descr: String, fail: (String, String?) -> WeightFileError)
        throws(WeightFileError) -> (element: ElementType?, bigEndian: Bool, size: Int, unsupported: String?) {
        var s = Substring(descr)
        var bigEndian = false
        if let c = s.first, "<>|=".contains(c) { bigEndian = c == ">"; s = s.dropFirst() }
        guard let kind = s.first else { throw fail("empty dtype", nil) }
        let digits = s.dropFirst()
        if kind == "O" {
            throw fail("an object array (dtype \(descr)): its elements are pickled Python objects, which dyson never unpickles",
                       "save the weights as float arrays, e.g. np.save(f, w.astype(np.float32))")
        }
        guard let size = Int(digits), size > 0, size <= 64 else { throw fail("unknown dtype '\(descr)'", "dyson reads float arrays: <f2, <f4, <f8") }
        if kind == "f" {
            switch size {
            case 2: return (.float16, bigEndian, 2, nil)
            case 4: return (.float32, bigEndian, 4, nil)
            case 8: return (.float64, bigEndian, 8, nil)
            default: return (nil, bigEndian, size, "\(size * 8)-bit floats are not read (f2, f4 and f8 are)")
            }
        }
        let what: String
        switch kind {
        case "i", "u": what = "integer"
        case "b": what = "boolean"
        case "c": what = "complex"
        case "S", "U", "a": what = "text"
        case "V": what = "raw bytes (void)"
        case "M", "m": what = "date/time"
        default: throw fail("unknown dtype '\(descr)'", "dyson reads float arrays: <f2, <f4, <f8")
        }
        return (nil, bigEndian, size, "\(what) elements (dtype \(descr)) are not weights")
    }

    /// The product of the dimensions, nil on overflow (1 for a scalar).
    static func product(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = m
        }
        return n
    }

    static func describe(_ dims: [PythonLiteral]) -> String {
        "(" + dims.map { if case .integer(let v?) = $0 { return String(v) } else { return "?" } }.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
    }
}
