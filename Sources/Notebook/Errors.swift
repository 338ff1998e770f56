// SPDX-License-Identifier: GPL-3.0-or-later

/// Something the user asked for that cannot be done, with what would work.
/// Errors are data: the notebook prints them and carries on; nothing is lost.
public struct NotebookError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let suggestion: String?

    public init(_ message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        suggestion.map { "error: \(message)\n  hint: \($0)" } ?? "error: \(message)"
    }
}

/// Levenshtein distance, for did-you-mean suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    for i in 1...x.count {
        var current = [i] + Array(repeating: 0, count: y.count)
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[y.count]
}

/// The closest candidate within a small edit distance (or sharing the prefix).
func closest(_ word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    if best.1 <= max(1, word.count / 3) { return best.0 }
    return candidates.first { $0.hasPrefix(word) && !word.isEmpty }
}
