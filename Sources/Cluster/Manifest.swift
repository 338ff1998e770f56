// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// The runs one array task trains: runs `first ..< end` of the ensemble.
public struct ShardRange: Sendable, Equatable, Codable {
    public var first: Int
    public var end: Int

    public init(_ runs: Range<Int>) {
        first = runs.lowerBound
        end = runs.upperBound
    }

    public var runs: Range<Int> { first..<max(first, end) }
    public var count: Int { max(0, end - first) }
}

/// What a job trains, written once as `manifest.json` in its folder and read
/// by every array task: the dyson version that wrote it (a task of another
/// version refuses it, since its numbers could differ), the model, the
/// training configuration (seed and number of runs of the whole ensemble)
/// and the runs of each task. Task k trains `shards[k]`.
///
/// The SHA-256 of the file's bytes is the job's content hash: every shard
/// file records it, so a shard of another manifest is never merged.
public struct JobManifest: Sendable, Equatable, Codable {
    /// Version of this file's layout.
    public static let currentFormat = 1

    public var format: Int
    public var dysonVersion: String
    public var model: ModelDescription
    /// The model's one-line summary, checked against the rebuilt model.
    public var modelSummary: String
    /// The whole training (runs = all runs of the ensemble; threads unset).
    public var config: TrainingConfig
    public var shards: [ShardRange]

    public init(dysonVersion: String, model: ModelDescription, modelSummary: String, config: TrainingConfig, shards: [ShardRange]) {
        format = Self.currentFormat
        self.dysonVersion = dysonVersion
        self.model = model
        self.modelSummary = modelSummary
        var config = config
        config.threads = nil
        self.config = config
        self.shards = shards
    }

    /// A manifest for training `model` with `config` in `shards` tasks of
    /// nearly equal size (the first `runs % shards` get one run more).
    public init(dysonVersion: String, model: any LearningModel, config: TrainingConfig, shards: Int) throws(ClusterError) {
        try self.init(dysonVersion: dysonVersion, model: model, config: config, ranges: Self.split(runs: config.runs, into: shards))
    }

    /// A manifest with the given run ranges, which must cover 0 ..< config.runs
    /// exactly, in order, none empty.
    public init(dysonVersion: String, model: any LearningModel, config: TrainingConfig, ranges: [ShardRange]) throws(ClusterError) {
        guard let description = ModelDescription(model) else {
            throw ClusterError("a \(model.kind.rawValue) model of this kind cannot be described for another process")
        }
        self.init(dysonVersion: dysonVersion, model: description, modelSummary: model.summary, config: config, shards: ranges)
        try checkShards()
    }

    /// The shards cover 0 ..< config.runs exactly, in order, none empty.
    func checkShards() throws(ClusterError) {
        var next = 0
        for r in shards {
            guard r.first == next, r.end > r.first else {
                throw ClusterError("shards must cover the runs in order without gaps or overlaps; one holds runs \(r.first)..<\(r.end) where run \(next) starts the next")
            }
            next = r.end
        }
        guard next == config.runs, !shards.isEmpty else {
            throw ClusterError("the shards cover \(next) runs, the training has runs=\(config.runs)")
        }
    }

    /// `runs` split into `shards` contiguous ranges of nearly equal size.
    public static func split(runs: Int, into shards: Int) throws(ClusterError) -> [ShardRange] {
        guard runs >= 1 else { throw ClusterError("a job needs at least one run, got runs=\(runs)") }
        guard shards >= 1 else { throw ClusterError("a job needs at least one shard, got shards=\(shards)") }
        guard shards <= runs else {
            throw ClusterError("\(shards) shards for \(runs) runs would leave shards empty", suggestion: "use shards=\(runs) or fewer")
        }
        let base = runs / shards, extra = runs % shards
        var ranges = [ShardRange](), first = 0
        for k in 0..<shards {
            let size = base + (k < extra ? 1 : 0)
            ranges.append(ShardRange(first..<(first + size)))
            first += size
        }
        return ranges
    }

    /// The manifest as written: pretty, with sorted keys, so that the same
    /// job always has the same bytes and hence the same content hash.
    public func encoded() throws(ClusterError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(self) + Data("\n".utf8) } catch {
            throw ClusterError("cannot encode the job manifest: \(error)")
        }
    }

    /// Reads a manifest; `version` is the reader's dyson version, which must
    /// be the writer's.
    public static func decode(_ data: Data, expectedVersion version: String) throws(ClusterError) -> JobManifest {
        let m: JobManifest
        do { m = try JSONDecoder().decode(JobManifest.self, from: data) } catch {
            throw ClusterError("the job manifest cannot be read: \(error)", suggestion: "create the job again")
        }
        guard m.format == currentFormat else {
            throw ClusterError("the job manifest has format \(m.format); this dyson reads format \(currentFormat)",
                               suggestion: "run the job with the dyson version that created it (\(m.dysonVersion))")
        }
        guard m.dysonVersion == version else {
            throw ClusterError("the job was created by dyson \(m.dysonVersion) and this is dyson \(version): its shards could differ in the last bits",
                               suggestion: "run its tasks with dyson \(m.dysonVersion), or create the job again with this version")
        }
        do { try m.checkShards() } catch {
            throw ClusterError("the job manifest is inconsistent: \(error.message)", suggestion: "create the job again")
        }
        return m
    }

    /// The model rebuilt from its description, checked against the summary.
    public func buildModel() throws(ClusterError) -> any LearningModel {
        let model: any LearningModel
        do { model = try self.model.build() } catch {
            throw ClusterError("the job's model cannot be built: \(error.message)", suggestion: error.suggestion)
        }
        guard model.summary == modelSummary else {
            throw ClusterError("the job's model description gives '\(model.summary)', its summary says '\(modelSummary)'",
                               suggestion: "the manifest was edited or damaged: create the job again")
        }
        return model
    }

    /// Task `task`'s runs.
    public func shard(_ task: Int) throws(ClusterError) -> ShardRange {
        guard shards.indices.contains(task) else {
            throw ClusterError("the job has tasks 0…\(shards.count - 1), not \(task)")
        }
        return shards[task]
    }

    /// Task `task`'s configuration: its runs, on `threads` threads.
    public func config(task: Int, threads: Int?) throws(ClusterError) -> TrainingConfig {
        var c = config
        c.runs = try shard(task).count
        c.threads = threads
        return c
    }
}
