// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Testing

/// Numbers are read exactly and in decimal only; errors never echo raw control
/// characters.
@Suite("Parsing numbers and escaping errors")
struct ParsingTests {
    private func bind(_ line: String) throws(NotebookError) -> Arguments {
        guard case .command(let raw) = try Lexer.parse(line), let command = Notebook.command(named: raw.name) else {
            throw NotebookError("not a known command: \(line)")
        }
        return try command.spec.bind(raw)
    }

    private func error(_ line: String) -> NotebookError? {
        do { _ = try bind(line); return nil } catch { return error }
    }

    // MARK: whole numbers

    @Test(arguments: [
        ("0", 0), ("16", 16), ("+16", 16), ("-3", -3), ("007", 7), ("1e4", 10_000), ("1E4", 10_000), ("5e3", 5000),
        ("2.50e2", 250), ("100e-2", 1), ("0.5e1", 5), (".5e1", 5), ("5.", 5), ("2.0", 2), ("-0", 0), ("0e999999999999999999999", 0),
        ("1e18", 1_000_000_000_000_000_000), ("9007199254740993", 9_007_199_254_740_993),  // 2⁵³ + 1: no Double holds it
        ("9223372036854775807", Int.max), ("9.223372036854775807e18", Int.max), ("-9223372036854775808", Int.min),
        ("00000000000000000000000000009223372036854775807", Int.max), ("9223372036854775807000e-3", Int.max),
    ])
    func wholeNumbersAreExact(text: String, value: Int) {
        #expect(DecimalNumber(text)?.integer == .exact(value))
    }

