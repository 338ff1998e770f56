// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import Notebook
import Testing

/// Printed numbers: no bare NaN, no −0, tables whose columns never run together.
@Suite("Formatting numbers and tables")
struct FormatTests {
    // MARK: NaN, infinity and negative zero

    @Test func nanIsNeverPrintedBare() {
        #expect(Format.value(.nan) == "n/a")
        #expect(Format.value(.nan, digits: 6, unavailable: "all spacings are zero") == "n/a (all spacings are zero)")
        #expect(Format.measured(.nan, 0.1) == "n/a")
        #expect(Format.measured(.nan, nil, unavailable: "no finite samples") == "n/a (no finite samples)")
        #expect(Format.measured(1.5, .nan) == "1.500 ± n/a")
        #expect(Format.measured(1.5, .infinity) == "1.500 ± ∞")
        #expect(Format.value(.infinity) == "∞" && Format.value(-.infinity) == "-∞")
        #expect(Format.plain(.nan) == "n/a" && Format.plain(-.infinity) == "-∞" && Format.plain(.infinity) == "∞")
        #expect(Format.unavailable() == "n/a" && Format.unavailable("why") == "n/a (why)")
    }

    @Test func valuesThatRoundToZeroHaveNoSign() {
        // The reproduction: `centre -0.000` from a fitted centre of −4e-5 ± 0.0012.
        #expect(Format.measured(-0.00004, 0.0012) == "0.0000 ± 0.0012")
        #expect(Format.measured(-0.0001, 0.01) == "0.000 ± 0.010")
        #expect(Format.measured(-0.0, 0.01) == "0.000 ± 0.010")
        #expect(Format.value(-0.0) == "0")
        #expect(Format.plain(-0.0) == "0")
        // Values that do not round to zero keep their sign.
        #expect(Format.measured(-0.0003, 0.0016) == "-0.0003 ± 0.0016")
        #expect(Format.measured(-0.004, 0.01) == "-0.004 ± 0.010")
        #expect(Format.value(-0.00042) == "-0.0004200")
        #expect(Format.value(-1e-9) == "-1.000e-09")
    }

    /// Over many magnitudes, digits and errors: no rendering reads "nan", "-0"
    /// followed by only zeros, or a number that differs from the value by more
    /// than its last digit.
    @Test func noNaNAndNoNegativeZeroAcrossMagnitudes() {
        var rng = Xoshiro256StarStar(seed: 29)
        let negativeZero = try! NSRegularExpression(pattern: "(^|[^0-9.])-0(\\.0*)?(?![0-9.])")
        for _ in 0..<20_000 {
            let v = rng.nextNormal() * pow(10, Double(Int(rng.next() % 24)) - 12)
            let e: Double? = rng.next() % 4 == 0 ? nil : abs(rng.nextNormal()) * pow(10, Double(Int(rng.next() % 24)) - 12)
            let digits = 2 + Int(rng.next() % 8)
            for text in [Format.value(v, digits: digits), Format.measured(v, e, digits: digits)] {
                #expect(!text.lowercased().contains("nan"))
                let ns = text as NSString
                #expect(negativeZero.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) == nil, "\(v) ± \(String(describing: e)): \(text)")
            }
            let shown = Replay.numbers([Format.value(v, digits: digits)])
            #expect(shown.count == 1 && abs(shown[0].0 - v) <= abs(v) * pow(10, 1 - Double(digits)))
        }
    }

    @Test func existingRenderingsAreUnchanged() {
        #expect(Format.measured(0.13512, 0.0041) == "0.1351 ± 0.0041")
        #expect(Format.measured(2.38204, 0.0069) == "2.3820 ± 0.0069")
        #expect(Format.measured(1.5, nil) == "1.500" && Format.measured(1.5, 0) == "1.500")
        #expect(Format.value(0.000625, digits: 4) == "0.0006250")
        #expect(Format.value(12345678, digits: 4) == "1.235e+07")
        #expect(Format.measured(4.521e-9, 9.2e-11) == "4.521e-09 ± 9.2e-11")
    }

    // MARK: tables

