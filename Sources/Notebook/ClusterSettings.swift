// SPDX-License-Identifier: GPL-3.0-or-later
import Cluster
import Foundation

/// A user's cluster settings, from `~/.config/dyson/slurm.conf` (or the file
/// `DYSON_SLURM_CONFIG` names), so that notes say what to train and not where:
///
///     # dyson's Slurm settings, key = value
///     partition = compute
///     account = phys-123
///     time = 02:00:00      # per task
///     cpus = 4             # per task
///     parallel = 50        # tasks at once
///     sbatch = --mem=4G --qos=normal
///
/// What a command line gives overrides the file.
public struct ClusterSettings: Sendable, Equatable {
    public var values: [String: String]
    /// Where they were read from (nil: no file).
    public var source: String?

    public static let keys = ["partition", "account", "time", "cpus", "parallel", "sbatch"]

    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["DYSON_SLURM_CONFIG"] ?? (NSHomeDirectory() + "/.config/dyson/slurm.conf")
    }

    /// Reads the settings file; a missing file is no settings, a malformed line an error.
    public static func load(path: String = defaultPath) throws(NotebookError) -> ClusterSettings {
        guard FileManager.default.fileExists(atPath: path) else { return ClusterSettings(values: [:], source: nil) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw NotebookError("cannot read the cluster settings \(path)", suggestion: "check its permissions, or remove it")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(NotebookError) -> ClusterSettings {
        var values = [String: String]()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw NotebookError("\(source):\(number + 1): '\(trimmed)' is not key = value", suggestion: "keys: " + keys.joined(separator: ", "))
            }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard keys.contains(key) else {
                let hint = closest(key, among: keys).map { "did you mean \($0)?" } ?? "keys: " + keys.joined(separator: ", ")
                throw NotebookError("\(source):\(number + 1): unknown setting '\(key)'", suggestion: hint)
            }
            values[key] = value
        }
        return ClusterSettings(values: values, source: source)
    }

    /// The Slurm options of a submission: `given` (the command line) over the file.
    public func options(given: [String: String]) throws(NotebookError) -> SlurmOptions {
        let merged = values.merging(given) { $1 }
        func integer(_ key: String) throws(NotebookError) -> Int? {
            guard let v = merged[key] else { return nil }
            guard let i = Int(v) else { throw NotebookError("\(key)=\(v) is not a whole number", suggestion: source.map { "check \($0)" }) }
            return i
        }
        let options = SlurmOptions(partition: merged["partition"], account: merged["account"], time: merged["time"],
                                   cpus: try integer("cpus") ?? 1, parallel: try integer("parallel"),
                                   extra: merged["sbatch"].map(SlurmOptions.splitExtra) ?? [])
        do { try options.validate() } catch {
            throw NotebookError(error.message, suggestion: error.suggestion ?? source.map { "check \($0)" })
        }
        return options
    }
}
