// SPDX-License-Identifier: GPL-3.0-or-later

/// Why a numerical routine could not give an answer.
///
/// LAPACK reports failure through its `info` argument; these cases carry that
/// report as data so callers can print it, drop a run, or retry. Nothing in
/// Linalg traps on bad numerical input.
public enum LinalgError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input holds NaN or ±∞ (LAPACK's answer would be meaningless).
    case nonFiniteInput(operation: String)
    /// The operation needs a square matrix.
    case notSquare(operation: String, rows: Int, cols: Int)
    /// The matrix given to a solver was not of the size it was built for.
    case wrongSize(operation: String, expected: String, got: String)
    /// Cholesky failed: the leading minor of this order is not positive.
    case notPositiveDefinite(order: Int)
    /// The inverse does not exist: a pivot of the factor is zero.
    case singular(order: Int)
    /// An iterative LAPACK routine did not converge (`info` > 0).
    case didNotConverge(routine: String, info: Int)
    /// LAPACK rejected an argument (`info` = −position); a bug in the caller.
    case illegalArgument(routine: String, position: Int)

    public var description: String {
        switch self {
        case .nonFiniteInput(let op):
            return "\(op): the matrix contains NaN or infinite entries"
        case .notSquare(let op, let r, let c):
            return "\(op) needs a square matrix, got \(r)×\(c)"
        case .wrongSize(let op, let expected, let got):
            return "\(op): expected a \(expected) matrix, got \(got)"
        case .notPositiveDefinite(let k):
            return "the matrix is not positive definite (leading minor of order \(k) is not positive)"
        case .singular(let k):
            return "the matrix is singular (pivot \(k) of its factor is zero)"
        case .didNotConverge(let routine, let info):
            return "\(routine) did not converge (info = \(info))"
        case .illegalArgument(let routine, let pos):
            return "\(routine): argument \(pos) was rejected (a bug in dyson; please report it)"
        }
    }
}

@inline(__always)
func allFinite(_ p: UnsafePointer<Double>, count: Int) -> Bool {
    // x − x is 0 for finite x and NaN for NaN/±∞; summing keeps the scan branch-free.
    var acc = 0.0
    for i in 0..<count { acc += p[i] - p[i] }
    return acc == 0
}

/// Maps a LAPACK `info` to an error (nil when info == 0).
func lapackError(_ routine: String, _ info: Int32, positive: (Int) -> LinalgError) -> LinalgError? {
    if info == 0 { return nil }
    if info < 0 { return .illegalArgument(routine: routine, position: Int(-info)) }
    return positive(Int(info))
}
