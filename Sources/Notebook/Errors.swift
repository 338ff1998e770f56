// SPDX-License-Identifier: GPL-3.0-or-later

/// Something the user asked for that cannot be done, with what would work.
/// Errors are data: the notebook prints them and carries on; nothing is lost.
///
/// Messages echo what the user (or a stranger's note) wrote, so both texts
/// pass through `Escaped.text` here, once for every error: control characters
/// and bidirectional overrides never reach a terminal raw.
public struct NotebookError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let suggestion: String?

    public init(_ message: String, suggestion: String? = nil) {
        self.message = Escaped.text(message)
        self.suggestion = suggestion.map(Escaped.text)
    }

    public var description: String {
        suggestion.map { "error: \(message)\n  hint: \($0)" } ?? "error: \(message)"
    }
}

/// Text made safe to print: what a terminal would act on instead of showing is
/// written as an escape, the way Swift writes it in a literal.
///
/// - C0 and C1 control characters and DEL: `\n`, `\r`, `\t`, `\0`, others
///   `\u{1B}` (ESC), `\u{7F}`, `\u{9B}` (a one-byte CSI on some terminals).
/// - Bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
///   U+2066–U+2069), which reorder what follows on screen.
///
/// Everything else is kept, including a backslash, so escaping escaped text
/// changes nothing; printable Unicode (⟨S⟩, α/|B|, r̃) is untouched.
public enum Escaped {
    public static func text(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            guard needsEscape(u) else { out.unicodeScalars.append(u); continue }
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default: out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
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
