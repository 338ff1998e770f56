// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
import Linalg
import Weights

/// `export weights FILE.safetensors [of=NAME]`: weights as a `.safetensors`
/// file that PyTorch (`safetensors.torch.load_file`), JAX and numpy open.
///
/// What is written: a training result's final weights, one 2-D F64 tensor
/// `run.R.weight` per run R (rows × cols as the model holds W), with the model,
/// the training settings and the seed in the file's `__metadata__`; or the
/// layers of loaded weights (`of=SET`, or the last read when there is no
/// training result), each read again from its file as the 2-D matrix dyson
/// analysed (a conv kernel as out × in·kh·kw), under its own name. F64 keeps
/// every bit; `model.load_state_dict({k: v.float() …})` converts.
enum ExportSafetensors {
    /// The file's bytes and the line that says what they hold.
    static func encode(of name: String?, context: CommandContext) throws(NotebookError) -> (Data, String) {
        let ws = context.workspace
        let useResult = name.map { ws.named[$0] != nil } ?? (ws.last != nil)
        if useResult {
            let r = try ws.result(named: name)
            let size = r.weightRows * r.weightCols
            let entries = r.runIndices.enumerated().map { k, run in
                SafetensorsWriter.Entry(name: "run.\(run).weight", shape: [r.weightRows, r.weightCols],
                                        values: Array(r.finalWeights[(k * size)..<((k + 1) * size)]))
            }
            let metadata = ["format": "pt", "dyson": Notebook.version, "model": r.modelSummary,
                            "training": "lr=\(Format.plain(r.config.lr)) batch=\(r.config.batch) steps=\(r.completedSteps) seed=\(r.config.seed)"]
            return (try encode(entries, metadata: metadata),
                    "wrote the final weights of \(r.runCount) run\(r.runCount == 1 ? "" : "s") as run.R.weight (\(r.weightRows)×\(r.weightCols), F64) with the model and training in __metadata__")
        }
        if name == nil && ws.lastWeights == nil {
            throw NotebookError("export weights: there is nothing to export (no training and no loaded weights)",
                                suggestion: "train first (train lr=… steps=…), or read a network: load weights FILE")
        }
        let (setName, set) = try ws.weights(named: name)
        let file: WeightFile
        do { file = try WeightFile.open(set.path, name: set.file) } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "read it again: load weights \(set.file)")
        }
        var entries = [SafetensorsWriter.Entry]()
        for layer in set.layers {
            guard let tensor = file.tensors.first(where: { $0.name == layer.name }) else {
                throw NotebookError("\(set.file) no longer holds a tensor '\(layer.name)'", suggestion: "read it again: load weights \(set.file)")
            }
            let matrix: Matrix
            do { matrix = try tensor.matrix() } catch {
                throw NotebookError(error.description, suggestion: error.suggestion ?? "read it again: load weights \(set.file)")
            }
            entries.append(SafetensorsWriter.Entry(name: layer.name, shape: [matrix.rows, matrix.cols], values: matrix.elements))
        }
        return (try encode(entries, metadata: ["format": "pt", "dyson": Notebook.version, "source": set.file]),
                "wrote the \(entries.count) layer\(entries.count == 1 ? "" : "s") of '\(setName)' (\(set.file)) as 2-D F64 tensors under their names")
    }

    static func encode(_ entries: [SafetensorsWriter.Entry], metadata: [String: String]) throws(NotebookError) -> Data {
        do { return try SafetensorsWriter.encode(entries, dtype: .f64, metadata: metadata) } catch {
            throw NotebookError("export: \(error.problem)", suggestion: error.suggestion)
        }
    }
}
