// SPDX-License-Identifier: GPL-3.0-or-later

/// Draws a ``Figure`` as Unicode text for a terminal.
///
/// Histogram bars are block characters (█ with ▁…▇ tops, eighth-row
/// resolution); curves are braille dots (2×4 dots per cell) drawn over the bars;
/// markers are ● ■ ▲ ◆ with │ error bars; reference lines are ┊ and ┄. Every
/// labelled curve after the first also carries its own glyph (× + ∘ ∗) every
/// eight columns, repeated in the legend, so that curves of the same shape
/// (the surmise and the exact GOE density) are told apart in monochrome and
/// in a note's text. It is readable without colour; with `color` each layer also gets an ANSI colour
/// (the caller decides, e.g. only on a TTY). Fits `width` columns.
public struct TextRenderer: Sendable {
    public var width: Int
    public var height: Int
    public var color: Bool

    public init(width: Int = 80, height: Int = 16, color: Bool = false) {
        precondition(width >= 30 && height >= 5, "text plot: at least 30×5 characters")
        self.width = width
        self.height = height
        self.color = color
    }

    private struct Cell {
        var priority = -1
        var character: Character = " "
        var braille: UInt32 = 0
        var layer = -1
    }

    private static let palette = ["34", "31", "32", "35", "33", "36"]
    /// The glyphs of the second, third, … labelled curve.
    static let curveGlyphs: [Character] = ["×", "+", "∘", "∗"]

    /// The glyph each labelled curve carries (none for the first).
    static func curveGlyphs(_ layers: [Layer]) -> [Int: Character] {
        var glyphs = [Int: Character]()
        var seen = 0
        for (i, layer) in layers.enumerated() {
            guard case .line(let l) = layer, l.label != nil else { continue }
            if seen > 0 { glyphs[i] = curveGlyphs[(seen - 1) % curveGlyphs.count] }
            seen += 1
        }
        return glyphs
    }

    /// The curve's y at `x`, interpolated between the samples around it
    /// (nil outside the samples or across a gap).
    static func value(of line: Line, at x: Double) -> Double? {
        for k in line.xs.indices.dropLast() {
            let a = line.xs[k], b = line.xs[k + 1]
            guard min(a, b) <= x && x <= max(a, b) else { continue }
            let ya = line.ys[k], yb = line.ys[k + 1]
            guard ya.isFinite && yb.isFinite && a.isFinite && b.isFinite else { return nil }
            return a == b ? ya : ya + (yb - ya) * (x - a) / (b - a)
        }
        return nil
    }

