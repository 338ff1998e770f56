// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// `export spectra FILE.csv | weights FILE.npy | results FILE.json`
public enum ExportCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "export", summary: "write spectra (CSV), final weights (numpy .npy) or all analysis results (JSON)",
        positional: [
            ParameterSpec("what", .choice(["spectra", "weights", "results"]), help: "what to write"),
            ParameterSpec("file", .text, help: "the file to write"),
        ],
        parameters: [Analysis.parameters[0]],
        examples: ["export spectra out.csv", "export weights w.npy", "export results results.json"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else {
            throw NotebookError("export needs a file name", suggestion: "export \(args.word("what") ?? "spectra") FILE")
        }
        let path = try context.resolve(name)
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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let json = try? encoder.encode(context.workspace.records) else { throw NotebookError("cannot encode the results") }
            data = json
            out.line("wrote \(context.workspace.records.count) analysis results to \(name)")
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NotebookError("cannot write \(path): \(error.localizedDescription)", suggestion: "check that the folder exists and is writable")
        }
        return out
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
