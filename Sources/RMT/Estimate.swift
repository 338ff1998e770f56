// SPDX-License-Identifier: GPL-3.0-or-later

/// A measured quantity: its value, its one-standard-deviation error, how many
/// samples it came from and how it was obtained.
///
/// Every statistic and fit in RMT returns these, so that whoever prints or
/// saves a result also has what is needed to judge it.
public struct Estimate: Sendable, Equatable, Codable, CustomStringConvertible {
    public var value: Double
    /// One standard error; `nil` when the method gives none.
    public var error: Double?
    public var sampleSize: Int
    /// How the value and error were obtained, e.g. "mean, jackknife (50 blocks)".
    public var method: String

    public init(value: Double, error: Double?, sampleSize: Int, method: String) {
        self.value = value
        self.error = error
        self.sampleSize = sampleSize
        self.method = method
    }

    /// Number of standard errors between this value and `reference` (∞ without an error).
    public func pull(from reference: Double) -> Double {
        guard let error, error > 0 else { return value == reference ? 0 : .infinity }
        return (value - reference) / error
    }

    public var description: String {
        if let error { return "\(value) ± \(error) (n = \(sampleSize), \(method))" }
        return "\(value) (n = \(sampleSize), \(method))"
    }
}
