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

/// One training of a job: the whole ensemble of a `train`, or one setting of
/// a `scan`. Its runs are split into shards; each shard is one array task.
public struct JobPart: Sendable, Equatable, Codable {
    /// The scan setting this part trains (numbered as in the scan's table); nil for a training.
    public var setting: Int?
    public var model: ModelDescription
    /// The model's one-line summary, checked against the rebuilt model.
    public var modelSummary: String
    /// The whole training of this part (runs = all its runs; threads unset).
    public var config: TrainingConfig
    public var shards: [ShardRange]

    public init(setting: Int? = nil, model: ModelDescription, modelSummary: String, config: TrainingConfig, shards: [ShardRange]) {
        self.setting = setting
        self.model = model
        self.modelSummary = modelSummary
        var config = config
        config.threads = nil
        self.config = config
        self.shards = shards
    }

    /// A part training `model` with `config` in the given run ranges.
    public init(setting: Int? = nil, model: any LearningModel, config: TrainingConfig, ranges: [ShardRange]) throws(ClusterError) {
        guard let description = ModelDescription(model) else {
            throw ClusterError("a \(model.kind.rawValue) model of this kind cannot be described for another process")
        }
        self.init(setting: setting, model: description, modelSummary: model.summary, config: config, shards: ranges)
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
}

/// What a job trains, written once as `manifest.json` in its folder and read
/// by every array task: the dyson version that wrote it (a task of another
/// version refuses it, since its numbers could differ) and its parts (one for
/// a training, one per setting for a scan), each with its model, training
/// configuration (seed and number of runs) and the runs of each shard.
///
/// Array tasks number the shards of all parts in order: part 0's shards
/// first, then part 1's, and so on, so that one array (and one `%N`
/// throttle) covers a whole scan.
///
/// The SHA-256 of the file's bytes is the job's content hash: every shard
/// file records it, so a shard of another manifest is never merged.
public struct JobManifest: Sendable, Equatable, Codable {
    /// Version of this file's layout.
    public static let currentFormat = 2

    public var format: Int
    public var dysonVersion: String
    /// For a scan: its command, canonical, with its seed and label; the
    /// merged parts are analysed by it. nil for a training.
    public var command: String?
    public var parts: [JobPart]

    public init(dysonVersion: String, parts: [JobPart], command: String? = nil) throws(ClusterError) {
        format = Self.currentFormat
        self.dysonVersion = dysonVersion
        self.command = command
        self.parts = parts
        try check()
    }

    /// A manifest for training `model` with `config` in `shards` tasks of
    /// nearly equal size (the first `runs % shards` get one run more).
    public init(dysonVersion: String, model: any LearningModel, config: TrainingConfig, shards: Int) throws(ClusterError) {
        try self.init(dysonVersion: dysonVersion, model: model, config: config, ranges: Self.split(runs: config.runs, into: shards))
    }

    /// A manifest with the given run ranges, which must cover 0 ..< config.runs
    /// exactly, in order, none empty.
    public init(dysonVersion: String, model: any LearningModel, config: TrainingConfig, ranges: [ShardRange]) throws(ClusterError) {
        try self.init(dysonVersion: dysonVersion, parts: [try JobPart(model: model, config: config, ranges: ranges)])
    }

    /// At least one part, each covering its runs.
    func check() throws(ClusterError) {
        guard !parts.isEmpty else { throw ClusterError("a job needs at least one training") }
        for part in parts { try part.checkShards() }
    }

    /// Array tasks of all parts.
    public var taskCount: Int { parts.reduce(0) { $0 + $1.shards.count } }

    /// Part `part`'s array tasks.
    public func tasks(part: Int) -> Range<Int> {
        let first = parts.prefix(part).reduce(0) { $0 + $1.shards.count }
        return first..<(first + (parts.indices.contains(part) ? parts[part].shards.count : 0))
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
                               suggestion: "create the job again with this dyson (its shards cannot be reused), or run it with the dyson build that created it")
        }
        guard m.dysonVersion == version else {
            throw ClusterError("the job was created by dyson \(m.dysonVersion) and this is dyson \(version): its shards could differ in the last bits",
                               suggestion: "run its tasks with dyson \(m.dysonVersion), or create the job again with this version")
        }
        do { try m.check() } catch {
            throw ClusterError("the job manifest is inconsistent: \(error.message)", suggestion: "create the job again")
        }
        return m
    }

    /// Task `task`: its part and its runs.
    public func locate(_ task: Int) throws(ClusterError) -> (part: Int, runs: ShardRange) {
        var first = 0
        for (p, part) in parts.enumerated() {
            if task >= first && task < first + part.shards.count { return (p, part.shards[task - first]) }
            first += part.shards.count
        }
        throw ClusterError("the job has tasks 0…\(taskCount - 1), not \(task)")
    }

    /// Task `task`'s runs.
    public func shard(_ task: Int) throws(ClusterError) -> ShardRange { try locate(task).runs }

    /// Task `task`'s model.
    public func buildModel(task: Int) throws(ClusterError) -> any LearningModel { try parts[locate(task).part].buildModel() }

    /// Task `task`'s configuration: its part's, with its runs, on `threads` threads.
    public func config(task: Int, threads: Int?) throws(ClusterError) -> TrainingConfig {
        let (p, runs) = try locate(task)
        var c = parts[p].config
        c.runs = runs.count
        c.threads = threads
        return c
    }
}