    public func render(_ figure: Figure) -> String {
        let (xr, yr) = figure.limits
        let yTicks = Ticks.values(yr, target: 4)
        let yLabels = Ticks.labels(yTicks)
        let labelWidth = max(yLabels.map(\.count).max() ?? 1, 1)
        let w = width - labelWidth - 2, h = height
        var grid = Array(repeating: Array(repeating: Cell(), count: w), count: h)
        let x0 = xr.lowerBound, x1 = xr.upperBound, y0 = yr.lowerBound, y1 = yr.upperBound

        func column(_ x: Double) -> Double { (x - x0) / (x1 - x0) * Double(w) }
        func row(_ y: Double) -> Double { (y1 - y) / (y1 - y0) * Double(h) }
        func put(_ r: Int, _ c: Int, _ ch: Character, priority: Int, layer: Int) {
            guard r >= 0 && r < h && c >= 0 && c < w, grid[r][c].priority <= priority else { return }
            grid[r][c].priority = priority
            grid[r][c].character = ch
            grid[r][c].braille = 0
            grid[r][c].layer = layer
        }
        func dot(_ sr: Int, _ sc: Int, layer: Int) {
            let r = sr >> 2, c = sc >> 1
            guard r >= 0 && r < h && c >= 0 && c < w, grid[r][c].priority <= 3 else { return }
            if grid[r][c].priority < 3 { grid[r][c].braille = 0 }
            let dr = sr & 3, dc = sc & 1
            let bit: UInt32 = dr == 3 ? (dc == 0 ? 0x40 : 0x80) : UInt32(1 << (dr + 3 * dc))
            grid[r][c].braille |= bit
            grid[r][c].priority = 3
            grid[r][c].character = Character(Unicode.Scalar(0x2800 + grid[r][c].braille)!)
            grid[r][c].layer = layer
        }

        let partial: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let glyphs = TextRenderer.curveGlyphs(figure.layers)
        for (li, layer) in figure.layers.enumerated() {
            switch layer {
            case .bars(let b):
                for c in 0..<w {
                    let x = x0 + (Double(c) + 0.5) / Double(w) * (x1 - x0)
                    guard let i = b.edges.indices.dropLast().first(where: { b.edges[$0] <= x && x < b.edges[$0 + 1] }) else { continue }
                    let top = max(0, min(Double(h), Double(h) - row(b.heights[i])))
                    let full = Int(top)
                    for r in (h - full)..<h { put(r, c, "█", priority: 0, layer: li) }
                    let eighths = Int(((top - Double(full)) * 8).rounded())
                    if eighths > 0 && full < h { put(h - full - 1, c, partial[eighths - 1], priority: 0, layer: li) }
                }
            case .line(let l):
                // Walk the curve in braille sub-cells, joining consecutive samples.
                var previous: (Int, Int)?
                var step = 0
                for (x, y) in zip(l.xs, l.ys) {
                    guard x.isFinite && y.isFinite else { previous = nil; continue }
                    let sc = Int((column(x) * 2).rounded(.down)), sr = Int((row(y) * 4).rounded(.down))
                    if let (pc, pr) = previous {
                        let n = max(abs(sc - pc), abs(sr - pr), 1)
                        for k in 1...n {
                            let cc = pc + (sc - pc) * k / n, rr = pr + (sr - pr) * k / n
                            step += 1
                            let on: Bool
                            switch l.style {
                            case .solid: on = true
                            case .dashed: on = step % 6 < 4
                            case .dotted: on = step % 3 == 0
                            }
                            if on && rr >= 0 && rr < 4 * h { dot(rr, cc, layer: li) }
                        }
                    } else if sr >= 0 && sr < 4 * h {
                        dot(sr, sc, layer: li)
                    }
                    previous = (sc, sr)
                }
                if let glyph = glyphs[li] {
                    // The curve's glyph every eight columns, offset per curve so
                    // that two curves' glyphs do not share columns.
                    let offset = 2 + 3 * ((TextRenderer.curveGlyphs.firstIndex(of: glyph) ?? 0) + 1)
                    for c in stride(from: offset % 8, to: w, by: 8) {
                        let x = x0 + (Double(c) + 0.5) / Double(w) * (x1 - x0)
                        guard let y = TextRenderer.value(of: l, at: x), y >= y0, y <= y1 else { continue }
                        put(min(h - 1, Int(row(y))), c, glyph, priority: 4, layer: li)
                    }
                }
            case .points(let p):
                let glyph: Character = ["circle": "●", "square": "■", "triangle": "▲", "diamond": "◆"][p.marker.rawValue]!
                for (i, (x, y)) in zip(p.xs, p.ys).enumerated() {
                    let c = Int(column(x)), r = Int(row(y))
                    if let e = p.yErrors?[i], e > 0 {
                        let top = Int(row(y + e)), bottom = Int(row(y - e))
                        for rr in max(0, top)...max(max(0, top), min(h - 1, bottom)) where rr != r {
                            put(rr, c, "│", priority: 2, layer: li)
                        }
                    }
                    put(min(max(r, 0), h - 1), min(max(c, 0), w - 1), glyph, priority: 4, layer: li)
                }
            case .rule(let rule):
                switch rule.orientation {
                case .vertical:
                    let c = Int(column(rule.value))
                    for r in 0..<h { put(r, c, "┊", priority: 1, layer: li) }
                case .horizontal:
                    let r = Int(row(rule.value))
                    for c in 0..<w { put(r, c, "┄", priority: 1, layer: li) }
                }
            }
        }

        func paint(_ s: String, layer: Int) -> String {
            guard color, layer >= 0 else { return s }
            return "\u{1B}[\(TextRenderer.palette[layer % TextRenderer.palette.count])m\(s)\u{1B}[0m"
        }

        var lines = [String]()
        lines.append(TextRenderer.fit(figure.title, width))
        lines.append(TextRenderer.fit(figure.y.title, width))
        var tickRow = [Int: String]()
        for (t, label) in zip(yTicks, yLabels) { tickRow[min(h - 1, max(0, Int(row(t))))] = label }
        for r in 0..<h {
            let label = tickRow[r] ?? ""
            var line = String(repeating: " ", count: labelWidth - label.count) + label + (tickRow[r] != nil ? " ┤" : " │")
            for c in 0..<w { line += paint(String(grid[r][c].character), layer: grid[r][c].layer) }
            lines.append(TextRenderer.trimmed(line))
        }
        // x axis, ticks and labels.
        let xTicks = Ticks.values(xr, target: 6)
        let xLabels = Ticks.labels(xTicks)
        var axis = Array(repeating: Character("─"), count: w)
        var labelRow = Array(repeating: Character(" "), count: w + labelWidth + 2)
        var lastEnd = -1
        for (t, label) in zip(xTicks, xLabels) {
            let c = min(w - 1, max(0, Int(column(t))))
            axis[c] = "┬"
            let start = labelWidth + 2 + c - label.count / 2
            if start > lastEnd && start + label.count <= labelRow.count {
                for (k, ch) in label.enumerated() { labelRow[start + k] = ch }
                lastEnd = start + label.count
            }
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(axis))
        lines.append(TextRenderer.trimmed(String(labelRow)))
        let xt = figure.x.title
        lines.append(TextRenderer.trimmed(String(repeating: " ", count: max(0, labelWidth + 2 + (w - xt.count) / 2)) + xt))
        // Legend.
        var entries = [String]()
        for (li, layer) in figure.layers.enumerated() {
            guard let label = layer.label else { continue }
            let key: String
            switch layer {
            case .bars: key = "█"
            case .line(let l):
                let dash: Character = l.style == .dotted ? "⠂" : "⠒"
                let gap = l.style == .solid ? "" : " "
                key = "\(dash)\(gap)" + (glyphs[li].map { "\($0)\(gap)" } ?? "") + "\(dash)"
            case .points(let p): key = ["circle": "●", "square": "■", "triangle": "▲", "diamond": "◆"][p.marker.rawValue]!
            case .rule(let r): key = r.orientation == .vertical ? "┊" : "┄"
            }
            entries.append(paint(key, layer: li) + " " + label)
        }
        if !entries.isEmpty {
            var line = "  "
            var visible = 2
            for e in entries {
                let len = TextRenderer.visibleLength(e)
                if visible + len + 3 > width && visible > 2 {
                    lines.append(TextRenderer.trimmed(line)); line = "  "; visible = 2
                }
                line += e + "   "
                visible += len + 3
            }
            lines.append(TextRenderer.trimmed(line))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func fit(_ s: String, _ width: Int) -> String {
        s.count <= width ? s : String(s.prefix(width - 1)) + "…"
    }

    static func trimmed(_ s: String) -> String {
        var t = s
        while t.last == " " { t.removeLast() }
        return t
    }

    static func visibleLength(_ s: String) -> Int {
        var n = 0, escape = false
        for ch in s {
            if ch == "\u{1B}" { escape = true; continue }
            if escape { if ch == "m" { escape = false }; continue }
            n += 1
        }
        return n
    }
}
