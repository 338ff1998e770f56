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

/// Edit distance counting insertions, deletions, substitutions and swaps of
/// neighbours as one each (optimal string alignment), for did-you-mean.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[x.count][y.count]
}

/// The closest candidate within a small edit distance (or sharing the prefix).
func closest(_ word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    if best.1 <= max(1, word.count / 3) { return best.0 }
    return candidates.first { $0.hasPrefix(word) && !word.isEmpty }
}
