// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A file of named weight tensors, opened without reading them: `.npy` (one
/// array), `.npz` (a zip of arrays, stored or deflated), `.safetensors`, or a
/// sharded safetensors checkpoint through its `model.safetensors.index.json`.
///
/// Files are memory-mapped and only their headers are read on opening; each
/// tensor is converted when asked for (``Tensor/values(memoryLimit:)``), so a
/// checkpoint of many gigabytes needs about one layer of memory at a time.
public struct WeightFile: Sendable {
    public enum Format: String, Sendable {
        case npy, npz, safetensors
        case shardedSafetensors = "sharded safetensors"
    }

    /// The file as it was named.
    public let name: String
    public let format: Format
    /// Every tensor, in the file's order (a safetensors buffer's order; shards by name).
    public let tensors: [Tensor]
    /// Members of the file that are not tensors (a non-.npy zip entry), as sentences.
    public let notes: [String]

    /// Opens `path` (`name` is how messages call it; the path by default),
    /// choosing the format by the file's first bytes and, for the index of a
    /// sharded checkpoint, its `.json` name. A folder holding
    /// `model.safetensors.index.json` opens that index.
    public static func open(_ path: String, name: String? = nil) throws(WeightFileError) -> WeightFile {
        let display = name ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WeightFileError(file: display, "no such file", suggestion: "check the name (relative names start at the note's folder)")
        }
        if isDirectory.boolValue {
            let index = (path as NSString).appendingPathComponent("model.safetensors.index.json")
            guard FileManager.default.fileExists(atPath: index) else {
                throw WeightFileError(file: display, "is a folder without model.safetensors.index.json", suggestion: "name a .npy, .npz or .safetensors file in it")
            }
            return try sharded(index: index, name: (display as NSString).appendingPathComponent("model.safetensors.index.json"))
        }
        if path.hasSuffix(".json") { return try sharded(index: path, name: display) }
        let file = try MappedFile(path: path, displayName: display)
        let head = file.bytes(0..<min(file.count, 9))
        if head.count >= 6 && Array(head[0..<6]) == NumpyHeader.magic {
            return WeightFile(name: display, format: .npy, tensors: [try npy(file, name: display, path: path)], notes: [])
        }
        if head.count >= 4 && Array(head[0..<4]) == [0x50, 0x4B, 0x03, 0x04] || path.hasSuffix(".npz") {
            let (tensors, notes) = try npz(file, name: display)
            return WeightFile(name: display, format: .npz, tensors: tensors, notes: notes)
        }
        if path.hasSuffix(".safetensors") || (head.count == 9 && head[8] == UInt8(ascii: "{")) {
            return WeightFile(name: display, format: .safetensors, tensors: try Safetensors.tensors(file, name: display), notes: [])
        }
        if path.hasSuffix(".npy") { _ = try npy(file, name: display, path: path) }  // says what is wrong
        throw WeightFileError(file: display, "is not a weight file dyson reads", suggestion: "dyson reads .npy, .npz (np.savez), .safetensors and model.safetensors.index.json")
    }

    /// The tensors whose names match the shell pattern `glob` (`*`, `?`, `[…]`).
    public func tensors(matching glob: String?) -> [Tensor] {
        guard let glob else { return tensors }
        return tensors.filter { fnmatch(glob, $0.name, 0) == 0 }
    }

    // MARK: formats

    private static func npy(_ file: MappedFile, name: String, path: String) throws(WeightFileError) -> Tensor {
        let tensorName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let header = try NumpyHeader.parse(file.bytes(0..<file.count), file: name, tensor: nil)
        if let why = header.unsupported {
            throw WeightFileError(file: name, why, suggestion: "save the weights as floats, e.g. np.save(f, w.astype(np.float32))")
        }
        let available = file.count - header.dataOffset
        guard available == header.dataBytes else {
            throw WeightFileError(file: name, "shape \(header.shape) of \(header.typeName) needs \(header.dataBytes) bytes of data, the file has \(available)",
                                  suggestion: available < header.dataBytes ? "the file is truncated" : "the header does not describe the data: the file is damaged")
        }
        return Tensor(file: name, name: tensorName, shape: header.shape, typeName: header.typeName, element: header.element,
                      unsupported: nil, fortranOrder: header.fortranOrder, bigEndian: header.bigEndian,
                      storage: .mapped(file, offset: header.dataOffset, bytes: header.dataBytes))
    }

    private static func npz(_ file: MappedFile, name: String) throws(WeightFileError) -> ([Tensor], [String]) {
        var tensors = [Tensor](), notes = [String]()
        for entry in try ZipArchive.entries(file, name: name) {
            guard entry.name.hasSuffix(".npy") else {
                if !entry.name.hasSuffix("/") { notes.append("\(entry.name): not a .npy array, ignored") }
                continue
            }
            let tensorName = String(entry.name.dropLast(4))
            let prefix = try entry.prefix(NumpyHeader.preamble + NumpyHeader.maximumHeaderLength, file: name)
            let header = try Self.parseHeader(prefix, file: name, tensor: tensorName)
            guard header.dataOffset + header.dataBytes == entry.uncompressedSize else {
                throw WeightFileError(file: name, tensor: tensorName,
                                      "shape \(header.shape) of \(header.typeName) needs \(header.dataBytes) bytes of data, the entry has \(entry.uncompressedSize - header.dataOffset)",
                                      suggestion: "the archive is damaged or its header lies")
            }
            let storage: Tensor.Storage = entry.method == 0
                ? .stored(entry, offset: header.dataOffset, bytes: header.dataBytes)
                : .deflated(entry, offset: header.dataOffset, bytes: header.dataBytes)
            tensors.append(Tensor(file: name, name: tensorName, shape: header.shape, typeName: header.typeName, element: header.element,
                                  unsupported: header.unsupported, fortranOrder: header.fortranOrder, bigEndian: header.bigEndian, storage: storage))
        }
        return (tensors, notes)
    }

    private static func parseHeader(_ bytes: [UInt8], file: String, tensor: String) throws(WeightFileError) -> NumpyHeader {
        var result: Result<NumpyHeader, WeightFileError> = .failure(WeightFileError(file: file, tensor: tensor, "empty entry"))
        bytes.withUnsafeBytes { b in
            do throws(WeightFileError) { result = .success(try NumpyHeader.parse(b, file: file, tensor: tensor)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// `model.safetensors.index.json`: `{"weight_map": {tensor: shard file}}`.
    /// Shards are files beside the index (plain names, no folders); every
    /// tensor the map names must be in its shard, and no name may repeat.
    private static func sharded(index path: String, name: String) throws(WeightFileError) -> WeightFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw WeightFileError(file: name, "cannot read it") }
        guard data.count <= Safetensors.maximumHeaderLength else { throw WeightFileError(file: name, "an index of \(data.count) bytes is too large") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw WeightFileError(file: name, "is not a sharded checkpoint index (a JSON object with a weight_map)",
                                  suggestion: "name model.safetensors.index.json, or one .safetensors file")
        }
        var shardOf = [String: String]()
        for (tensor, value) in map {
            guard let shard = value as? String, !shard.isEmpty, !shard.contains("/"), !shard.contains("\\"), shard != "..", shard != "." else {
                throw WeightFileError(file: name, tensor: tensor, "its shard is not a file name beside the index", suggestion: "shards must sit in the index's folder")
            }
            shardOf[tensor] = shard
        }
        let folder = (path as NSString).deletingLastPathComponent, shownFolder = (name as NSString).deletingLastPathComponent
        var tensors = [Tensor]()
        var seen = Set<String>()
        for shard in Set(shardOf.values).sorted() {
            let shown = shownFolder.isEmpty ? shard : (shownFolder as NSString).appendingPathComponent(shard)
            let file = try MappedFile(path: (folder as NSString).appendingPathComponent(shard), displayName: shown)
            for t in try Safetensors.tensors(file, name: shown) {
                guard seen.insert(t.name).inserted else {
                    throw WeightFileError(file: shown, tensor: t.name, "is also in another shard", suggestion: "the checkpoint's shards overlap")
                }
                tensors.append(t)
            }
        }
        for (tensor, shard) in shardOf.sorted(by: { $0.key < $1.key }) where !tensors.contains(where: { $0.name == tensor && $0.file.hasSuffix(shard) }) {
            throw WeightFileError(file: name, tensor: tensor, "the index puts it in \(shard), which does not hold it", suggestion: "the index and the shards do not match")
        }
        return WeightFile(name: name, format: .shardedSafetensors, tensors: tensors, notes: [])
    }
}