    /// The reproduction: the train table glued a long value ± error to the next
    /// column (`1.99999999719 ± 0.00002.000`).
    @Test func aLongValueWithItsErrorIsNeverGluedToTheNextColumn() {
        var t = TextTable([.init("level"), .init("⟨s⟩ at the end"), .init("target")])
        t.append(["0", "1.99999999719 ± 0.00002", "2.000"])
        t.append(["1", "2.0000000011 ± 0.0000000012", "2.000"])
        t.append(["12", "2.1", "2.000"])
        #expect(t.lines == [
            "level                 ⟨s⟩ at the end   target",
            "    0   1.99999999719 ± 0.00002         2.000",
            "    1    2.0000000011 ± 0.0000000012    2.000",
            "   12             2.1                   2.000",
        ])
        // Every number of every row is read back on its own (what replay compares).
        #expect(Replay.numbers(Array(t.lines.dropFirst())).map(\.0) == [0, 1.99999999719, 0.00002, 2, 1, 2.0000000011, 0.0000000012, 2, 12, 2.1, 2])
    }

    @Test func columnsSizeToTheirContentAndTitles() {
        var t = TextTable([.init("name", .left), .init("value"), .init("a long title")], gap: 2, indent: "  ")
        t.append(["a", "1", "x"])
        t.append(["longer name", "-123.456"])
        #expect(t.lines == [
            "  name            value  a long title",
            "  a                   1             x",
            "  longer name  -123.456",
        ])
        #expect(t.lines.allSatisfy { !$0.hasSuffix(" ") })
        #expect(TextTable([.init("only")]).lines == ["only"])
    }

    /// Random values and errors at every magnitude, formatted as the commands do:
    /// the numbers read back from the table are those of the cells, in order, and
    /// the ± signs of a column stand one above the other.
    @Test func randomTablesKeepEveryNumberApart() {
        var rng = Xoshiro256StarStar(seed: 31)
        for _ in 0..<200 {
            let columns = 1 + Int(rng.next() % 5), rows = 1 + Int(rng.next() % 8)
            var t = TextTable((0..<columns).map { .init("c\($0)") }, gap: 1 + Int(rng.next() % 3))
            var expected = [Double]()
            for _ in 0..<rows {
                var cells = [String]()
                for _ in 0..<columns {
                    let v = rng.nextNormal() * pow(10, Double(Int(rng.next() % 16)) - 10)
                    let e: Double? = rng.next() % 3 == 0 ? nil : abs(v) * pow(10, -Double(Int(rng.next() % 10)))
                    let cell = Format.measured(v, e, digits: 3 + Int(rng.next() % 6))
                    cells.append(cell)
                    expected += Replay.numbers([cell]).map(\.0)
                }
                t.append(cells)
            }
            let lines = t.lines
            #expect(Replay.numbers(Array(lines.dropFirst())).map(\.0) == expected)
            let columnsOfPlusMinus = Set(lines.compactMap { line in line.firstIndex(of: "±").map { line.distance(from: line.startIndex, to: $0) } })
            if columns == 1 { #expect(columnsOfPlusMinus.count <= 1) }
        }
    }

    // MARK: commands

    @Test func flowPrintsAnAlignedTable() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 3))
        nb.run("model rbm n=20")
        nb.run("train steps=40 runs=3 seed=1")
        let lines = nb.run("flow").lines
        let title = try #require(lines.firstIndex { $0.hasPrefix("level") })
        let table = Array(lines[title...].prefix { !$0.isEmpty })
        #expect(table.count == 1 + 6 + 1)  // title, 3 + 3 levels and the elision
        #expect(table.contains { $0.trimmingCharacters(in: .whitespaces) == "…" })
        // Right-aligned: every row ends where the title ends.
        #expect(Set(table.filter { !$0.contains("…") }.map(\.count)).count == 1)
        #expect(Replay.numbers(Array(table.dropFirst())).count == 6 * 4)
    }

    @Test func ratioNamesWhyItHasNoMean() {
        let shown = Format.measured(.nan, .nan, digits: 4, unavailable: "a ratio is not finite")
        #expect(shown == "n/a (a ratio is not finite)")
    }
}
