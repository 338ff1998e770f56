// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import RMT
import Weights

/// `weights FILE [name=GLOB] [as=NAME]`: read the layers of a weight file and
/// list each with its spectrum against Marchenko–Pastur.
public enum WeightsCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "weights", summary: "read a network's layers (.npy, .npz, .safetensors) and list their spectra vs Marchenko–Pastur",
        positional: [ParameterSpec("file", .text, help: "a .npy, .npz or .safetensors file, a model.safetensors.index.json, or a folder holding one")],
        parameters: [
            ParameterSpec("name", .text, help: "only the tensors whose names match this pattern (* any text, ? one character, [abc] a set)"),
            ParameterSpec("as", .text, help: "name the loaded layers (default: the file's name without extension); layer … of=NAME picks them"),
        ],
        examples: ["weights model.safetensors", "weights checkpoint.npz name=*.weight as=epoch10", "weights fc1.npy"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard let name = args.word("file") else {
            throw NotebookError("weights needs a file", suggestion: "weights FILE.npz (or .npy, .safetensors)")
        }
        let path = try context.resolve(name, for: "weights").path
        let file: WeightFile
        do { file = try WeightFile.open(path, name: name) } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "dyson reads .npy, .npz and .safetensors files")
        }
        let glob = args.word("name")
        let chosen = file.tensors(matching: glob)
        guard !chosen.isEmpty else {
            let names = file.tensors.map(\.name)
            throw NotebookError(glob.map { "no tensor of \(name) matches \($0)" } ?? "\(name) holds no tensors",
                                suggestion: names.isEmpty ? "the file is empty" : "its tensors: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : ""))
        }
        let candidates = chosen.filter { if case .layer = $0.role { return true } else { return false } }
        let vectors = chosen.filter { $0.role == .vector }
        let skipped = chosen.compactMap { t -> String? in if case .skipped(let why) = t.role { return "\(t.name) (\(why))" } else { return nil } }
        guard !candidates.isEmpty else {
            throw NotebookError("\(name)\(glob.map { " (name=\($0))" } ?? "") has no matrices: \(vectors.count) vector\(vectors.count == 1 ? "" : "s")\(skipped.isEmpty ? "" : ", skipped " + skipped.prefix(5).joined(separator: ", "))",
                                suggestion: "layers are tensors of rank 2 or more; name=GLOB picks them by name")
        }

        var layers = [LoadedLayer]()
        for (k, tensor) in candidates.enumerated() {
            if context.cancel.isCancelled {
                throw NotebookError("stopped after \(k) of \(candidates.count) layers; nothing was loaded", suggestion: "pick fewer layers with name=GLOB")
            }
            context.progress?.update(label: "weights", fraction: Double(k) / Double(candidates.count), detail: "\(tensor.name) \(tensor.shapeDescription)")
            layers.append(try analyse(tensor))
        }
        context.progress?.finish()

        let setName = args.word("as") ?? ((URL(fileURLWithPath: name).lastPathComponent as NSString).deletingPathExtension)
        context.workspace.weightSets[setName] = LoadedWeights(file: name, path: path, format: file.format.rawValue, layers: layers)
        context.workspace.lastWeights = setName

        var out = CommandOutput()
        out.line("\(name) (\(file.format.rawValue)): \(chosen.count) tensor\(chosen.count == 1 ? "" : "s")\(glob.map { " matching \($0)" } ?? "") — \(layers.count) layer\(layers.count == 1 ? "" : "s"), \(vectors.count) vector\(vectors.count == 1 ? "" : "s") (biases) not analysed\(skipped.isEmpty ? "" : ", \(skipped.count) skipped")")
        out.line("X = WᵀW/M for W of M × N (M the larger side), γ = N/M; σ² fitted to Marchenko–Pastur; outliers clear the edge by 4 Tracy–Widom scales")
        var table = TextTable([TextTable.Column("layer", .left), TextTable.Column("shape", .left), TextTable.Column("dtype", .left),
                               TextTable.Column("M×N", .left), TextTable.Column("σ²"), TextTable.Column("edge"),
                               TextTable.Column("outliers"), TextTable.Column("‖W‖₂"), TextTable.Column("stable rank")], indent: "  ")
        for layer in layers {
            let m = max(layer.rows, layer.cols), n = min(layer.rows, layer.cols)
            switch layer.spectrum {
            case .success(let s):
                table.append([layer.name, layer.shapeDescription, layer.typeName, "\(m)×\(n)", context.fmt(s.variance.value, s.variance.error),
                              context.fmt(s.bulkEdge), "\(s.outliers.count)", context.fmt(s.spectralNorm), context.fmt(s.stableRank)])
                out.record(ResultRecord(command: "weights", quantity: "σ² of \(layer.name)", estimate: s.variance))
                out.record(ResultRecord(command: "weights", quantity: "outliers above the MP edge of \(layer.name)", value: Double(s.outliers.count),
                                        error: nil, sampleSize: s.n, method: "levels above edge + 4 Tracy–Widom scales"))
                out.record(ResultRecord(command: "weights", quantity: "spectral norm of \(layer.name)", value: s.spectralNorm, error: nil, sampleSize: s.n, method: "largest singular value"))
                out.record(ResultRecord(command: "weights", quantity: "stable rank of \(layer.name)", value: s.stableRank, error: nil, sampleSize: s.n, method: "‖W‖_F²/‖W‖₂²"))
            case .failure:
                table.append([layer.name, layer.shapeDescription, layer.typeName, "\(m)×\(n)", "—", "—", "—", "—", "—"])
            }
        }
        out.lines += table.lines
        for problem in layers.compactMap({ l -> String? in if case .failure(let e) = l.spectrum { return "  \(l.name): no fit: \(e.message)" } else { return nil } }) {
            out.line(problem)
        }
        if !skipped.isEmpty { out.line("skipped: " + skipped.prefix(8).joined(separator: ", ") + (skipped.count > 8 ? ", … (\(skipped.count) in all)" : "")) }
        for note in file.notes.prefix(4) { out.line("note: \(note)") }
        out.line("loaded as '\(setName)': layer \(layers[0].name) shows one in detail")
        if let notePath = context.notePath {
            let folder = URL(fileURLWithPath: notePath).deletingLastPathComponent().standardizedFileURL.path + "/"
            if path.hasPrefix(folder) { out.recordedPositional = [String(path.dropFirst(folder.count))] }
        }
        return out
    }

    /// Reads one layer (one layer's memory) and analyses its singular values.
    static func analyse(_ tensor: Tensor) throws(NotebookError) -> LoadedLayer {
        let matrix: Matrix
        do { matrix = try tensor.matrix() } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "pick other layers with name=GLOB")
        }
        let values: [Double]
        do { values = try matrix.singularValues() } catch {
            if case .nonFiniteInput = error {
                let bad = matrix.elements.filter { !$0.isFinite }.count
                throw NotebookError("\(tensor.file): tensor '\(tensor.name)' holds \(bad) NaN or infinite entr\(bad == 1 ? "y" : "ies")",
                                    suggestion: "leave it out with name=GLOB (the training that wrote it diverged)")
            }
            throw NotebookError("\(tensor.name): \(error.description)", suggestion: "leave it out with name=GLOB")
        }
        let spectrum: Result<LayerSpectrum, FitError>
        do { spectrum = .success(try LayerSpectrum(singularValues: values, rows: matrix.rows, cols: matrix.cols)) } catch { spectrum = .failure(error) }
        let m = Double(max(matrix.rows, matrix.cols))
        return LoadedLayer(name: tensor.name, shape: tensor.shape, typeName: tensor.typeName, rows: matrix.rows, cols: matrix.cols,
                           eigenvalues: values.map { $0 * $0 / m }.sorted(), spectrum: spectrum)
    }
}
