// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning

/// A job's folder, everything a cluster job needs and leaves behind:
///
///     JOBDIR/manifest.json          what to train (JobManifest)
///     JOBDIR/job.sbatch             the array script (SbatchScript)
///     JOBDIR/submissions.json       array job ids and the tasks each one ran
///     JOBDIR/logs/ARRAYJOB_INDEX.out each task's output (sbatch -o logs/%A_%a.out)
///     JOBDIR/shards/task-K.shard    task K's runs (ShardFile), renamed into place when complete
///
/// A task is done when its shard file is there and verifies: right job
/// (manifest hash), right task, exactly its runs, trained to the end. Slurm
/// is asked only about tasks that are not done.
public struct JobFolder: Sendable {
    public let path: String
    public let manifest: JobManifest
    /// SHA-256 of manifest.json's bytes: the job's content hash.
    public let manifestHash: [UInt8]

    public var manifestPath: String { path + "/manifest.json" }
    public var scriptPath: String { path + "/job.sbatch" }
    public var submissionsPath: String { path + "/submissions.json" }
    public var logsPath: String { path + "/logs" }
    public var shardsPath: String { path + "/shards" }
    public var taskCount: Int { manifest.taskCount }
    public var contentHash: String { SHA256.hex(manifestHash) }

    public func shardPath(task: Int) -> String { shardsPath + "/task-\(task).shard" }

    /// The log of array index `index` of array job `arrayJob` (the task
    /// less the array's offset; the task itself when there is none).
    public func logPath(arrayJob: String, index: Int) -> String { logsPath + "/\(arrayJob)_\(index).out" }

    /// Creates the folder with its manifest (and its logs/ and shards/ folders).
    /// A folder that already holds the same manifest is reused, so shards
    /// already done stay done; one that holds another job is refused.
    public static func create(at path: String, manifest: JobManifest) throws(ClusterError) -> JobFolder {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let bytes = [UInt8](try manifest.encoded())
        let manifestPath = absolute + "/manifest.json"
        if let existing = try AtomicFile.read(manifestPath), existing != bytes {
            throw ClusterError("\(absolute) already holds another job",
                               suggestion: "choose another folder, or delete that one if its shards are no longer wanted")
        }
        do {
            for dir in [absolute, absolute + "/logs", absolute + "/shards"] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
        } catch {
            throw ClusterError("cannot create the job folder \(absolute): \(error.localizedDescription)")
        }
        try AtomicFile.write(bytes, to: manifestPath)
        return JobFolder(path: absolute, manifest: manifest, manifestHash: SHA256.hash(bytes))
    }

    /// Opens a job folder; `version` is this dyson's, which must have written it.
    public static func open(_ path: String, version: String) throws(ClusterError) -> JobFolder {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let bytes = try AtomicFile.read(absolute + "/manifest.json") else {
            throw ClusterError("\(absolute) is not a dyson job folder (no manifest.json)", suggestion: "give the folder a submit created")
        }
        let manifest = try JobManifest.decode(Data(bytes), expectedVersion: version)
        return JobFolder(path: absolute, manifest: manifest, manifestHash: SHA256.hash(bytes))
    }

    // MARK: Shards

    /// Whether a task's shard is there and verifies.
    public enum ShardState: Sendable, Equatable {
        case done
        case missing
        /// A file is there but cannot be used (and why).
        case invalid(String)
    }

    /// A shard file verified once is not read again while it is the same
    /// file (same inode, size and modification time): status polls of a job
    /// with large shards cost a stat per task, not a read and a hash.
    public func state(task: Int) -> ShardState {
        let path = shardPath(task: task)
        let identity = VerifiedShards.identity(of: path)
        if let identity, VerifiedShards.shared.contains(identity, job: manifestHash) { return .done }
        do {
            guard try readShard(task: task) != nil else { return .missing }
            if let identity { VerifiedShards.shared.insert(identity, job: manifestHash) }
            return .done
        } catch {
            return .invalid(error.message)
        }
    }

    /// Tasks whose shard is not done, ascending.
    public func unfinishedTasks() -> [Int] {
        (0..<taskCount).filter { state(task: $0) != .done }
    }

    /// Task `task`'s runs, verified (nil when its file does not exist yet).
    public func readShard(task: Int) throws(ClusterError) -> StoredRuns? {
        let (part, range) = try manifest.locate(task)
        guard let bytes = try AtomicFile.read(shardPath(task: task)) else { return nil }
        let (header, runs) = try ShardFile.decode(bytes)
        guard header.manifestHash == manifestHash else {
            throw ClusterError("the shard file of task \(task) belongs to another job (manifest \(SHA256.hex(header.manifestHash).prefix(12))…)",
                               suggestion: "delete it; the task will train its runs again")
        }
        guard header.task == task else { throw ClusterError("the shard file of task \(task) holds task \(header.task)") }
        let model = try manifest.parts[part].buildModel()
        guard header.spectrumSize == model.spectrumSize, header.weightSize == model.weightRows * model.weightCols else {
            throw ClusterError("the shard file of task \(task) has spectra of \(header.spectrumSize) levels and \(header.weightSize) weights per run, the model \(model.spectrumSize) and \(model.weightRows * model.weightCols)")
        }
        let steps = manifest.parts[part].config.steps
        guard !runs.cancelled, runs.completedSteps == steps else {
            throw ClusterError("the shard of task \(task) stopped at step \(runs.completedSteps) of \(steps)",
                               suggestion: "delete it and run the task again")
        }
        guard (runs.runIndices + runs.droppedRuns).sorted() == Array(range.runs) else {
            throw ClusterError("the shard of task \(task) holds other runs than its \(range.first)..<\(range.end)")
        }
        return runs
    }

