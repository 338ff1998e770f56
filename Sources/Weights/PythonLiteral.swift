// SPDX-License-Identifier: GPL-3.0-or-later

/// The small part of Python's literal syntax that a `.npy` header uses: a dict
/// of quoted strings, `True`/`False`/`None`, integers and tuples (lists too, for
/// structured dtypes, which are then refused). Parsed, never evaluated.
enum PythonLiteral {
    case string(String)
    case bool(Bool)
    case noneValue
    /// A whole number; nil when it does not fit in an Int (a hostile shape).
    case integer(Int?)
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Keys and values in the order written.
    case dict(keys: [String], values: [PythonLiteral])


    /// Parses `text` (one literal, surrounding whitespace allowed). Nesting is
    /// limited to 32 levels, so a hostile header cannot exhaust the stack.
    static func parse(_ text: String) throws(PythonSyntaxError) -> PythonLiteral {
        var p = PythonLiteralParser(chars: Array(text.unicodeScalars))
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.chars.count else { throw PythonSyntaxError(why: "unexpected text after the dict") }
        return v
    }
}

struct PythonLiteralParser {
    let chars: [Unicode.Scalar]
    var i = 0

    mutating func skipSpace() { while i < chars.count, chars[i].properties.isWhitespace { i += 1 } }

    mutating func value(depth: Int) throws(PythonSyntaxError) -> PythonLiteral {
        guard depth < 32 else { throw PythonSyntaxError(why: "nested too deeply") }
        skipSpace()
        guard i < chars.count else { throw PythonSyntaxError(why: "unexpected end") }
        switch chars[i] {
        case "{":
            i += 1
            var keys = [String](), values = [PythonLiteral]()
            while true {
                skipSpace()
                if i < chars.count, chars[i] == "}" { i += 1; return .dict(keys: keys, values: values) }
                guard case .string(let key) = try value(depth: depth + 1) else { throw PythonSyntaxError(why: "a dict key is not a string") }
                skipSpace()
                guard i < chars.count, chars[i] == ":" else { throw PythonSyntaxError(why: "expected ':' after '\(key)'") }
                i += 1
                keys.append(key)
                    values.append(try value(depth: depth + 1))
                skipSpace()
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == "}" else { throw PythonSyntaxError(why: "expected ',' or '}'") }
            }
        case "(", "[":
            let close: Unicode.Scalar = chars[i] == "(" ? ")" : "]"
            let isTuple = chars[i] == "("
            i += 1
            var items = [PythonLiteral]()
            while true {
                skipSpace()
                if i < chars.count, chars[i] == close { i += 1; break }
                items.append(try value(depth: depth + 1))
                skipSpace()
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == close else { throw PythonSyntaxError(why: "expected ',' or '\(close)'") }
            }
            return isTuple ? .tuple(items) : .list(items)
        case "'", "\"":
            let quote = chars[i]
            i += 1
            var s = String.UnicodeScalarView()
            while i < chars.count, chars[i] != quote {
                if chars[i] == "\\" { i += 1; guard i < chars.count else { break } }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw PythonSyntaxError(why: "unterminated string") }
            i += 1
            return .string(String(s))
        case "0"..."9", "-", "+":
            let negative = chars[i] == "-"
            if chars[i] == "-" || chars[i] == "+" { i += 1 }
            var v: Int? = 0
            var digits = 0
            while i < chars.count, chars[i].value >= 48 && chars[i].value <= 57 {
                let d = Int(chars[i].value) - 48
                if let x = v {
                    let (m, o1) = x.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(d)
                    v = o1 || o2 ? nil : a
                }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw PythonSyntaxError(why: "a sign without digits") }
            if i < chars.count, chars[i] == "L" { i += 1 }  // Python 2 long, in old headers
            return .integer(v.map { negative ? -$0 : $0 })
        default:
            var word = ""
            while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" { word.unicodeScalars.append(chars[i]); i += 1 }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .noneValue
            default: throw PythonSyntaxError(why: word.isEmpty ? "unexpected character '\(chars[i])'" : "unexpected word '\(word)'")
            }
        }
    }
}

/// Why a header is not a Python literal.
struct PythonSyntaxError: Error { let why: String }
