// SPDX-License-Identifier: GPL-3.0-or-later

/// Why a job folder, a shard or a Slurm command could not do what was asked,
/// with what to do about it.
public struct ClusterError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// What would work instead (a command to run, a setting to change).
    public let suggestion: String?

    public init(_ message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String { suggestion.map { "\(message); \($0)" } ?? message }
}
