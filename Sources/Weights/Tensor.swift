// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// One tensor of a weight file: what the file declares about it (checked
/// against the file) and where its bytes are. Reading its values converts them
/// to Double then; until then it costs nothing but its description.
public struct Tensor: Sendable {
    /// The file it came from, for messages.
    public let file: String
    /// Its name in the file (a `.npz` entry without `.npy`; a `.npy` file's stem).
    public let name: String
    public let shape: [Int]
    /// The element type as the file writes it (`<f4`, `BF16`).
    public let typeName: String
    /// The element type, when dyson reads it.
    public let element: ElementType?
    /// Why its elements are not read (integers, complex …), nil for floats.
    public let unsupported: String?
    /// Stored in Fortran order (first index fastest); only `.npy` arrays can be.
    public let fortranOrder: Bool
    let bigEndian: Bool
    let storage: Storage

    /// Where the elements are.
    enum Storage: @unchecked Sendable {
        /// `bytes` bytes at `offset` in a mapped file.
        case mapped(MappedFile, offset: Int, bytes: Int)
        /// `bytes` bytes at `offset` of a stored zip entry's data (CRC-checked when read).
        case stored(ZipEntry, offset: Int, bytes: Int)
        /// Inside a deflated zip entry, from byte `offset` of its uncompressed data.
        case deflated(ZipEntry, offset: Int, bytes: Int)
    }

    /// The number of elements.
    public var count: Int { NumpyHeader.product(shape) ?? 0 }

    /// What the tensor is to an analysis.
    public enum Role: Equatable, Sendable {
        /// A weight matrix, `rows × cols` (see ``Tensor/role``).
        case layer(rows: Int, cols: Int)
        /// A vector (a bias, a norm's scale): skipped and counted.
        case vector
        /// Skipped, with the reason (a scalar, an empty tensor, integers …).
        case skipped(String)
    }

    /// The convention that makes a tensor a matrix:
    /// - rank 2: the matrix as stored, `shape[0] × shape[1]` (PyTorch's
    ///   `Linear.weight` is `out × in`);
    /// - rank ≥ 3 (convolution kernels, PyTorch's `out × in × kh × kw`):
    ///   `out × (in·kh·kw)`, the first axis against all the others in C order,
    ///   as `torch.nn.utils.spectral_norm` flattens a kernel. Caveat: TensorFlow
    ///   and Keras store kernels as `kh × kw × in × out`, which this convention
    ///   turns into a different matrix (`kh × (kw·in·out)`); transpose such
    ///   kernels before saving them. WeightWatcher instead treats a kernel as
    ///   kh·kw separate `out × in` slices, so its numbers for conv layers differ;
    /// - rank 1 is a vector (biases), rank 0 a scalar: not layers.
    /// Tensors with a zero-length axis and non-float tensors are skipped.
    public var role: Role {
        if let unsupported { return .skipped(unsupported) }
        switch shape.count {
        case 0: return .skipped("a scalar")
        case 1: return .vector
        default:
            guard !shape.contains(0) else { return .skipped("empty (shape has a zero)") }
            return .layer(rows: shape[0], cols: count / shape[0])
        }
    }

    /// `3×4×5`.
    public var shapeDescription: String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }

    /// The elements as Double, in C order (last index fastest) whatever the
    /// file's order. Refuses, before allocating, tensors whose converted values
    /// would exceed `memoryLimit` bytes.
    public func values(memoryLimit: Int = Tensor.defaultMemoryLimit) throws(WeightFileError) -> [Double] {
        guard let element else {
            throw WeightFileError(file: file, tensor: name, "\(unsupported ?? "its elements are not floats")", suggestion: "dyson reads F16, BF16, F32 and F64 tensors")
        }
        let n = count
        guard n <= memoryLimit / 8 else {
            throw WeightFileError(file: file, tensor: name, "\(shapeDescription) is \(n) elements: \(Self.gigabytes(8 * n)) as float64, more than the \(Self.gigabytes(memoryLimit)) allowed",
                                  suggestion: "pick smaller layers with name=GLOB")
        }
        var out = [Double](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { (dst) throws(WeightFileError) in
            guard let d = dst.baseAddress else { return }
            switch storage {
            case .mapped(let mapped, let offset, let bytes):
                element.convert(mapped.bytes(offset..<(offset + bytes)), count: n, bigEndian: bigEndian, into: d)
            case .stored(let entry, let offset, let bytes):
                try entry.checkStoredCRC(file: file)
                element.convert(entry.file.bytes((entry.dataOffset + offset)..<(entry.dataOffset + offset + bytes)), count: n, bigEndian: bigEndian, into: d)
            case .deflated(let entry, let offset, let bytes):
                let data = try entry.inflated(file: file)
                guard offset + bytes <= data.count else {
                    throw WeightFileError(file: file, tensor: name, "the entry holds \(data.count) bytes, the header declares \(offset + bytes)")
                }
                data.withUnsafeBytes { raw in
                    element.convert(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + bytes)]), count: n, bigEndian: bigEndian, into: d)
                }
            }
        }
        if fortranOrder && shape.count >= 2 { out = Self.fortranToC(out, shape: shape) }
        return out
    }

    /// The layer as a matrix (``role`` says how its shape is read).
    public func matrix(memoryLimit: Int = Tensor.defaultMemoryLimit) throws(WeightFileError) -> Matrix {
        guard case .layer(let rows, let cols) = role else {
            throw WeightFileError(file: file, tensor: name, "\(shapeDescription) \(typeName) is not a matrix", suggestion: "layers are tensors of rank 2 or more")
        }
        return Matrix(rows: rows, cols: cols, elements: try values(memoryLimit: memoryLimit))
    }

    /// Half the machine's memory: a layer's float64 copy may take at most this.
    public static let defaultMemoryLimit: Int = {
        #if os(Linux)
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        if pages > 0 && size > 0 { let (m, o) = pages.multipliedReportingOverflow(by: size); if !o { return m / 2 } }
        #endif
        return 8 << 30
    }()

    static func gigabytes(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? String(format: "%.1f GB", Double(bytes) / Double(1 << 30)) : String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
    }

    /// Reorders elements stored first-index-fastest into last-index-fastest.
    static func fortranToC(_ f: [Double], shape: [Int]) -> [Double] {
        var c = [Double](repeating: 0, count: f.count)
        if shape.count == 2 {
            let r = shape[0], k = shape[1]
            for i in 0..<r { for j in 0..<k { c[i * k + j] = f[j * r + i] } }
            return c
        }
        // Walk C order with an odometer, tracking the Fortran offset.
        var fStride = [Int](repeating: 1, count: shape.count)
        for a in 1..<shape.count { fStride[a] = fStride[a - 1] * shape[a - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for n in 0..<f.count {
            c[n] = f[offset]
            var a = shape.count - 1
            while a >= 0 {
                index[a] += 1
                offset += fStride[a]
                if index[a] < shape[a] { break }
                offset -= fStride[a] * shape[a]
                index[a] = 0
                a -= 1
            }
        }
        return c
    }
}
