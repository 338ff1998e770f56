// SPDX-License-Identifier: GPL-3.0-or-later

/// The numbers of a training that a file must keep so that the result can be
/// rebuilt exactly: everything a `TrainingResult` holds except what follows
/// from the model and the configuration (kind, summary, spectrum variable,
/// target, predictions, trajectory caveat). A shard written by one process
/// and read by another goes through this.
public struct StoredRuns: Sendable, Equatable {
    public var snapshotSteps: [Int]
    public var runIndices: [Int]
    public var droppedRuns: [Int]
    /// spectra[(s · runs + r) · n + i], as in `TrainingResult.spectra`.
    public var spectra: [Double]
    public var finalWeights: [Double]
    public var finalStates: [RunState]
    public var completedSteps: Int
    public var cancelled: Bool
    public var resumable: Bool
    public var seconds: Double
    public var threads: Int

    public init(snapshotSteps: [Int], runIndices: [Int], droppedRuns: [Int], spectra: [Double], finalWeights: [Double],
                finalStates: [RunState], completedSteps: Int, cancelled: Bool, resumable: Bool, seconds: Double, threads: Int) {
        self.snapshotSteps = snapshotSteps
        self.runIndices = runIndices
        self.droppedRuns = droppedRuns
        self.spectra = spectra
        self.finalWeights = finalWeights
        self.finalStates = finalStates
        self.completedSteps = completedSteps
        self.cancelled = cancelled
        self.resumable = resumable
        self.seconds = seconds
        self.threads = threads
    }

    /// What `result` stores.
    public init(_ result: TrainingResult) {
        self.init(snapshotSteps: result.snapshotSteps, runIndices: result.runIndices, droppedRuns: result.droppedRuns,
                  spectra: result.spectra, finalWeights: result.finalWeights, finalStates: result.finalStates,
                  completedSteps: result.completedSteps, cancelled: result.cancelled, resumable: result.resumable,
                  seconds: result.seconds, threads: result.threads)
    }
}

extension TrainingResult {
    /// The result of training `model` with `config` whose runs are `stored`.
    /// Sizes are checked against the model, so numbers read from a file of
    /// another model are refused rather than misread.
    public init(model: any LearningModel, config: TrainingConfig, stored s: StoredRuns) throws(ShardError) {
        let n = model.spectrumSize, size = model.weightRows * model.weightCols, runs = s.runIndices.count
        guard s.spectra.count == s.snapshotSteps.count * runs * n else {
            throw ShardError("stored spectra hold \(s.spectra.count) values, not \(s.snapshotSteps.count) snapshots × \(runs) runs × \(n) levels")
        }
        guard s.finalWeights.count == runs * size else {
            throw ShardError("stored weights hold \(s.finalWeights.count) values, not \(runs) runs × \(size)")
        }
        guard s.finalStates.isEmpty || s.finalStates.count == runs else {
            throw ShardError("stored run states number \(s.finalStates.count), not \(runs)")
        }
        self.init(
            model: model, kind: model.kind, modelSummary: model.summary, variable: model.variable, target: model.target,
            predictions: model.predictions(lr: config.lr, batch: config.batch, steps: s.completedSteps),
            config: config, spectrumSize: n, weightRows: model.weightRows, weightCols: model.weightCols,
            snapshotSteps: s.snapshotSteps, runIndices: s.runIndices, droppedRuns: s.droppedRuns, spectra: s.spectra,
            finalWeights: s.finalWeights, cancelled: s.cancelled, completedSteps: s.completedSteps, seconds: s.seconds,
            threads: s.threads, trajectoryCaveat: model.trajectoryCaveat, finalStates: s.finalStates, resumable: s.resumable)
    }
}
