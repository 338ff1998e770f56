// SPDX-License-Identifier: GPL-3.0-or-later
import CZlib
import Foundation

/// One member of a zip archive, located through the central directory and
/// checked against the file: its data lie inside it, its sizes agree with its
/// compression method.
final class ZipEntry: @unchecked Sendable {
    let name: String
    /// 0 stored, 8 deflated.
    let method: Int
    let crc: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    /// Where the (compressed) data start in the file.
    let dataOffset: Int
    let file: MappedFile

    init(name: String, method: Int, crc: UInt32, compressedSize: Int, uncompressedSize: Int, dataOffset: Int, file: MappedFile) {
        self.name = name; self.method = method; self.crc = crc
        self.compressedSize = compressedSize; self.uncompressedSize = uncompressedSize
        self.dataOffset = dataOffset; self.file = file
    }

    /// The compressed bytes (for a stored entry, the data themselves).
    var raw: UnsafeRawBufferPointer { file.bytes(dataOffset..<(dataOffset + compressedSize)) }

    /// The first `limit` bytes of the uncompressed data (all of a stored entry's
    /// are in the mapping already; a deflated entry inflates only that far).
    func prefix(_ limit: Int, file name: String) throws(WeightFileError) -> [UInt8] {
        let n = min(limit, uncompressedSize)
        if method == 0 { return Array(raw[0..<n]) }
        return try Inflater.inflate(raw, into: n, whole: false, file: name, entry: self.name)
    }