    @Test(arguments: ["1.5", "1e-3", "0.1", "9223372036854775807.5", "1e-99999999999999999999", "12345678901234567891e-1"])
    func fractionsAreNotWhole(text: String) {
        #expect(DecimalNumber(text)?.integer == .notWhole)
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "1e19", "99999999999999999999", "1e999999999999999999", "1e1000000"])
    func wholeNumbersBeyondIntAreOutOfRange(text: String) {
        #expect(DecimalNumber(text)?.integer == .tooLarge)
    }

    // MARK: what is not a number

    @Test(arguments: ["0x10", "0X10", "0x1p-3", "inf", "-inf", "+infinity", "Infinity", "nan", "NaN", "-nan", "nan(0x1)",
                      "", "+", "-", ".", "e5", "1e", "1e+", "1e-", "1_000", "1,5", "0b1", "0o7", "1..2", "1.2.3", "--1",
                      " 1", "1 ", "1\t", "١٢", "１６", "1e5x", "½", "²"])
    func nonDecimalFormsAreRefused(text: String) {
        #expect(DecimalNumber(text) == nil)
    }

    @Test func realsRoundOnceAndRefuseOverflow() {
        for text in ["0.1", "1e-12", "2.5E-3", "123456789.123456789", "4.9e-324", "1.7976931348623157e308", "-0.01", ".5", "5.", "-.5e-3", "+2.", "0e0"] {
            #expect(DecimalNumber(text)?.double == Double(text) && Double(text) != nil, "\(text)")
        }
        #expect(DecimalNumber("1e400")?.double == nil)
        #expect(DecimalNumber("-1e400")?.double == nil)
        #expect(DecimalNumber("1e-400")?.double == 0)
    }

    // MARK: through the schema (the reproductions)

    @Test func theLargestSeedHelpStatesIsAccepted() throws {
        #expect(try bind("train seed=9223372036854775807").integer("seed") == Int.max)
        #expect(try bind("train seed=9007199254740993").integer("seed") == 9_007_199_254_740_993)
        #expect(try bind("train seed=9e15").integer("seed") == 9_000_000_000_000_000)
        #expect(try bind("train seed=1e18").integer("seed") == 1_000_000_000_000_000_000)
        let above = error("train seed=9223372036854775808")
        #expect(above?.message.contains("out of range") == true)
        #expect(above?.suggestion?.contains("9223372036854775807") == true)
        #expect(error("train seed=-1")?.message.contains("out of range") == true)
        #expect(error("train seed=1e19")?.message.contains("out of range") == true)
    }

    @Test func theLargestSeedTrains() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 3))
        nb.run("model ts")
        let out = nb.run("train steps=20 runs=2 seed=9223372036854775807")
        #expect(out.lines.contains { $0.contains("seed=9223372036854775807") })
    }

    @Test func integersAreStillWrittenAsBefore() throws {
        let a = try bind("train steps=1e4 runs=2.0e2 batch=16")
        #expect(a.integer("steps") == 10_000 && a.integer("runs") == 200 && a.integer("batch") == 16)
        #expect(error("train steps=1.5")?.message.contains("not a whole number") == true)
        #expect(error("train steps=abc")?.message.contains("not a number") == true)
    }

    @Test(arguments: ["train steps=0x10", "train steps=0X10", "train runs=inf", "train lr=inf", "train lr=nan", "train lr=0x1p-3",
                      "train lr=Infinity", "model ts noise=nan", "model ts teacher=1,0x2", "model ts teacher=1,inf", "train steps=1_000"])
    func hexInfinityAndNaNAreRefused(line: String) {
        let e = error(line)
        #expect(e?.message.contains("not a decimal number") == true, "\(line): \(String(describing: e))")
        #expect(e?.message.contains("e.g. 16, 1e4 or 0.01") == true)
    }

    @Test func overflowingRealsAreRefusedNotInfinite() {
        #expect(error("train lr=1e400")?.message.contains("too large") == true)
        #expect(error("model ts teacher=1,1e999")?.message.contains("too large") == true)
    }

    // MARK: escaping

    @Test func escapingShowsWhatATerminalWouldActOn() {
        #expect(Escaped.text("plain ⟨S⟩ α/|B| r̃ ✓") == "plain ⟨S⟩ α/|B| r̃ ✓")
        #expect(Escaped.text("a\u{1B}[2Jb") == "a\\u{1B}[2Jb")
        #expect(Escaped.text("x\ry\nz\tw\0") == "x\\ry\\nz\\tw\\0")
        #expect(Escaped.text("\u{7F}\u{9B}\u{85}") == "\\u{7F}\\u{9B}\\u{85}")
        #expect(Escaped.text("abc\u{202E}fed\u{2066}") == "abc\\u{202E}fed\\u{2066}")
        #expect(Escaped.text("back\\slash") == "back\\slash")
        let once = Escaped.text("\u{1B}]0;title\u{07}")
        #expect(once == "\\u{1B}]0;title\\u{7}")
        #expect(Escaped.text(once) == once)
    }

    /// Every character a line can carry, as the only content of a value, a key, a
    /// command name and a file name: the error's message and hint hold no control
    /// or bidirectional-override character.
    @Test func errorsThatEchoInputEscapeIt() {
        let nasty = ["\u{1B}[2J", "\u{1B}]0;pwned\u{07}", "\r", "\u{9B}31m", "\u{202E}", "\u{7F}", "\u{8}\u{8}"]
        let nb = Notebook(front: Notebook.frontMatter(seed: 3))
        func clean(_ e: NotebookError?, _ line: String) {
            guard let e else { Issue.record("\(line.debugDescription) did not fail"); return }
            let text = e.description
            #expect(!text.unicodeScalars.contains { Escaped.needsEscape($0) && $0 != "\n" }, "\(line.debugDescription) → \(text.debugDescription)")
            #expect(!e.message.unicodeScalars.contains(where: Escaped.needsEscape))
            #expect(e.suggestion.map { !$0.unicodeScalars.contains(where: Escaped.needsEscape) } ?? true)
        }
        for bad in nasty {
            for line in ["train steps=1\(bad)", "train lr=\(bad)", "train \(bad)x=1", "tr\(bad)ain", "\(bad)train", "train x\(bad)",
                         "model ts teacher=1,\(bad)", "model x\(bad)", "spacing of=r\(bad)", "train seed=\(bad)9"] {
                clean(nb.execute(line).compactMap { if case .failure(let e) = $0 { return e } else { return nil } }.first, line)
            }
        }
        // Errors raised from the lexer and the workspace go through the same door.
        do { _ = try Lexer.parse("1\u{1B}[2J"); clean(nil, "lexer") } catch { clean(error, "lexer") }
        do { _ = try Workspace(sessionSeed: 1).result(named: "x\u{1B}[2J"); clean(nil, "workspace") } catch { clean(error, "workspace") }
    }
}
