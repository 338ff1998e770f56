// SPDX-License-Identifier: GPL-3.0-or-later
import Plot
import RMT

/// One measured quantity of an analysis, as exported to JSON and compared on replay.
public struct ResultRecord: Codable, Sendable, Equatable {
    public let command: String
    public let quantity: String
    public let value: Double
    public let error: Double?
    public let sampleSize: Int
    public let method: String
    public let prediction: Double?
    /// For a p-value: true when it is only an upper bound (no bootstrap replica
    /// came as far from the law as the data), so the true p is smaller.
    public var isUpperBound: Bool?
    /// Provenance, filled in by the notebook: the command line as recorded
    /// (seed included), and the result it analysed (model, settings, runs,
    /// seed, which snapshots), so that two analyses of one quantity differ.
    public var line: String?
    public var analysed: String?

    public init(command: String, quantity: String, value: Double, error: Double?, sampleSize: Int, method: String, prediction: Double? = nil) {
        self.command = command
        self.quantity = quantity
        self.value = value
        self.error = error
        self.sampleSize = sampleSize
        self.method = method
        self.prediction = prediction
    }

    /// A Kolmogorov–Smirnov p-value, marked when it is a bound.
    public init(command: String, quantity: String, ks: KolmogorovSmirnov.Result) {
        self.init(command: command, quantity: quantity, value: ks.pValue, error: nil, sampleSize: ks.sampleSize, method: ks.method)
        isUpperBound = ks.isUpperBound
    }

    public init(command: String, quantity: String, estimate: Estimate, prediction: Double? = nil) {
        self.init(command: command, quantity: quantity, value: estimate.value, error: estimate.error,
                  sampleSize: estimate.sampleSize, method: estimate.method, prediction: prediction)
    }
}

/// What a command produced: text (shown and recorded; its numbers are what
/// replay compares), figures (text plot on the terminal, SVG in the note),
/// records (exported), and remarks (timings: shown and recorded, never compared).
public struct CommandOutput: Sendable {
    public var lines: [String] = []
    public var figures: [(name: String, figure: Figure)] = []
    public var records: [ResultRecord] = []
    public var remarks: [String] = []
    /// Parameters to record differently from how they were typed (an interrupted
    /// training is recorded with the steps it completed, so a replay stops there).
    public var recordedParameters: [String: String] = [:]
    /// Positional values to record instead of those typed (a file path made
    /// relative to the note's folder, so the note replays from there).
    public var recordedPositional: [String]?
    /// Whether the command belongs in the note; nil: the usual rule (session
    /// commands like `load` do not; a `load` that restores results does).
    public var journaled: Bool?

    public init() {}

    public mutating func line(_ s: String) { lines.append(s) }
    public mutating func figure(_ name: String, _ f: Figure) { figures.append((name, f)) }
    public mutating func record(_ r: ResultRecord) { records.append(r) }
    public mutating func remark(_ s: String) { remarks.append(s) }
}

/// Receives progress of long commands (the executable draws a bar on a TTY).
public protocol ProgressReporter: AnyObject {
    func update(label: String, fraction: Double, detail: String)
    func finish()
}