    /// All the uncompressed data, checked against the declared size and CRC-32.
    func inflated(file name: String) throws(WeightFileError) -> [UInt8] {
        let data = try Inflater.inflate(raw, into: uncompressedSize, whole: true, file: name, entry: self.name)
        let sum = data.withUnsafeBytes { UInt32(crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
        guard sum == crc else {
            throw WeightFileError(file: name, tensor: self.name, "the data do not match their CRC-32 (the archive is damaged)")
        }
        return data
    }

    /// CRC-32 check of a stored entry's bytes (in the mapping, no copy).
    func checkStoredCRC(file name: String) throws(WeightFileError) {
        let r = raw
        var sum: uLong = 0
        var done = 0
        while done < r.count {  // zlib takes at most UInt32.max bytes a call
            let n = min(r.count - done, 1 << 30)
            sum = crc32(sum, r.baseAddress!.advanced(by: done).assumingMemoryBound(to: Bytef.self), uInt(n))
            done += n
        }
        guard UInt32(sum) == crc else {
            throw WeightFileError(file: name, tensor: self.name, "the data do not match their CRC-32 (the archive is damaged)")
        }
    }
}

/// Raw deflate through zlib, into a buffer of a size fixed in advance: a
/// stream that would produce more is cut off there (or reported), never grown.
enum Inflater {
    /// Deflate cannot expand data more than about 1032-fold; a larger declared
    /// ratio is a lie (or a zip bomb) and is refused before allocating.
    static let maximumRatio = 1032

    /// Inflates `source` into exactly `size` bytes. With `whole`, the stream
    /// must end there (shorter, longer or damaged streams are errors); without,
    /// only the first `size` bytes are produced (a header to look at).
    static func inflate(_ source: UnsafeRawBufferPointer, into size: Int, whole: Bool, file: String, entry: String) throws(WeightFileError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard dyson_inflate_init_raw(&stream) == Z_OK else { throw WeightFileError(file: file, tensor: entry, "zlib could not start inflating") }
        defer { inflateEnd(&stream) }
        var status = Z_OK, consumed = 0, produced = 0, overflow = false
        var scratch: UInt8 = 0
        out.withUnsafeMutableBytes { dst in
            while !(produced == size && !whole) {
                let inChunk = min(source.count - consumed, 1 << 30)
                let outChunk = min(size - produced, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(inChunk)
                if outChunk > 0 {
                    stream.next_out = dst.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(outChunk)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced += outChunk - Int(stream.avail_out)
                } else {
                    // The buffer is full: one byte of scratch tells whether more was coming.
                    status = withUnsafeMutablePointer(to: &scratch) { p in
                        stream.next_out = p
                        stream.avail_out = 1
                        return CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    if stream.avail_out == 0 { overflow = true; break }
                }
                consumed += inChunk - Int(stream.avail_in)
                if status != Z_OK { break }
            }
        }
        if !whole && produced == size { return out }
        guard !overflow else { throw WeightFileError(file: file, tensor: entry, "inflates to more than the \(size) bytes the archive declares") }
        guard status == Z_STREAM_END else {
            throw WeightFileError(file: file, tensor: entry, "the deflated data are damaged or truncated (zlib status \(status) after \(produced) of \(size) bytes)")
        }
        guard produced == size else {
            throw WeightFileError(file: file, tensor: entry, "inflates to \(produced) bytes, the archive declares \(size)")
        }
        return out
    }
}

/// The central directory of a zip archive (with its Zip64 records, which numpy
/// writes for every `.npz` entry), read from a mapped file.
///
/// Only what `.npz` files use is supported: one disk, entries stored (method 0)
/// or deflated (method 8), not encrypted. Everything declared is checked
/// against the file's size before it is used.
enum ZipArchive {
    static func entries(_ file: MappedFile, name: String) throws(WeightFileError) -> [ZipEntry] {
        func fail(_ why: String, _ hint: String? = nil) -> WeightFileError { WeightFileError(file: name, why, suggestion: hint) }
        let all = file.bytes(0..<file.count)
        // End of central directory: 22 bytes + a comment of up to 65535, at the end.
        let eocdSignature = 0x0605_4B50
        var eocd = -1
        if file.count >= 22 {
            var at = file.count - 22
            let lowest = max(0, file.count - 22 - 65_535)
            while at >= lowest {
                if all.le32(at) == eocdSignature && at + 22 + all.le16(at + 20) == file.count { eocd = at; break }
                at -= 1
            }
        }
        guard eocd >= 0 else { throw fail("not a zip archive (no end-of-central-directory record)", "a .npz file is a zip archive written by np.savez") }
        var count = all.le16(eocd + 10)
        var directorySize = all.le32(eocd + 12)
        var directoryOffset = all.le32(eocd + 16)
        guard all.le16(eocd + 4) == 0 || all.le16(eocd + 4) == 0xFFFF else { throw fail("a multi-disk zip archive is not supported") }
        // Zip64: a locator 20 bytes before the EOCD points at the Zip64 EOCD record.
        if eocd >= 20 && all.le32(eocd - 20) == 0x0706_4B50 {
            let recordAt = all.le64(eocd - 20 + 8)
            guard recordAt <= UInt64(eocd - 20), file.contains(offset: Int(recordAt), length: 56),
                  all.le32(Int(recordAt)) == 0x0606_4B50 else { throw fail("the Zip64 locator points outside the file") }
            let r = Int(recordAt)
            let n = all.le64(r + 32), size = all.le64(r + 40), offset = all.le64(r + 48)
            guard n <= UInt64(file.count), size <= UInt64(file.count), offset <= UInt64(file.count) else {
                throw fail("the Zip64 record declares a central directory larger than the file")
            }
            count = Int(n); directorySize = Int(size); directoryOffset = Int(offset)
        }
        guard file.contains(offset: directoryOffset, length: directorySize) else {
            throw fail("the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file", "the file is truncated")
        }
        guard count <= directorySize / 46 else { throw fail("the archive declares \(count) entries, its directory has room for \(directorySize / 46)") }
        var entries = [ZipEntry]()
        var at = directoryOffset
        let end = directoryOffset + directorySize
        for k in 0..<count {
            guard at + 46 <= end, all.le32(at) == 0x0201_4B50 else { throw fail("central directory entry \(k + 1) is damaged") }
            let flags = all.le16(at + 8), method = all.le16(at + 10)
            let crc = UInt32(all.le32(at + 16))
            var csize = UInt64(all.le32(at + 20)), usize = UInt64(all.le32(at + 24))
            let nameLength = all.le16(at + 28), extraLength = all.le16(at + 30), commentLength = all.le16(at + 32)
            var local = UInt64(all.le32(at + 42))
            guard at + 46 + nameLength + extraLength + commentLength <= end else { throw fail("central directory entry \(k + 1) runs past the directory") }
            let entryName = String(decoding: all[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // Zip64 extra field (id 1): the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
            var e = at + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = all.le16(e), size = all.le16(e + 2)
                guard e + 4 + size <= extraEnd else { break }
                if id == 1 {
                    var p = e + 4
                    func next() -> UInt64? { guard p + 8 <= e + 4 + size else { return nil }; defer { p += 8 }; return all.le64(p) }
                    if usize == 0xFFFF_FFFF { guard let v = next() else { throw fail("entry '\(entryName)': its Zip64 field is too short") }; usize = v }
                    if csize == 0xFFFF_FFFF { guard let v = next() else { throw fail("entry '\(entryName)': its Zip64 field is too short") }; csize = v }
                    if local == 0xFFFF_FFFF { guard let v = next() else { throw fail("entry '\(entryName)': its Zip64 field is too short") }; local = v }
                }
                e += 4 + size
            }
            at += 46 + nameLength + extraLength + commentLength
            guard csize <= UInt64(file.count), local <= UInt64(file.count) else {
                throw WeightFileError(file: name, tensor: entryName, "the archive places its data outside the file", suggestion: "the file is truncated or damaged")
            }
            guard usize <= UInt64(Int.max / 2) else { throw WeightFileError(file: name, tensor: entryName, "declares \(usize) bytes uncompressed, more than any file holds") }
            let l = Int(local)
            guard file.contains(offset: l, length: 30), all.le32(l) == 0x0403_4B50 else {
                throw WeightFileError(file: name, tensor: entryName, "no local header at offset \(l)", suggestion: "the file is truncated or damaged")
            }
            let dataOffset = l + 30 + all.le16(l + 26) + all.le16(l + 28)
            guard file.contains(offset: dataOffset, length: Int(csize)) else {
                throw WeightFileError(file: name, tensor: entryName, "its \(csize) bytes of data run past the end of the file", suggestion: "the file is truncated")
            }
            if flags & 1 != 0 { throw WeightFileError(file: name, tensor: entryName, "is encrypted") }
            switch method {
            case 0:
                guard csize == usize else { throw WeightFileError(file: name, tensor: entryName, "is stored uncompressed but declares \(csize) stored and \(usize) uncompressed bytes") }
            case 8:
                guard usize <= UInt64(Inflater.maximumRatio) * csize + 1024 else {
                    throw WeightFileError(file: name, tensor: entryName, "declares \(usize) bytes from \(csize) deflated, more than deflate can expand", suggestion: "the archive is damaged or hostile")
                }
            default:
                throw WeightFileError(file: name, tensor: entryName, "uses compression method \(method)", suggestion: "np.savez (stored) and np.savez_compressed (deflated) are read")
            }
            entries.append(ZipEntry(name: entryName, method: method, crc: crc, compressedSize: Int(csize), uncompressedSize: Int(usize),
                                    dataOffset: dataOffset, file: file))
        }
        return entries
    }
}
