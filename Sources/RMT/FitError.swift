// SPDX-License-Identifier: GPL-3.0-or-later

/// Why a fit could not be made from the data it was given.
///
/// The fits in RMT (``LeastSquares``, ``DensityFit``) throw this instead of
/// trapping: a sample that is too small, has no spread, or holds non-finite
/// values is a property of the data a user trained, not a programming error.
/// The caller decides what to tell the user; `reason` says what was missing,
/// `message` says it in a sentence that can be shown as is.
///
/// The preconditions left in RMT check what a caller chooses, not what data
/// hold: a law's β, a block's indices, a law's width (the fits return only
/// positive finite widths, so a law built from a fit is always valid).
public struct FitError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Fewer values than the fit needs (`needed`, `got`).
        case tooFewValues(needed: Int, got: Int)
        /// Inputs that should pair up have different lengths.
        case mismatchedLengths
        /// A value is NaN or infinite.
        case nonFinite
        /// The values carry no information for the fit: all equal, all x zero,
        /// or an error that is zero or negative.
        case degenerate
        /// A parameter of the fit itself is outside its domain (e.g. block size 1).
        case invalidParameter
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }

    /// Throws ``Reason/tooFewValues(needed:got:)`` when `count < needed`.
    static func require(_ count: Int, atLeast needed: Int, _ what: String) throws(FitError) {
        guard count >= needed else {
            throw FitError(.tooFewValues(needed: needed, got: count), "\(what): need at least \(needed) values, got \(count)")
        }
    }

    /// Throws ``Reason/nonFinite`` when a value is NaN or infinite.
    static func requireFinite(_ values: [Double], _ what: String) throws(FitError) {
        guard values.allSatisfy(\.isFinite) else {
            throw FitError(.nonFinite, "\(what): \(values.filter { !$0.isFinite }.count) of \(values.count) values are not finite")
        }
    }
}
