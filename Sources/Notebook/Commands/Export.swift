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
        if args.word("what") == "weights", name.lowercased().hasSuffix(".safetensors") {
            let (bytes, line) = try ExportSafetensors.encode(of: args.word("of"), context: context)
            try FileSystem.write(bytes, to: target, for: "export", cancel: context.cancel)
            out.line(line + " to \(name)")
            return out
        }
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
            let (json, notFinite) = try ExportedResults.json(context.workspace.records)
            data = json
            out.line("wrote \(context.workspace.records.count) analysis results to \(name)"
                     + (notFinite > 0 ? " (\(notFinite) with values that are not finite, written as null with the reason)" : ""))
        }
        try FileSystem.write(data, to: target, for: "export", cancel: context.cancel)
        return out
    }
}

/// Results as JSON. JSON has no NaN or infinity, so a number that is not
/// finite is written as null and the record's `reason` says which field held
/// what: one NaN must not block every later export. The records are encoded
/// by their own `Codable` conformance (every field they have), with
/// non-finite numbers first written as marker strings, then replaced.
enum ExportedResults {
    static let marker = "\u{1}dyson-not-finite:"

    static func json(_ records: [ResultRecord]) throws(NotebookError) -> (Data, notFinite: Int) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: marker + "+infinity", negativeInfinity: marker + "-infinity", nan: marker + "NaN (not a number)")
        guard let raw = try? encoder.encode(records),
              var objects = (try? JSONSerialization.jsonObject(with: raw)) as? [[String: Any]] else {
            throw NotebookError("export: cannot encode the results")
        }
        var count = 0
        for i in objects.indices {
            var reasons = [String]()
            for (key, value) in objects[i] {
                guard let text = value as? String, text.hasPrefix(marker) else { continue }
                objects[i][key] = NSNull()
                reasons.append("\(key) is \(text.dropFirst(marker.count))")
            }
            if !reasons.isEmpty {
                objects[i]["reason"] = reasons.sorted().joined(separator: "; ") + "; written as null"
                count += 1
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys]) else {
            throw NotebookError("export: cannot encode the results")
        }
        return (data, count)
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
