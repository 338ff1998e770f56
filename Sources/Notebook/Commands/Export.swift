// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// `export spectra FILE.csv | spectra FILE.npy | weights FILE.npy | results FILE.json`
///
/// The file is written through `FileSystem.write` in one pass with bounded
/// memory: a regular file is replaced atomically, a FIFO or device is written
/// through, `-` is standard output. The live note is never overwritten,
/// another dyson note only with force=yes.
public enum ExportCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "export", summary: "write spectra (CSV, or numpy .npy runs × snapshots × levels), final weights (numpy .npy) or all analysis results (JSON); FILE - is standard output",
        positional: [
            ParameterSpec("what", .choice(["spectra", "weights", "results"]), help: "what to write"),
            ParameterSpec("file", .text, help: "the file to write (spectra: .npy for a numpy array, anything else CSV; - for standard output, a FIFO is written through)"),
        ],
        parameters: [Analysis.parameters[0], forceParameter],
        examples: ["export spectra out.csv", "export spectra spectra.npy", "export weights w.npy", "export results results.json", "export spectra -"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else {
            throw NotebookError("export needs a file name", suggestion: "export \(args.word("what") ?? "spectra") FILE")
        }
        let target = try context.resolve(name, for: "export")
        if let refusal = context.frame.sandbox.refusal(toOverwrite: target, for: "export", force: args.word("force") == "yes") {
            throw refusal
        }
        switch args.word("what") {
        case "spectra": return try exportSpectra(args, name: name, target: target, context: context)
        case "weights" where name.lowercased().hasSuffix(".safetensors"):
            return try exportSafetensors(args, name: name, target: target, context: context)
        case "weights": return try exportWeights(args, name: name, target: target, context: context)
        default: return try exportResults(name: name, target: target, context: context)
        }
    }

    static func exportSpectra(_ args: Arguments, name: String, target: ResolvedPath, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let r = try context.workspace.result(named: args.word("of"))
        var out = CommandOutput()
        if name.lowercased().hasSuffix(".npy") {
            try FileSystem.write(to: target, for: "export", cancel: context.cancel) { (sink: inout FileSink) throws(NotebookError) in
                try ExportWriters.spectraNumpy(r, to: &sink, cancel: context.cancel)
            }
            out.line("wrote spectra, shape (\(r.runCount), \(r.snapshotSteps.count), \(r.spectrumSize)) (runs, snapshots, levels), float64, of \(r.variable.description) to \(name)")
        } else {
            try FileSystem.write(to: target, for: "export", cancel: context.cancel) { (sink: inout FileSink) throws(NotebookError) in
                try ExportWriters.spectraCSV(r, to: &sink, cancel: context.cancel)
            }
            out.line("wrote \(r.snapshotSteps.count * r.runCount * r.spectrumSize) rows (run,step,index,value,target) of \(r.variable.description) to \(name)")
        }
        return out
    }

    static func exportWeights(_ args: Arguments, name: String, target: ResolvedPath, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let r = try context.workspace.result(named: args.word("of"))
        try FileSystem.write(to: target, for: "export", cancel: context.cancel) { (sink: inout FileSink) throws(NotebookError) in
            try ExportWriters.weightsNumpy(r, to: &sink)
        }
        var out = CommandOutput()
        out.line("wrote final weights, shape (\(r.runCount), \(r.weightRows), \(r.weightCols)), float64, to \(name)")
        return out
    }

    /// A training's weights (one tensor per run) or a loaded weight set, as safetensors.
    static func exportSafetensors(_ args: Arguments, name: String, target: ResolvedPath, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (bytes, line) = try ExportSafetensors.encode(of: args.word("of"), context: context)
        try FileSystem.write(bytes, to: target, for: "export", cancel: context.cancel)
        var out = CommandOutput()
        out.line(line + " to \(name)")
        return out
    }

    static func exportResults(name: String, target: ResolvedPath, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (json, notFinite) = try ExportedResults.json(context.workspace.records)
        try FileSystem.write(json, to: target, for: "export", cancel: context.cancel)
        var out = CommandOutput()
        out.line("wrote \(context.workspace.records.count) analysis results to \(name)"
                 + (notFinite > 0 ? " (\(notFinite) with values that are not finite, written as null with the reason)" : ""))
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
