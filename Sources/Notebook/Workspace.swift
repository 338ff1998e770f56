// SPDX-License-Identifier: GPL-3.0-or-later
import Learning

/// What a session knows between commands.
public struct Workspace {
    /// The model set by the last `model` command.
    public var model: (any LearningModel)?
    /// The last training result, and results kept under a name with `as=NAME`.
    public var last: TrainingResult?
    public var lastName: String?
    public var named: [String: TrainingResult] = [:]
    /// Scans so far (each `scan` adds one series to the collapse figure).
    public var scans: [ScanSeries] = []
    /// Weight files read by `weights`, by name (as=NAME or the file's stem), and the last.
    public var weightSets: [String: LoadedWeights] = [:]
    public var lastWeights: String?
    /// Checkpoint series read by `load weights DIR/` (or a glob), and the last.
    public var weightSeries: [String: WeightSeries] = [:]
    public var lastSeries: String?
    /// Every analysis result so far, for `export results`.
    public var records: [ResultRecord] = []
    public var sessionSeed: UInt64
    /// Significant digits shown in results.
    public var digits: Int = 4
    /// Whether the terminal shows text figures (`set figures=off`); the note keeps its SVGs either way.
    public var showFigures = true

    public init(sessionSeed: UInt64) {
        self.sessionSeed = sessionSeed
    }

    /// Adds a scan's points: to the series of the same label and model kind if
    /// there is one (a scan finished in parts is one series), else as a new one.
    public mutating func addScan(_ series: ScanSeries) {
        if let k = scans.firstIndex(where: { $0.label == series.label && $0.kind == series.kind }) {
            scans[k] = ScanSeries(label: series.label, kind: series.kind, points: scans[k].points + series.points)
        } else {
            scans.append(series)
        }
    }

    /// The result an analysis works on: `of=NAME` or the last one.
    public func result(named name: String?) throws(NotebookError) -> TrainingResult {
        if let name {
            guard let r = named[name] else {
                let hint = closest(name, among: Array(named.keys)).map { "did you mean of=\($0)?" }
                    ?? (named.isEmpty ? "name a training with train … as=NAME" : "known results: " + named.keys.sorted().joined(separator: ", "))
                throw NotebookError("there is no result named '\(name)'", suggestion: hint)
            }
            return r
        }
        guard let last else {
            throw NotebookError("there is no training result yet",
                                suggestion: model == nil ? "first set a model (model rbm n=10), then train (train lr=0.01 batch=16 steps=1e4)"
                                    : "train first, e.g. train lr=0.01 batch=16 steps=1e4")
        }
        return last
    }
}
