// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// A line of dyson's language: `command word … key=value … # comment`.
///
/// Values are numbers (`1e5`, `0.01`, `16`), words (`rbm`, `shared`, file names),
/// or comma lists (`lr=0.01,0.02`). A line that starts with `#` is prose.
public enum ParsedLine: Equatable, Sendable {
    case empty
    case prose(String)
    case command(RawCommand)
}

/// A command as written, before the schema gives its words meaning.
public struct RawCommand: Equatable, Sendable {
    public let name: String
    /// Words without `=`, in order (e.g. `spectra out.csv` after `export`).
    public let positional: [String]
    /// key=value pairs in order, keys as written.
    public let arguments: [(key: String, value: String)]
    public let comment: String?

    public static func == (a: RawCommand, b: RawCommand) -> Bool {
        a.name == b.name && a.positional == b.positional && a.comment == b.comment
            && a.arguments.map(\.key) == b.arguments.map(\.key) && a.arguments.map(\.value) == b.arguments.map(\.value)
    }
}

public enum Lexer {
    /// Splits a line into its command, positional words and key=value pairs.
    /// Words may be quoted with "…" to hold spaces.
    public static func parse(_ text: String) throws(NotebookError) -> ParsedLine {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .empty }
        if trimmed.hasPrefix("#") {
            return .prose(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces))
        }
        var body = trimmed, comment: String?
        if let hash = unquotedHash(in: trimmed) {
            body = String(trimmed[..<hash]).trimmingCharacters(in: .whitespaces)
            comment = String(trimmed[trimmed.index(after: hash)...]).trimmingCharacters(in: .whitespaces)
        }
        let words = try split(body)
        guard let name = words.first else { return .empty }
        guard name.first?.isLetter == true, !name.contains("=") else {
            throw NotebookError("a line must start with a command name, not '\(name)'", suggestion: "type help for the list of commands")
        }
        var positional = [String](), arguments = [(key: String, value: String)]()
        for word in words.dropFirst() {
            if let eq = word.firstIndex(of: "="), eq != word.startIndex {
                let key = String(word[..<eq]), value = String(word[word.index(after: eq)...])
                guard !value.isEmpty else {
                    throw NotebookError("'\(key)=' has no value", suggestion: "write \(key)=VALUE without spaces around =")
                }
                arguments.append((key, value))
            } else if word.hasPrefix("=") {
                throw NotebookError("'\(word)': a value without a parameter name", suggestion: "write name=value without spaces")
            } else {
                positional.append(word)
            }
        }
        return .command(RawCommand(name: name.lowercased(), positional: positional, arguments: arguments, comment: comment))
    }

    static func unquotedHash(in s: String) -> String.Index? {
        var quoted = false
        for i in s.indices {
            if s[i] == "\"" { quoted.toggle() }
            if s[i] == "#" && !quoted { return i }
        }
        return nil
    }

    static func split(_ s: String) throws(NotebookError) -> [String] {
        var words = [String](), current = "", quoted = false, inWord = false
        for ch in s {
            if ch == "\"" { quoted.toggle(); inWord = true; continue }
            if ch.isWhitespace && !quoted {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(ch); inWord = true
            }
        }
        if quoted { throw NotebookError("a quote \" is not closed", suggestion: "close it, or leave quotes out of names without spaces") }
        if inWord { words.append(current) }
        return words
    }
}
