// SPDX-License-Identifier: GPL-3.0-or-later

/// A plain-text table for results: every column as wide as its widest cell
/// (title included), columns apart by `gap` spaces, no trailing spaces.
///
/// Numbers are right-aligned. A cell "v ± e" (as `Format.measured` writes it) is
/// aligned on its ±: the values right-aligned before it, the errors left-aligned
/// after it; a plain number in the same column lines up with the values. So a
/// value, its error and the next column never run together, whatever the digits:
///
///     level                 ⟨s⟩ at the end   target
///         0   1.99999999719 ± 0.00002         2.000
///         1    2.0000000011 ± 0.0000000012    2.000
///        12             2.1                   2.000
///
/// Widths count characters (grapheme clusters), which is what a terminal shows
/// for the Latin, Greek and mathematical symbols dyson prints; East Asian wide
/// characters would be counted as one column.
public struct TextTable: Sendable {
    public enum Alignment: Sendable {
        /// Words: padded on the right.
        case left
        /// Numbers (and "v ± e"): padded on the left, aligned on the ±.
        case right
    }

    public struct Column: Sendable {
        public let title: String
        public let alignment: Alignment

        public init(_ title: String, _ alignment: Alignment = .right) {
            self.title = title
            self.alignment = alignment
        }
    }

    public let columns: [Column]
    public private(set) var rows: [[String]] = []
    /// Spaces between columns.
    public var gap: Int
    /// Put before every line (e.g. two spaces to indent a table under a heading).
    public var indent: String

    public init(_ columns: [Column], gap: Int = 3, indent: String = "") {
        precondition(!columns.isEmpty, "a table needs a column")
        self.columns = columns
        self.gap = max(1, gap)
        self.indent = indent
    }

    /// Appends a row: one cell per column (missing cells are empty, extra ones an error).
    public mutating func append(_ cells: [String]) {
        precondition(cells.count <= columns.count, "a row of \(cells.count) cells in a table of \(columns.count) columns")
        rows.append(cells + Array(repeating: "", count: columns.count - cells.count))
    }

    /// The title line followed by one line per row.
    public var lines: [String] {
        let layouts = columns.indices.map { c in ColumnLayout(columns[c], cells: rows.map { $0[c] }) }
        let separator = String(repeating: " ", count: gap)
        func line(_ cells: [String]) -> String {
            let text = indent + cells.joined(separator: separator)
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        return [line(layouts.map(\.paddedTitle))] + rows.map { row in line(zip(layouts, row).map { $0.render($1) }) }
    }

    /// The widths of one column and how its cells are padded.
    private struct ColumnLayout {
        let alignment: Alignment
        /// Width of the values before " ± " and of the errors after it (0: no errors).
        let valueWidth: Int
        let errorWidth: Int
        let width: Int
        let paddedTitle: String

        static let plusMinus = " ± "

        init(_ column: Column, cells: [String]) {
            alignment = column.alignment
            if column.alignment == .right {
                let parts = cells.map(Self.split)
                valueWidth = parts.map(\.value.count).max() ?? 0
                errorWidth = parts.compactMap { $0.error?.count }.max() ?? 0
                let body = errorWidth > 0 ? valueWidth + Self.plusMinus.count + errorWidth : valueWidth
                width = max(body, column.title.count)
            } else {
                valueWidth = 0
                errorWidth = 0
                width = max(cells.map(\.count).max() ?? 0, column.title.count)
            }
            paddedTitle = column.alignment == .right ? Self.pad(column.title, left: width) : Self.pad(column.title, right: width)
        }

        func render(_ cell: String) -> String {
            guard alignment == .right else { return Self.pad(cell, right: width) }
            let (value, error) = Self.split(cell)
            var body = Self.pad(value, left: valueWidth)
            if errorWidth > 0 {
                body += error.map { Self.plusMinus + Self.pad($0, right: errorWidth) }
                    ?? String(repeating: " ", count: Self.plusMinus.count + errorWidth)
            }
            return Self.pad(body, left: width)
        }

        static func split(_ cell: String) -> (value: String, error: String?) {
            guard let r = cell.range(of: plusMinus) else { return (cell, nil) }
            return (String(cell[..<r.lowerBound]), String(cell[r.upperBound...]))
        }

        static func pad(_ s: String, left width: Int) -> String {
            String(repeating: " ", count: max(0, width - s.count)) + s
        }

        static func pad(_ s: String, right width: Int) -> String {
            s + String(repeating: " ", count: max(0, width - s.count))
        }
    }
}
