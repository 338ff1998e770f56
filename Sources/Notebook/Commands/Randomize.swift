// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import Plot
import RMT
import Weights

/// `randomize [NAME] [of=SET]`: one loaded layer with its elements shuffled,
/// against itself: what the shuffle keeps (the entries' distribution) and what
/// it destroys (correlations between entries: what was learned).
public enum RandomizeCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "randomize", summary: "a loaded layer with its elements shuffled: how far its spectrum moves, which outliers go (learned vs noise)",
        positional: [ParameterSpec("name", .text, default: "", help: "the layer (as weights lists it); may be left out when only one is loaded")],
        parameters: [ParameterSpec("of", .text, help: "the weights loaded as NAME (weights … as=NAME) instead of the last file read")],
        examples: ["randomize fc1.weight", "randomize encoder.0.attn.k.weight of=epoch10", "randomize"],
        usesSeed: true)

    /// A uniformly random permutation of `elements` (Fisher–Yates) drawn from
    /// `Xoshiro256StarStar(seed:)`: the same seed gives the same shuffle.
    static func shuffled(_ elements: [Double], seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        var e = elements
        var i = e.count - 1
        while i > 0 {
            let j = Int(rng.next(upperBound: UInt64(i + 1)))
            e.swapAt(i, j)
            i -= 1
        }
        return e
    }

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        let (_, set, layer) = try context.workspace.layer(args.word("name") ?? "", of: args.word("of"), command: "randomize")
        // The notebook keeps a layer's levels, not its matrix: read it again.
        let file: WeightFile
        do { file = try WeightFile.open(set.path, name: set.file) } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "read it again: weights \(set.file)")
        }
        guard let tensor = file.tensors.first(where: { $0.name == layer.name }) else {
            throw NotebookError("\(set.file) no longer holds a tensor '\(layer.name)'", suggestion: "read it again: weights \(set.file)")
        }
        let matrix: Matrix
        do { matrix = try tensor.matrix() } catch {
            throw NotebookError(error.description, suggestion: error.suggestion ?? "read it again: weights \(set.file)")
        }
        guard matrix.rows == layer.rows, matrix.cols == layer.cols else {
            throw NotebookError("\(set.file) has changed since it was read: '\(layer.name)' is now \(matrix.rows)×\(matrix.cols)",
                                suggestion: "read it again: weights \(set.file)")
        }
        let shuffled = Matrix(rows: matrix.rows, cols: matrix.cols, elements: Self.shuffled(matrix.elements, seed: seed))
        let after: [Double]
        do { after = try LayerSpectrum.levels(of: shuffled) } catch {
            throw NotebookError("\(layer.name): \(error.description)", suggestion: "another layer")
        }
        let before = layer.eigenvalues
        let d = KolmogorovSmirnov.twoSampleDistance(before, after)
        let bound = KolmogorovSmirnov.twoSampleCriticalDistance(before.count, after.count, level: 0.001)
        let spectrumAfter: LayerSpectrum?
        do { spectrumAfter = try LayerSpectrum(levels: after, rows: matrix.rows, cols: matrix.cols) } catch { spectrumAfter = nil }
        let spectrumBefore: LayerSpectrum? = try? layer.spectrum.get()

        let f: (Double) -> String = { context.fmt($0) }
        var out = CommandOutput()
        out.line("\(layer.name) of \(set.file): its \(matrix.elements.count) elements shuffled (seeded); \(before.count) levels of X = WᵀW/M before and after")
        var table = TextTable([TextTable.Column("", .left), TextTable.Column("σ²"), TextTable.Column("edge"), TextTable.Column("largest level"),
                               TextTable.Column("outliers"), TextTable.Column("‖W‖₂"), TextTable.Column("stable rank")], indent: "  ")
        for (label, s, x) in [("as trained", spectrumBefore, before), ("shuffled", spectrumAfter, after)] {
            if let s {
                table.append([label, context.fmt(s.variance.value, s.variance.error), f(s.bulkEdge), f(x.last ?? 0), "\(s.outliers.count)", f(s.spectralNorm), f(s.stableRank)])
            } else {
                table.append([label, "—", "—", f(x.last ?? 0), "—", "—", "—"])
            }
        }
        out.lines += table.lines
        out.line("KS distance between the two spectra D = \(f(d))   (independent samples of this size exceed \(f(bound)) with probability 0.1 %; spectra of random matrices, being rigid, stay far below it)")
        let kept = spectrumBefore?.outliers.count ?? 0, left = spectrumAfter?.outliers.count ?? 0
        if kept > 0 && left == 0 {
            out.line("the \(kept == 1 ? "outlier goes" : "\(kept) outliers go") with the shuffle: structure in the arrangement of the entries (learned), not in their values")
        } else if left > 0 {
            out.line("the shuffled layer has \(left) outlier\(left == 1 ? "" : "s") too (\(kept) as trained): levels that come from the entries' values (a few large entries, a heavy tail), not from their arrangement")
        }
        out.line(d > bound ? "the distribution of the levels moved: the layer's entries are correlated (structure the shuffle destroyed)"
                           : "the distribution of the levels barely moved\(kept > left ? " (the outliers aside)" : ""): in its bulk the layer is as random as its shuffle")

        let q = "of \(layer.name)"
        out.record(ResultRecord(command: "randomize", quantity: "KS distance between the spectra before and after shuffling \(q)", value: d, error: nil,
                                sampleSize: before.count, method: "two-sample KS distance", prediction: 0))
        if let b = spectrumBefore {
            out.record(ResultRecord(command: "randomize", quantity: "outliers above the MP edge before shuffling \(q)", value: Double(b.outliers.count), error: nil,
                                    sampleSize: b.n, method: "levels above edge + 4 Tracy–Widom scales + 3 errors of the edge"))
        }
        if let a = spectrumAfter {
            out.record(ResultRecord(command: "randomize", quantity: "outliers above the MP edge after shuffling \(q)", value: Double(a.outliers.count), error: nil,
                                    sampleSize: a.n, method: "levels above edge + 4 Tracy–Widom scales + 3 errors of the edge"))
        }
        out.record(ResultRecord(command: "randomize", quantity: "largest level after shuffling \(q)", value: after.last ?? 0, error: nil,
                                sampleSize: after.count, method: "x_max = s_max²/M of the shuffled layer", prediction: spectrumAfter?.bulkEdge))

        // Both spectra on one axis, binned alike.
        let hi = max(spectrumBefore?.outlierThreshold ?? 0, spectrumAfter?.outlierThreshold ?? 0, min(before.last ?? 0, 3 * (spectrumAfter?.outlierThreshold ?? .infinity))) * 1.05
        if hi > 0, hi.isFinite {
            let h0 = Histogram(freedmanDiaconis: before.filter { $0 <= hi }, range: 0...hi)
            let h1 = Histogram(freedmanDiaconis: after.filter { $0 <= hi }, range: 0...hi)
            var layers: [Layer] = [.bars(Bars(edges: h0.edges, heights: h0.densities, label: "as trained")),
                                   .line(Line(xs: zip(h1.edges, h1.edges.dropFirst()).map { ($0 + $1) / 2 }, ys: h1.densities, label: "shuffled", style: .dashed))]
            if let a = spectrumAfter { layers.append(.rule(Rule(.vertical, at: a.bulkEdge, label: "edge (shuffled)"))) }
            out.figure("randomize", Figure(title: "\(layer.name): spectrum as trained and shuffled", x: Axis("x = s²/M (eigenvalue of WᵀW/M)"), y: Axis("density ρ(x)"), layers: layers))
        }
        return out
    }
}
