// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What a parameter accepts.
public enum ParameterKind: Sendable {
    /// A real number in the range.
    case real(ClosedRange<Double>)
    /// A whole number in the range (written 16, 1e4, 10000).
    case integer(ClosedRange<Int>)
    /// One of these words.
    case choice([String])
    /// Any word (a name, a file).
    case text
    /// Comma-separated real numbers, each in the range.
    case reals(ClosedRange<Double>)

    var describe: String {
        switch self {
        case .real(let r): return "a number in [\(Format.plain(r.lowerBound)), \(Format.plain(r.upperBound))]"
        case .integer(let r): return "a whole number from \(r.lowerBound) to \(r.upperBound)"
        case .choice(let c): return "one of " + c.joined(separator: ", ")
        case .text: return "a word"
        case .reals(let r): return "numbers separated by commas, each in [\(Format.plain(r.lowerBound)), \(Format.plain(r.upperBound))]"
        }
    }
}

/// One parameter of a command: everything parsing, help, completion and the
/// journal need to know about it.
public struct ParameterSpec: Sendable {
    public let name: String
    public let kind: ParameterKind
    /// The default as the user would write it; nil if required or computed.
    public let defaultValue: String?
    public let unit: String?
    public let help: String

    public init(_ name: String, _ kind: ParameterKind, default defaultValue: String? = nil, unit: String? = nil, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.unit = unit
        self.help = help
    }
}

/// A parsed value.
public enum Value: Sendable, Equatable {
    case real(Double)
    case integer(Int)
    case word(String)
    case reals([Double])
}

/// A command's declaration: the single source for parsing, help and completion.
public struct CommandSpec: Sendable {
    public let name: String
    public let summary: String
    /// Positional words, in order (e.g. the model kind, a file name).
    public let positional: [ParameterSpec]
    /// key=value parameters. For commands whose parameters depend on the first
    /// positional word (model ts|rbm|dbm), `variants` maps that word to its set.
    public let parameters: [ParameterSpec]
    public let variants: [String: [ParameterSpec]]
    public let examples: [String]
    /// Whether it draws random numbers (and so gets a recorded seed).
    public let usesSeed: Bool
    /// Variants (first positional words) that draw nothing new and so record no
    /// seed (`train continue` goes on with the streams of the runs it continues).
    public let seedlessVariants: Set<String>

    /// Whether the command written with first positional word `first` gets a seed.
    public func usesSeed(for first: String?) -> Bool {
        usesSeed && !(first.map(seedlessVariants.contains) ?? false)
    }

    public init(name: String, summary: String, positional: [ParameterSpec] = [], parameters: [ParameterSpec] = [],
                variants: [String: [ParameterSpec]] = [:], examples: [String] = [], usesSeed: Bool = false,
                seedlessVariants: Set<String> = []) {
        self.seedlessVariants = seedlessVariants
        self.name = name
        self.summary = summary
        self.positional = positional
        // A command that draws random numbers always accepts seed= (the journal records it).
        self.parameters = usesSeed && !parameters.contains(where: { $0.name == "seed" })
            ? parameters + [ParameterSpec("seed", .integer(0...Int(Int64.max)), help: "random seed (default: derived from the session seed and the command's position)")]
            : parameters
        self.variants = variants
        self.examples = examples
        self.usesSeed = usesSeed
    }

    /// The parameters valid after positional word `first` (all of them if no variants).
    public func parameters(for first: String?) -> [ParameterSpec] {
        if let first, let v = variants[first] { return v + parameters }
        return variants.isEmpty ? parameters : parameters + Array(variants.values.joined())
    }

