// SPDX-License-Identifier: GPL-3.0-or-later
import Plot

/// The Markdown of a note's prose as HTML, for `dyson convert`.
///
/// A note may come from a stranger, so the page must not run anything it
/// carries: this renders a safe subset and escapes every other character.
/// Understood: ATX headings (`#` … `######`), paragraphs, bullet (`-`, `*`,
/// `+`) and numbered lists (one level), block quotes, fenced code blocks,
/// horizontal rules, and inline `code`, **strong**, *emphasis* / _emphasis_
/// and [links](url) whose URL is http(s), mailto or relative. Raw HTML is
/// shown as text, never passed through; a link to `javascript:` or `data:`
/// is shown as its text alone.
public enum SafeMarkdown {
    /// `text` with `& < > " '` escaped, for element content and quoted attributes.
    public static func escape(_ text: String) -> String { SVGRenderer.escape(text) }

    /// Block-level rendering of a Markdown text.
    public static func html(_ markdown: String) -> String {
        var out = [String]()
        var paragraph = [String]()
        var list: (ordered: Bool, items: [String])?
        var quote = [String]()
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]

        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + inline(paragraph.joined(separator: "\n")) + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let l = list {
                let tag = l.ordered ? "ol" : "ul"
                out.append("<\(tag)>" + l.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>")
            }
            list = nil
        }
        func flushQuote() {
            if !quote.isEmpty { out.append("<blockquote>" + html(quote.joined(separator: "\n")) + "</blockquote>") }
            quote = []
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote() }

