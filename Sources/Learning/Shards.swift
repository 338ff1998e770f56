// SPDX-License-Identifier: GPL-3.0-or-later

/// Why shards of a training cannot be joined.
public struct ShardError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension TrainingResult {
    /// The training whose runs are those of `shards` together: each shard
    /// trained some runs of one ensemble (`Trainer.train(…, runIndices:)`, same
    /// model, settings and seed), and every run draws only from its own
    /// stream, so the joined result equals the whole ensemble trained at once,
    /// bit for bit. Runs come out in ascending run order; a run in two shards
    /// (a resubmitted shard) is an error, as are shards of other trainings.
    public static func joining(_ shards: [TrainingResult]) throws(ShardError) -> TrainingResult {
        guard let first = shards.first else { throw ShardError("no shard to join") }
        for s in shards.dropFirst() {
            guard s.modelSummary == first.modelSummary, s.config.lr == first.config.lr, s.config.batch == first.config.batch,
                  s.config.seed == first.config.seed, s.spectrumSize == first.spectrumSize,
                  s.weightRows == first.weightRows, s.weightCols == first.weightCols else {
                throw ShardError("a shard of another training (\(s.modelSummary), lr=\(s.config.lr), batch=\(s.config.batch), seed=\(s.config.seed)) cannot join \(first.modelSummary), lr=\(first.config.lr), batch=\(first.config.batch), seed=\(first.config.seed)")
            }
            guard s.snapshotSteps == first.snapshotSteps, s.completedSteps == first.completedSteps else {
                throw ShardError("shards stopped at different steps (\(s.completedSteps) and \(first.completedSteps)): an interrupted shard must be run again")
            }
        }
        // (run index, shard, slot in the shard), in run order.
        var runs = [(run: Int, shard: Int, slot: Int)]()
        for (k, s) in shards.enumerated() { for (slot, r) in s.runIndices.enumerated() { runs.append((r, k, slot)) } }
        runs.sort { $0.run < $1.run }
        for (a, b) in zip(runs, runs.dropFirst()) where a.run == b.run {
            throw ShardError("run \(a.run) is in two shards")
        }
        let n = first.spectrumSize, size = first.weightRows * first.weightCols
        var spectra = [Double](), weights = [Double](), states = [RunState]()
        spectra.reserveCapacity(first.snapshotSteps.count * runs.count * n)
        for snapshot in first.snapshotSteps.indices {
            for r in runs {
                let s = shards[r.shard], base = (snapshot * s.runCount + r.slot) * n
                spectra.append(contentsOf: s.spectra[base..<(base + n)])
            }
        }
        for r in runs {
            let s = shards[r.shard]
            weights.append(contentsOf: s.finalWeights[(r.slot * size)..<((r.slot + 1) * size)])
            if r.slot < s.finalStates.count { states.append(s.finalStates[r.slot]) }
        }
        var config = first.config
        config.runs = runs.count
        return TrainingResult(
            model: first.model, kind: first.kind, modelSummary: first.modelSummary, variable: first.variable, target: first.target,
            predictions: first.predictions, config: config, spectrumSize: n, weightRows: first.weightRows, weightCols: first.weightCols,
            snapshotSteps: first.snapshotSteps, runIndices: runs.map(\.run),
            droppedRuns: shards.flatMap(\.droppedRuns).sorted(), spectra: spectra, finalWeights: weights,
            cancelled: shards.contains { $0.cancelled }, completedSteps: first.completedSteps,
            seconds: shards.map(\.seconds).reduce(0, +), threads: shards.map(\.threads).max() ?? 1,
            trajectoryCaveat: first.trajectoryCaveat, finalStates: states.count == runs.count ? states : [],
            resumable: shards.allSatisfy(\.resumable) && states.count == runs.count)
    }
}