    /// Parses a raw command against this declaration: names checked (with
    /// did-you-mean), values typed and range-checked, defaults filled in.
    public func bind(_ raw: RawCommand) throws(NotebookError) -> Arguments {
        var positionalValues = [String: Value]()
        guard raw.positional.count <= positional.count else {
            let extra = raw.positional[positional.count]
            let hint = parameters(for: raw.positional.first).contains { $0.name == extra }
                ? "write \(extra)=VALUE" : "usage: \(usage)"
            throw NotebookError("\(name) does not take '\(extra)' here", suggestion: hint)
        }
        for (spec, word) in zip(positional, raw.positional) {
            positionalValues[spec.name] = try Self.convert(word, for: spec, command: name)
        }
        for spec in positional.dropFirst(raw.positional.count) {
            if let d = spec.defaultValue { positionalValues[spec.name] = try Self.convert(d, for: spec, command: name) }
        }
        let first: String? = positional.first.flatMap { if case .word(let w)? = positionalValues[$0.name] { return w } else { return nil } }
        let valid = parameters(for: first)
        var values = [String: Value]()
        var given = [String]()
        for (key, text) in raw.arguments {
            let key = key.lowercased()
            guard let spec = valid.first(where: { $0.name == key }) else {
                var seen = Set<String>()
                let names = valid.map(\.name).filter { seen.insert($0).inserted }
                let suggestion = closest(key, among: names).map { "did you mean \($0)=?" }
                    ?? "\(name)\(first.map { " " + $0 } ?? "") takes " + (names.isEmpty ? "no parameters" : names.joined(separator: ", "))
                throw NotebookError("\(name)\(first.map { " " + $0 } ?? "") has no parameter '\(key)'", suggestion: suggestion)
            }
            guard values[key] == nil else { throw NotebookError("\(key) is given twice", suggestion: "keep one \(key)=…") }
            values[key] = try Self.convert(text, for: spec, command: name)
            given.append(key)
        }
        for spec in valid where values[spec.name] == nil {
            if let d = spec.defaultValue { values[spec.name] = try Self.convert(d, for: spec, command: name) }
        }
        return Arguments(command: name, positional: positionalValues, values: values, given: given, raw: raw)
    }

    static func convert(_ text: String, for spec: ParameterSpec, command: String) throws(NotebookError) -> Value {
        func bad(_ why: String) -> NotebookError {
            NotebookError("\(spec.name)=\(text) is not valid for \(command): \(why)", suggestion: "\(spec.name) takes \(spec.kind.describe)")
        }
        switch spec.kind {
        case .real(let range):
            guard let number = DecimalNumber(text) else { throw bad(DecimalNumber.rejection(text)) }
            guard let v = number.double else { throw bad("too large") }
            guard range.contains(v) else { throw bad("out of range") }
            return .real(v)
        case .integer(let range):
            guard let number = DecimalNumber(text) else { throw bad(DecimalNumber.rejection(text)) }
            switch number.integer {
            case .notWhole: throw bad("not a whole number")
            case .tooLarge: throw bad("out of range")
            case .exact(let v):
                guard range.contains(v) else { throw bad("out of range") }
                return .integer(v)
            }
        case .choice(let choices):
            let w = text.lowercased()
            guard choices.contains(w) else {
                let hint = closest(w, among: choices).map { "did you mean \($0)?" } ?? "choose one of \(choices.joined(separator: ", "))"
                throw NotebookError("'\(text)' is not a valid \(spec.name) for \(command)", suggestion: hint)
            }
            return .word(w)
        case .text:
            return .word(text)
        case .reals(let range):
            var out = [Double]()
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let number = DecimalNumber(part) else { throw bad("'\(part)' is \(DecimalNumber.rejection(part))") }
                guard let v = number.double else { throw bad("\(part) is too large") }
                guard range.contains(v) else { throw bad("\(part) is out of range") }
                out.append(v)
            }
            return .reals(out)
        }
    }

    /// "train lr=… batch=… [steps=…]" style usage line.
    public var usage: String {
        var parts = [name]
        for p in positional { parts.append(p.defaultValue == nil ? p.name.uppercased() : "[\(p.name.uppercased())]") }
        if !variants.isEmpty || !parameters.isEmpty { parts.append("[name=value …]") }
        return parts.joined(separator: " ")
    }
}

/// A command's typed arguments.
public struct Arguments: Sendable {
    public let command: String
    public let positional: [String: Value]
    public let values: [String: Value]
    /// Parameter names the user wrote, in order.
    public let given: [String]
    public let raw: RawCommand