    /// Writes task `task`'s runs (trained to the end) atomically.
    public func writeShard(_ result: TrainingResult, task: Int) throws(ClusterError) {
        let bytes = ShardFile.encode(StoredRuns(result), task: task, manifestHash: manifestHash,
                                     spectrumSize: result.spectrumSize, weightSize: result.weightRows * result.weightCols)
        try AtomicFile.write(bytes, to: shardPath(task: task))
    }

    /// Removes temporary files a killed task left behind (never a complete shard).
    public func removeLeftovers(task: Int) {
        let prefix = ".task-\(task).shard.tmp-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shardsPath)) ?? []
        for name in names where name.hasPrefix(prefix) { unlink(shardsPath + "/" + name) }
    }

    // MARK: Merge

    /// The whole training from all shards: equal, bit for bit, to training
    /// the manifest's ensemble at once. Every shard must be done. A scan's
    /// job has one training per setting: see ``merge(part:)``.
    public func merge() throws(ClusterError) -> TrainingResult {
        guard manifest.parts.count == 1 else {
            throw ClusterError("the job trains \(manifest.parts.count) settings, not one training", suggestion: "collect it with wait, which analyses the scan")
        }
        return try merge(part: 0)
    }

    /// Part `part`'s training from its shards: equal, bit for bit, to training
    /// its ensemble at once. Every shard of the part must be done.
    public func merge(part: Int) throws(ClusterError) -> TrainingResult {
        guard manifest.parts.indices.contains(part) else { throw ClusterError("the job has no part \(part)") }
        let model = try manifest.parts[part].buildModel()
        var parts = [TrainingResult](), missing = [Int]()
        for task in manifest.tasks(part: part) {
            guard let runs = try readShard(task: task) else {
                missing.append(task)
                continue
            }
            var config = manifest.parts[part].config
            config.runs = runs.runIndices.count
            do { parts.append(try TrainingResult(model: model, config: config, stored: runs)) } catch {
                throw ClusterError("the shard of task \(task) cannot be read back: \(error.message)")
            }
        }
        guard missing.isEmpty else {
            let count = manifest.tasks(part: part).count
            throw ClusterError("\(missing.count) of \(count) tasks have no shard yet (\(TaskList.format(missing)))",
                               suggestion: "wait for them, or resubmit them")
        }
        do {
            return try TrainingResult.joining(parts)
        } catch {
            throw ClusterError("the shards do not join: \(error.message)")
        }
    }
}

/// Shard files that verified, by file identity and job, for this process.
final class VerifiedShards: @unchecked Sendable {
    static let shared = VerifiedShards()
    private let lock = NSLock()
    private var known = Set<String>()

    /// Device, inode, size and modification time (ns) of a regular file; nil if there is none.
    static func identity(of path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        #if os(Linux)
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        #else
        let mtime = Int(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int(info.st_mtimespec.tv_nsec)
        #endif
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(mtime):\(path)"
    }

    func contains(_ identity: String, job: [UInt8]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return known.contains(identity + SHA256.hex(job))
    }

    func insert(_ identity: String, job: [UInt8]) {
        lock.lock()
        known.insert(identity + SHA256.hex(job))
        lock.unlock()
    }
}

/// Task lists as Slurm writes them: "0-3,7,9-10".
public enum TaskList {
    public static func format(_ tasks: [Int]) -> String {
        let sorted = Array(Set(tasks)).sorted()
        var parts = [String](), i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// "0-3,7" (also "[0-3,7%2]", throttle dropped) → [0, 1, 2, 3, 7]; nil if malformed.
    public static func parse(_ text: Substring) -> [Int]? {
        var body = text
        if body.hasPrefix("[") && body.hasSuffix("]") { body = body.dropFirst().dropLast() }
        if let percent = body.firstIndex(of: "%") { body = body[..<percent] }
        var out = [Int]()
        for part in body.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            // A step ("0-15:4") is allowed by sbatch.
            let stepParts = bounds.last?.split(separator: ":") ?? []
            if bounds.count == 1, let v = Int(bounds[0]), v >= 0 {
                out.append(v)
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(stepParts.first ?? ""), a >= 0, b >= a, b - a <= 1_000_000 {
                let step = stepParts.count == 2 ? (Int(stepParts[1]) ?? 0) : 1
                guard step >= 1 else { return nil }
                out.append(contentsOf: stride(from: a, through: b, by: step))
            } else {
                return nil
            }
        }
        return out
    }
}
