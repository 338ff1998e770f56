// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// The files `export` writes, each produced in one pass over the result with
/// bounded memory (a `FileSink` of 1 MB): a training of 10⁵ runs × 10² snapshots
/// is written without ever holding its text or bytes whole.
enum ExportWriters {
    /// `run,step,index,value,target`, one row per level of every kept run at
    /// every snapshot, snapshot by snapshot, then run by run, then level by
    /// level (the order of `TrainingResult.spectra`). Numbers are written in
    /// Swift's shortest form that reads back to the same Double.
    static func spectraCSV(_ r: TrainingResult, to sink: inout FileSink, cancel: CancellationFlag?) throws(NotebookError) {
        try sink.append("run,step,index,value,target\n")
        let n = r.spectrumSize, runs = r.runCount
        // Everything but the value is one of few strings: made once, copied per row.
        let levels = (0..<n).map { Array(",\($0),".utf8) }
        let targets = (0..<n).map { Array(",\(r.target.values[$0].description)\n".utf8) }
        let runNames = r.runIndices.map { Array("\($0),".utf8) }
        try r.spectra.withUnsafeBufferPointer { (x) throws(NotebookError) in
            for (s, step) in r.snapshotSteps.enumerated() {
                try stopIfCancelled(cancel)
                let stepName = Array("\(step)".utf8)
                for k in 0..<runs {
                    let base = (s * runs + k) * n
                    for i in 0..<n {
                        try sink.append(runNames[k])
                        try sink.append(stepName)
                        try sink.append(levels[i])
                        try sink.append(x[base + i].description)
                        try sink.append(targets[i])
                    }
                }
            }
        }
    }

    /// The spectra as a float64 array of shape (runs, snapshots, levels) in C
    /// order: `a[r, s, i]` is level i of kept run r at snapshot s.
    static func spectraNumpy(_ r: TrainingResult, to sink: inout FileSink, cancel: CancellationFlag?) throws(NotebookError) {
        let n = r.spectrumSize, runs = r.runCount, snapshots = r.snapshotSteps.count
        try sink.append(NumpyArray.header(shape: [runs, snapshots, n]))
        try r.spectra.withUnsafeBufferPointer { (x) throws(NotebookError) in
            for k in 0..<runs {
                if k % 1024 == 0 { try stopIfCancelled(cancel) }
                for s in 0..<snapshots {
                    try sink.appendLittleEndian(UnsafeBufferPointer(rebasing: x[((s * runs + k) * n)..<((s * runs + k + 1) * n)]))
                }
            }
        }
    }

    /// Final weights as a float64 array of shape (runs, rows, cols).
    static func weightsNumpy(_ r: TrainingResult, to sink: inout FileSink) throws(NotebookError) {
        try sink.append(NumpyArray.header(shape: [r.runCount, r.weightRows, r.weightCols]))
        try r.finalWeights.withUnsafeBufferPointer { (w) throws(NotebookError) in try sink.appendLittleEndian(w) }
    }

    static func stopIfCancelled(_ cancel: CancellationFlag?) throws(NotebookError) {
        if cancel?.isCancelled == true {
            throw NotebookError("export stopped before the end: a file is left as it was (a FIFO or standard output got the part written)",
                                suggestion: "run the export again and let it finish")
        }
    }
}

extension FileSink {
    mutating func append(_ bytes: [UInt8]) throws(NotebookError) {
        let failure: NotebookError? = bytes.withUnsafeBytes { raw in
            do throws(NotebookError) { try append(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Appends the doubles as little-endian float64 bytes.
    mutating func appendLittleEndian(_ values: UnsafeBufferPointer<Double>) throws(NotebookError) {
        #if _endian(little)
        try append(UnsafeRawBufferPointer(values))
        #else
        try append(values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } })
        #endif
    }
}

/// The numpy .npy format, version 1.0: magic, header length, a Python dict
/// literal padded with spaces so that the data start at a multiple of 64
/// bytes, then the raw little-endian float64 data in C order.
enum NumpyArray {
    static func header(shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    /// A whole array in memory (for small arrays and test fixtures).
    static func encode(_ values: [Double], shape: [Int]) -> Data {
        var data = header(shape: shape)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