    public func real(_ name: String) -> Double? {
        switch values[name] ?? positional[name] {
        case .real(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }

    public func integer(_ name: String) -> Int? {
        if case .integer(let v)? = values[name] ?? positional[name] { return v }
        return nil
    }

    public func word(_ name: String) -> String? {
        if case .word(let w)? = values[name] ?? positional[name] { return w }
        return nil
    }

    public func reals(_ name: String) -> [Double]? {
        switch values[name] {
        case .reals(let v)?: return v
        case .real(let v)?: return [v]
        default: return nil
        }
    }

    public func has(_ name: String) -> Bool { given.contains(name) }
}

/// A number as the language writes it: decimal digits only,
///
///     [+|-] digits [. [digits]] [(e|E) [+|-] digits]     or     [+|-] . digits [exponent]
///
/// (`16`, `1e4`, `0.01`, `.5`, `2.5E-3`). Hexadecimal (`0x10`), `inf`, `nan`,
/// spaces and underscores are not numbers here, although Swift's `Double(_:)`
/// reads some of them.
///
/// The value is kept as written, ±digits × 10^exponent, so a whole number is
/// read exactly from its digits (every Int, including 9223372036854775807,
/// which a Double cannot hold: above 2⁵³ ≈ 9e15 Doubles skip integers), and
/// `1e4` or `2.50e2` is whole when its decimal value is. A real is rounded once,
/// correctly, by `Double(_:)`.
struct DecimalNumber: Equatable {
    let negative: Bool
    /// The significant digits, without leading zeros ("" for zero).
    let digits: Substring
    /// The value is ±digits × 10^exponent. Written exponents beyond ±10⁹ are
    /// clamped there (such numbers are 0-like or overflow alike).
    let exponent: Int
    /// The checked text, for `Double(_:)`.
    private let text: Substring

    private static let exponentLimit = 1_000_000_000

    init?(_ text: some StringProtocol) {
        let s = Substring(text)
        var i = s.startIndex
        func digitRun() -> Substring {
            let start = i
            while i < s.endIndex, let a = s[i].asciiValue, a >= 48 && a <= 57 { i = s.index(after: i) }
            return s[start..<i]
        }
        func sign() -> Bool {
            guard i < s.endIndex, s[i] == "+" || s[i] == "-" else { return false }
            defer { i = s.index(after: i) }
            return s[i] == "-"
        }
        let negative = sign()
        let whole = digitRun()
        var fraction: Substring = ""
        if i < s.endIndex, s[i] == "." { i = s.index(after: i); fraction = digitRun() }
        guard !whole.isEmpty || !fraction.isEmpty else { return nil }
        var written = 0
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            i = s.index(after: i)
            let minus = sign()
            let e = digitRun()
            guard !e.isEmpty else { return nil }
            let magnitude = min(Int(e) ?? Self.exponentLimit, Self.exponentLimit)
            written = minus ? -magnitude : magnitude
        }
        guard i == s.endIndex else { return nil }
        // The fraction's digits move into the significand: 2.50e2 = 250 × 10^0.
        self.negative = negative
        self.digits = Substring((String(whole) + String(fraction)).drop { $0 == "0" })
        self.exponent = written - fraction.count
        self.text = s
    }

    /// Why text that is not a `DecimalNumber` was refused: "not a number", or for
    /// what other tools read as one (0x10, inf, nan, 1_000) what to write instead.
    static func rejection(_ text: some StringProtocol) -> String {
        Double(String(text)) != nil || text.contains("_")
            ? "not a decimal number (write it with decimal digits, e.g. 16, 1e4 or 0.01)" : "not a number"
    }

    /// The nearest Double; nil beyond the largest finite one (≈ ±1.8e308).
    var double: Double? {
        guard let v = Double(text), v.isFinite else { return nil }
        return v
    }

    enum IntegerValue: Equatable {
        case exact(Int)
        /// It has a fractional part (1.5, 1e-3).
        case notWhole
        /// Whole, but outside Int.min ... Int.max.
        case tooLarge
    }

    /// The whole number written, exactly, if it is one.
    var integer: IntegerValue {
        if digits.isEmpty { return .exact(0) }
        var significand = digits, e = exponent
        // Trailing zeros of the significand absorb a negative exponent.
        while e < 0, significand.last == "0" { significand = significand.dropLast(); e += 1 }
        guard e >= 0 else { return .notWhole }
        guard significand.count + e <= 19 else { return .tooLarge }
        // Accumulated as a negative Int, so that Int.min fits too.
        var v = 0
        for d in significand {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.subtractingReportingOverflow(Int(d.asciiValue! - 48))
            if o1 || o2 { return .tooLarge }
            v = a
        }
        for _ in 0..<e {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            if o { return .tooLarge }
            v = m
        }
        if negative { return .exact(v) }
        return v == Int.min ? .tooLarge : .exact(-v)
    }
}
