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
    public let format: String
    public let layers: [LoadedLayer]
}

extension Workspace {
    /// The layers an analysis works on: `of=NAME` or the last file read.
    func weights(named name: String?) throws(NotebookError) -> (String, LoadedWeights) {
        guard let key = name ?? lastWeights else {
            throw NotebookError("no weights are loaded", suggestion: "read a file first: weights FILE.npz (or .npy, .safetensors)")
        }
        guard let set = weightSets[key] else {
            let hint = closest(key, among: Array(weightSets.keys)).map { "did you mean of=\($0)?" }
                ?? (weightSets.isEmpty ? "read a file first: weights FILE.npz" : "loaded: " + weightSets.keys.sorted().joined(separator: ", "))
            throw NotebookError("there are no weights named '\(key)'", suggestion: hint)
        }
        return (key, set)
    }
}
