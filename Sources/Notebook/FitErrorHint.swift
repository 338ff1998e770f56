// SPDX-License-Identifier: GPL-3.0-or-later
import RMT

extension NotebookError {
    /// A fit that could not be made from a result, told as a notebook error: the
    /// fit's own sentence, and what to type about it. `tooFew` is the command
    /// that gives more values (more runs, or from= along the runs); the other
    /// reasons have their own remedy.
    init(_ error: FitError, tooFew: String) {
        let hint: String
        switch error.reason {
        case .tooFewValues: hint = tooFew
        case .degenerate: hint = "the levels have not spread apart: train longer (steps=…), or from non-zero weights (model … init=0.1)"
        case .nonFinite: hint = "some levels are not finite: train again with a smaller lr"
        case .mismatchedLengths, .invalidParameter: hint = "this is a bug in dyson: please report the commands that led here"
        }
        self.init(error.message, suggestion: hint)
    }
}