        while let line = lines.popFirst() {
            let trimmed = line.trimmingLeadingSpaces()
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flushAll()
                let fence = String(trimmed.prefix(3))
                var code = [String]()
                while let c = lines.popFirst(), !c.trimmingLeadingSpaces().hasPrefix(fence) { code.append(c) }
                out.append("<pre><code>" + escape(code.joined(separator: "\n")) + "</code></pre>")
            } else if trimmed.isEmpty {
                flushAll()
            } else if let (level, title) = heading(trimmed) {
                flushAll()
                out.append("<h\(level)>" + inline(title) + "</h\(level)>")
            } else if trimmed.allSatisfy({ $0 == "-" || $0 == " " }) && trimmed.filter({ $0 == "-" }).count >= 3 && paragraph.isEmpty {
                flushAll()
                out.append("<hr>")
            } else if trimmed.hasPrefix(">") {
                flushParagraph(); flushList()
                quote.append(String(trimmed.dropFirst()).trimmingLeadingSpaces())
            } else if let (ordered, item) = listItem(trimmed) {
                flushParagraph(); flushQuote()
                if list == nil || list?.ordered != ordered { flushList(); list = (ordered, []) }
                list?.items.append(item)
            } else if list != nil && line.hasPrefix("  ") {
                // A continuation line of the current list item.
                list!.items[list!.items.count - 1] += "\n" + trimmed
            } else {
                flushList(); flushQuote()
                paragraph.append(line)
            }
        }
        flushAll()
        return out.joined(separator: "\n")
    }

    static func heading(_ line: String) -> (Int, String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " else { return nil }
        var title = String(rest).trimmingLeadingSpaces()
        while title.hasSuffix("#") || title.hasSuffix(" ") { title.removeLast() }
        return (hashes, title)
    }

    static func listItem(_ line: String) -> (ordered: Bool, String)? {
        if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " {
            return (false, String(line.dropFirst(2)))
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9 {
            let rest = line.dropFirst(digits.count)
            if let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " {
                return (true, String(rest.dropFirst(2)))
            }
        }
        return nil
    }

    /// Inline rendering: code spans first (their content is literal), then
    /// links, strong and emphasis, on escaped text.
    public static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            let run = rest[tick...].prefix { $0 == "`" }
            let after = rest[run.endIndex...]
            guard let close = after.range(of: String(run)) else { break }
            out += spans(rest[..<tick])
            out += "<code>" + escape(String(after[..<close.lowerBound])) + "</code>"
            rest = after[close.upperBound...]
        }
        return out + spans(rest)
    }

    /// Links, strong and emphasis in text without code spans.
    static func spans(_ text: Substring) -> String {
        var out = ""
        var rest = text
        while let open = rest.firstIndex(of: "[") {
            guard let close = rest[open...].firstIndex(of: "]"),
                  rest[close...].dropFirst().first == "(",
                  let end = matchingParenthesis(rest[rest.index(close, offsetBy: 2)...]) else { break }
            let label = rest[rest.index(after: open)..<close]
            let target = rest[rest.index(close, offsetBy: 2)..<end].trimmingCharacters(in: .whitespaces)
            out += emphasis(escape(String(rest[..<open])))
            if isSafeLink(target) {
                out += "<a href=\"\(escape(target))\">" + emphasis(escape(String(label))) + "</a>"
            } else {
                out += emphasis(escape(String(label)))
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + emphasis(escape(String(rest)))
    }

    /// The `)` closing a link target that starts right after its `(`,
    /// with balanced parentheses inside (as CommonMark reads them).
    static func matchingParenthesis(_ text: Substring) -> Substring.Index? {
        var depth = 0
        for i in text.indices {
            switch text[i] {
            case "(": depth += 1
            case ")": if depth == 0 { return i }; depth -= 1
            default: break
            }
        }
        return nil
    }

    /// Whether a link target may appear in an href: http(s), mailto, an
    /// in-page anchor or a relative path (no scheme at all).
    static func isSafeLink(_ target: String) -> Bool {
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:") || lower.hasPrefix("#") { return true }
        guard let colon = lower.firstIndex(of: ":") else { return !lower.isEmpty }
        // A colon after the first slash is part of a path, not a scheme.
        if let slash = lower.firstIndex(of: "/"), slash < colon { return true }
        return false
    }

    /// `**strong**`, `*emphasis*` and `_emphasis_` (underscores only at word
    /// boundaries, so snake_case names stay as they are), on escaped text.
    static func emphasis(_ escaped: String) -> String {
        var s = replacePairs(escaped, marker: "**", tag: "strong", wordBoundary: false)
        s = replacePairs(s, marker: "*", tag: "em", wordBoundary: false)
        return replacePairs(s, marker: "_", tag: "em", wordBoundary: true)
    }

    static func replacePairs(_ text: String, marker: String, tag: String, wordBoundary: Bool) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: marker) {
            let before = rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            let previous = before.last ?? (out.last ?? " ")
            let openOK = leftFlanking(previous: previous, next: afterOpen.first)
                && (!wordBoundary || !isWordCharacter(previous))
            guard openOK, let close = closing(afterOpen, marker: marker, wordBoundary: wordBoundary) else {
                out += rest[..<open.upperBound]
                rest = afterOpen
                continue
            }
            out += before + "<\(tag)>" + afterOpen[..<close.lowerBound] + "</\(tag)>"
            rest = afterOpen[close.upperBound...]
        }
        return out + rest
    }

    static func closing(_ text: Substring, marker: String, wordBoundary: Bool) -> Range<Substring.Index>? {
        var search = text
        while let r = search.range(of: marker) {
            let inner = text[..<r.lowerBound]
            let next = text[r.upperBound...].first
            if let last = inner.last, rightFlanking(previous: last, next: next),
               !wordBoundary || !(next.map(isWordCharacter) ?? false) {
                return r
            }
            search = text[r.upperBound...]
        }
        return nil
    }

    /// CommonMark's left-flanking rule: not followed by white space, and
    /// followed by punctuation only when preceded by white space or punctuation
    /// (so the star of `x*)` opens nothing).
    static func leftFlanking(previous: Character, next: Character?) -> Bool {
        guard let next, !next.isWhitespace else { return false }
        return !isPunctuation(next) || previous.isWhitespace || isPunctuation(previous)
    }

    /// The mirror rule for a closing marker.
    static func rightFlanking(previous: Character, next: Character?) -> Bool {
        guard !previous.isWhitespace else { return false }
        guard isPunctuation(previous) else { return true }
        return next.map { $0.isWhitespace || isPunctuation($0) } ?? true
    }

    /// Punctuation in CommonMark's sense: Unicode punctuation and symbols.
    static func isPunctuation(_ c: Character) -> Bool { c.isPunctuation || c.isSymbol }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber }
}

extension String {
    func trimmingLeadingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" })
    }
}
