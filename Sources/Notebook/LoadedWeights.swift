// SPDX-License-Identifier: GPL-3.0-or-later
import RMT

/// One layer read from a weight file, with its spectrum: what the notebook
/// keeps of it (the N eigenvalues of X = WᵀW/M, not the matrix).
public struct LoadedLayer: Sendable {
    /// Its name in the file.
    public let name: String
    /// The tensor's shape and dtype as stored.
    public let shape: [Int]
    public let typeName: String
    /// The matrix it was read as (rows × cols; a kernel is out × in·kh·kw).
    public let rows: Int
    public let cols: Int
    /// x_i = s_i²/M, ascending (M the larger of rows and cols).
    public let eigenvalues: [Double]
    /// The Marchenko–Pastur analysis, or why there is none.
    public let spectrum: Result<LayerSpectrum, FitError>

    public var shapeDescription: String { shape.map(String.init).joined(separator: "×") }
}

/// The layers of one weight file.
public struct LoadedWeights: Sendable {
    /// The file as named in the command.
    public let file: String
    /// The file as resolved when it was read (`randomize` reads a layer again).
    public let path: String
    public let format: String
    public let layers: [LoadedLayer]
}

extension Workspace {
    /// The layers an analysis works on: `of=NAME` or the last file read.
    func weights(named name: String?) throws(NotebookError) -> (String, LoadedWeights) {
        guard let key = name ?? lastWeights else {
            throw NotebookError("no weights are loaded", suggestion: "read a file first: load weights FILE.npz (or .npy, .safetensors)")
        }
        guard let set = weightSets[key] else {
            let hint = closest(key, among: Array(weightSets.keys)).map { "did you mean of=\($0)?" }
                ?? (weightSets.isEmpty ? "read a file first: load weights FILE.npz" : "loaded: " + weightSets.keys.sorted().joined(separator: ", "))
            throw NotebookError("there are no weights named '\(key)'", suggestion: hint)
        }
        return (key, set)
    }
}

extension Workspace {
    /// The layer an analysis of one layer works on: `requested` (empty: the
    /// only one) of the weights `of` names or the last file read; errors say
    /// which names there are. `command` is the command typed, for the hints.
    func layer(_ requested: String, of name: String?, command: String) throws(NotebookError) -> (set: String, weights: LoadedWeights, layer: LoadedLayer) {
        let (setName, set) = try weights(named: name)
        let names = set.layers.map(\.name)
        if requested.isEmpty {
            guard set.layers.count == 1, let only = set.layers.first else {
                throw NotebookError("\(setName) has \(set.layers.count) layers: which one?",
                                    suggestion: "\(command) \(names[0]) (layers: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : ""))")
            }
            return (setName, set, only)
        }
        guard let found = set.layers.first(where: { $0.name == requested }) else {
            let hint = closest(requested, among: names).map { "did you mean \(command) \($0)?" }
                ?? "layers of \(setName): " + names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", …" : "")
            throw NotebookError("\(setName) has no layer '\(requested)'", suggestion: hint)
        }
        return (setName, set, found)
    }
}
