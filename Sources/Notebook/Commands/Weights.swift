// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
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
        return try read(name, glob: args.word("name"), as: args.word("as"), context: context)
    }

    /// Reads the layers of the file `name` matching `glob`, analyses them (on
    /// all cores) and keeps them in the workspace as `setName` (default: the
    /// file's stem); the output lists them. `load weights FILE` and `weights
    /// FILE` both come here.
    static func read(_ name: String, glob: String?, as setName: String?, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let path = try context.resolve(name, for: "weights").path
        // As the note records it (relative to the note's folder), so that the
        // note reads the same when written and when replayed.
        let relative = noteRelative(path, context: context)
        let name = relative ?? name
        let (file, chosen, candidates) = try open(path, name: name, glob: glob)
        let vectors = chosen.filter { $0.role == .vector }
        let skipped = chosen.compactMap { t -> String? in if case .skipped(let why) = t.role { return "\(t.name) (\(why))" } else { return nil } }
        context.progress?.update(label: "weights", fraction: 0, detail: "\(candidates.count) layers of \(name)")
        let layers = try analyse(candidates, cancel: context.cancel)
        context.progress?.finish()

        let setName = setName ?? ((URL(fileURLWithPath: name).lastPathComponent as NSString).deletingPathExtension)
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
        if let relative { out.recordedPositional = [relative] }
        return out
    }

    /// `path` relative to the live note's folder when it lies inside it.
    static func noteRelative(_ path: String, context: CommandContext) -> String? {
        guard let notePath = context.notePath else { return nil }
        let folder = URL(fileURLWithPath: notePath).deletingLastPathComponent().standardizedFileURL.path + "/"
        return path.hasPrefix(folder) ? String(path.dropFirst(folder.count)) : nil
    }

    /// Opens a weight file and picks the tensors `glob` names: all of them, and
    /// the layers (rank ≥ 2) among them; errors say what the file holds.
    static func open(_ path: String, name: String, glob: String?) throws(NotebookError) -> (WeightFile, chosen: [Tensor], layers: [Tensor]) {
        let file: WeightFile
        do { file = try WeightFile.open(path, name: name) } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "dyson reads .npy, .npz and .safetensors files")
        }
        let chosen = file.tensors(matching: glob)
        guard !chosen.isEmpty else {
            let names = file.tensors.map(\.name)
            throw NotebookError(glob.map { "no tensor of \(name) matches \($0)" } ?? "\(name) holds no tensors",
                                suggestion: names.isEmpty ? "the file is empty" : "its tensors: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : ""))
        }
        let candidates = chosen.filter { if case .layer = $0.role { return true } else { return false } }
        guard !candidates.isEmpty else {
            let vectors = chosen.filter { $0.role == .vector }
            let skipped = chosen.compactMap { t -> String? in if case .skipped(let why) = t.role { return "\(t.name) (\(why))" } else { return nil } }
            throw NotebookError("\(name)\(glob.map { " (name=\($0))" } ?? "") has no matrices: \(vectors.count) vector\(vectors.count == 1 ? "" : "s")\(skipped.isEmpty ? "" : ", skipped " + skipped.prefix(5).joined(separator: ", "))",
                                suggestion: "layers are tensors of rank 2 or more; name=GLOB picks them by name")
        }
        return (file, chosen, candidates)
    }

    /// Analyses every layer, several at a time: one layer per thread with
    /// single-threaded BLAS when there are several, threaded BLAS for one
    /// (``threads`` of them).
    /// Memory: about one layer (and its Gram matrix) per core. The first
    /// error (in file order) is thrown; Ctrl-C stops between layers.
    static func analyse(_ tensors: [Tensor], cancel: CancellationFlag) throws(NotebookError) -> [LoadedLayer] {
        let cores = threads
        let results = ResultSlots<LoadedLayer>(count: tensors.count)
        if tensors.count == 1 {
            BLAS.setThreads(cores)
            defer { BLAS.setThreads(1) }
            results.set(0, Result { () throws(NotebookError) in try analyse(tensors[0]) })
        } else {
            BLAS.setThreads(1)
            let next = WorkCounter()
            DispatchQueue.concurrentPerform(iterations: min(cores, tensors.count)) { _ in
                while true {
                    let k = next.increment()
                    if k >= tensors.count { break }
                    if cancel.isCancelled {
                        results.set(k, .failure(NotebookError("stopped after some of \(tensors.count) layers; nothing was loaded", suggestion: "pick fewer layers with name=GLOB")))
                        continue
                    }
                    results.set(k, Result { () throws(NotebookError) in try analyse(tensors[k]) })
                }
            }
        }
        var layers = [LoadedLayer]()
        for r in results.values {
            switch r {
            case .success(let layer): layers.append(layer)
            case .failure(let e): throw e
            case nil: throw NotebookError("a layer was not analysed", suggestion: "read the file again")
            }
        }
        return layers
    }

    /// Threads for the layer analyses: OPENBLAS_NUM_THREADS when set (as
    /// OpenBLAS itself would take it), else every core.
    static var threads: Int {
        ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }.map { max(1, $0) }
            ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Reads one layer (one layer's memory) and analyses its levels.
    static func analyse(_ tensor: Tensor) throws(NotebookError) -> LoadedLayer {
        let matrix: Matrix
        do { matrix = try tensor.matrix() } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "pick other layers with name=GLOB")
        }
        let levels: [Double]
        do { levels = try LayerSpectrum.levels(of: matrix) } catch {
            if case .nonFiniteInput = error {
                let bad = matrix.elements.filter { !$0.isFinite }.count
                throw NotebookError("\(tensor.file): tensor '\(tensor.name)' holds \(bad) NaN or infinite entr\(bad == 1 ? "y" : "ies")",
                                    suggestion: "leave it out with name=GLOB (the training that wrote it diverged)")
            }
            throw NotebookError("\(tensor.name): \(error.description)", suggestion: "leave it out with name=GLOB")
        }
        let spectrum: Result<LayerSpectrum, FitError>
        do { spectrum = .success(try LayerSpectrum(levels: levels, rows: matrix.rows, cols: matrix.cols)) } catch { spectrum = .failure(error) }
        return LoadedLayer(name: tensor.name, shape: tensor.shape, typeName: tensor.typeName, rows: matrix.rows, cols: matrix.cols,
                           eigenvalues: levels, spectrum: spectrum)
    }
}

/// Slots that worker threads fill, one each, under a lock.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, NotebookError>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<T, NotebookError>) { lock.lock(); slots[k] = r; lock.unlock() }
    var values: [Result<T, NotebookError>?] { lock.lock(); defer { lock.unlock() }; return slots }
}

/// A shared counter handing out work items.
final class WorkCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    /// The current value, then one more.
    func increment() -> Int { lock.lock(); defer { value += 1; lock.unlock() }; return value }
}
