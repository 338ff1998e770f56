// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// `export spectra FILE.csv | weights FILE.npy | results FILE.json`
///
/// The file is written through `FileSystem.write`: a regular file is replaced
/// atomically, a FIFO or device is written through, `-` is standard output.
/// The live note is never overwritten, another dyson note only with force=yes.
public enum ExportCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "export", summary: "write spectra (CSV), final weights (numpy .npy) or all analysis results (JSON); FILE - is standard output",
        positional: [
            ParameterSpec("what", .choice(["spectra", "weights", "results"]), help: "what to write"),
            ParameterSpec("file", .text, help: "the file to write (- for standard output, a FIFO is written through)"),
        ],
        parameters: [Analysis.parameters[0], forceParameter],
        examples: ["export spectra out.csv", "export weights w.npy", "export results results.json", "export spectra -"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else {
            throw NotebookError("export needs a file name", suggestion: "export \(args.word("what") ?? "spectra") FILE")
        }
        let target = try context.resolve(name, for: "export")
        if let refusal = context.frame.sandbox.refusal(toOverwrite: target, for: "export", force: args.word("force") == "yes") {
            throw refusal
        }
        let data: Data
        var out = CommandOutput()
        switch args.word("what") {
        case "spectra":
            let r = try context.workspace.result(named: args.word("of"))
            var csv = "run,step,index,value,target\n"
            csv.reserveCapacity(r.spectra.count * 40)
            for (s, step) in r.snapshotSteps.enumerated() {
                for (k, run) in r.runIndices.enumerated() {
                    let x = r.spectra(atSnapshot: s)[k]
                    for i in 0..<r.spectrumSize {
                        csv += "\(run),\(step),\(i),\(x[i].description),\(r.target.values[i].description)\n"
                    }
                }
            }
            data = Data(csv.utf8)
            out.line("wrote \(r.snapshotSteps.count * r.runCount * r.spectrumSize) rows (run,step,index,value,target) of \(r.variable.description) to \(name)")
        case "weights":
            let r = try context.workspace.result(named: args.word("of"))
            data = NumpyArray.encode(r.finalWeights, shape: [r.runCount, r.weightRows, r.weightCols])
            out.line("wrote final weights, shape (\(r.runCount), \(r.weightRows), \(r.weightCols)), float64, to \(name)")
        default:
            let records = context.workspace.records.map(ExportedRecord.init)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let json = try? encoder.encode(records) else { throw NotebookError("export: cannot encode the results") }
            data = json
            let missing = records.filter { $0.reason != nil }.count
            out.line("wrote \(records.count) analysis results to \(name)" + (missing > 0 ? " (\(missing) not finite, written as null with the reason)" : ""))
        }
        try FileSystem.write(data, to: target, for: "export", cancel: context.cancel)
        return out
    }
}

/// A result as exported to JSON: JSON has no NaN or infinity, so a value that
/// is not finite is written as null and `reason` says which it was (one NaN
/// must not block every later export).
struct ExportedRecord: Encodable {
    let command: String
    let quantity: String
    let value: Double?
    let error: Double?
    let sampleSize: Int
    let method: String
    let prediction: Double?
    let reason: String?

    init(_ r: ResultRecord) {
        command = r.command
        quantity = r.quantity
        sampleSize = r.sampleSize
        method = r.method
        var notFinite = [String]()
        func finite(_ x: Double?, _ field: String) -> Double? {
            guard let x else { return nil }
            if x.isFinite { return x }
            notFinite.append("\(field) is \(x.isNaN ? "NaN (not a number)" : (x > 0 ? "+infinity" : "-infinity"))")
            return nil
        }
        value = finite(r.value, "value")
        error = finite(r.error, "error")
        prediction = finite(r.prediction, "prediction")
        reason = notFinite.isEmpty ? nil : notFinite.joined(separator: "; ") + "; written as null"
    }

    enum CodingKeys: String, CodingKey { case command, quantity, value, error, sampleSize, method, prediction, reason }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(command, forKey: .command)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(value, forKey: .value)  // null when not finite
        try c.encodeIfPresent(error, forKey: .error)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encode(method, forKey: .method)
        try c.encodeIfPresent(prediction, forKey: .prediction)
        try c.encodeIfPresent(reason, forKey: .reason)
    }
}

/// The numpy .npy format, version 1.0: magic, header length, a Python dict
/// literal padded with spaces to a multiple of 64 bytes, then the raw
/// little-endian float64 data in C order.
enum NumpyArray {
    static func encode(_ values: [Double], shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
