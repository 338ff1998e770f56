// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Draws a ``Figure`` as a standalone SVG document: no scripts, no external
/// fonts (generic `sans-serif`), so it renders on GitHub and in any browser.
/// Data are clipped to the plot area; the legend sits in its top-right corner.
public struct SVGRenderer: Sendable {
    public var width: Double
    public var height: Double

    public init(width: Double = 640, height: Double = 400) {
        self.width = width
        self.height = height
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    /// Where the legend box (width, height in pixels) goes, and the y range
    /// that keeps every bar, line vertex, point and error bar under the
    /// box's x-span below it: the corner (right first, then left) needing the
    /// smaller extension of the range's top wins.
    static func legendPlacement(_ figure: Figure, x xr: ClosedRange<Double>, y yr: ClosedRange<Double>, left: Double,
                                plotWidth pw: Double, plotHeight ph: Double, box: (Double, Double)) -> (Double, ClosedRange<Double>) {
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * pw }
        // Highest data value whose x extent meets [a, b] (pixels, with a margin).
        func highest(_ a: Double, _ b: Double) -> Double {
            var top = -Double.infinity
            func meets(_ x0: Double, _ x1: Double) -> Bool { max(px(min(x0, x1)), a - 6) <= min(px(max(x0, x1)), b + 6) }
            for layer in figure.layers {
                switch layer {
                case .bars(let bars):
                    for (i, h) in bars.heights.enumerated() where h.isFinite && meets(bars.edges[i], bars.edges[i + 1]) { top = max(top, h) }
                case .line(let l):
                    for (x, y) in zip(l.xs, l.ys) where x.isFinite && y.isFinite && meets(x, x) { top = max(top, y) }
                case .points(let p):
                    for (i, (x, y)) in zip(p.xs, p.ys).enumerated() where x.isFinite && y.isFinite && meets(x, x) {
                        top = max(top, y + (p.yErrors?[i] ?? 0))
                    }
                case .rule(let r):
                    if r.orientation == .horizontal { top = max(top, r.value) }
                }
            }
            return top
        }
        // The legend takes this fraction of the plot's height from the top (with a margin).
        let f = min(0.8, (box.1 + 16) / ph)
        func extendedTop(_ bx: Double) -> Double {
            let maxY = highest(bx, bx + box.0)
            guard maxY.isFinite else { return yr.upperBound }
            // Need (top − maxY) ≥ f·(top − bottom), i.e. top ≥ (maxY − f·bottom)/(1 − f).
            return max(yr.upperBound, (maxY - f * yr.lowerBound) / (1 - f))
        }
        let rightX = left + pw - box.0 - 8, leftX = left + 8
        let right = extendedTop(rightX), leftTop = extendedTop(leftX)
        return leftTop < right ? (leftX, yr.lowerBound...leftTop) : (rightX, yr.lowerBound...right)
    }

    public func render(_ figure: Figure) -> String {
        let left = 72.0, right = 20.0, top = 40.0, bottom = 56.0
        let pw = width - left - right, ph = height - top - bottom
        let entries = figure.layers.enumerated().compactMap { i, l in l.label.map { (i, l, $0) } }
        let longest = entries.map { $0.2.count }.max() ?? 0
        let boxW = 36 + 7 * Double(longest), boxH = 8 + 18 * Double(entries.count)
        let (xr, limits) = figure.limits
        // The legend goes in the top corner that needs the least headroom, and the
        // y range grows until no data lie under it: it never covers data.
        let (legendX, yr) = entries.isEmpty ? (left, limits)
            : SVGRenderer.legendPlacement(figure, x: xr, y: limits, left: left, plotWidth: pw, plotHeight: ph, box: (boxW, boxH))
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * pw }
        func py(_ y: Double) -> Double { top + (yr.upperBound - y) / (yr.upperBound - yr.lowerBound) * ph }
        func n(_ v: Double) -> String { String(format: "%.2f", v) }
        func color(_ i: Int) -> String { SVGRenderer.colors[i % SVGRenderer.colors.count] }

        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">

        """
        s += "<title>\(SVGRenderer.escape(figure.title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"white\"/>\n"
        s += "<defs><clipPath id=\"plot-area\"><rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\"/></clipPath></defs>\n"
        s += "<text x=\"\(n(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(SVGRenderer.escape(figure.title))</text>\n"

        // Grid, ticks and tick labels.
        s += "<g class=\"axes\" stroke=\"#000\" stroke-width=\"1\">\n"
        let xTicks = Ticks.values(xr, target: 6), yTicks = Ticks.values(yr, target: 5)
        for (t, label) in zip(xTicks, Ticks.labels(xTicks)) {
            let x = px(t)
            s += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + ph))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(n(x))\" y1=\"\(n(top + ph))\" x2=\"\(n(x))\" y2=\"\(n(top + ph + 5))\"/>\n"
            s += "<text x=\"\(n(x))\" y=\"\(n(top + ph + 18))\" text-anchor=\"middle\" stroke=\"none\">\(label)</text>\n"
        }
        for (t, label) in zip(yTicks, Ticks.labels(yTicks)) {
            let y = py(t)
            s += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + pw))\" y2=\"\(n(y))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(n(left - 5))\" y1=\"\(n(y))\" x2=\"\(n(left))\" y2=\"\(n(y))\"/>\n"
            s += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 4))\" text-anchor=\"end\" stroke=\"none\">\(label)</text>\n"
        }
        s += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\" fill=\"none\"/>\n"
        s += "</g>\n"
        s += "<text x=\"\(n(left + pw / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">\(SVGRenderer.escape(figure.x.title))</text>\n"
        s += "<text x=\"16\" y=\"\(n(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(n(top + ph / 2)))\">\(SVGRenderer.escape(figure.y.title))</text>\n"

        // Layers.
        s += "<g clip-path=\"url(#plot-area)\">\n"
        for (li, layer) in figure.layers.enumerated() {
            let c = color(li)
            switch layer {
            case .bars(let b):
                s += "<g class=\"bars\" fill=\"\(c)\" fill-opacity=\"0.35\" stroke=\"\(c)\" stroke-width=\"0.8\">\n"
                for (i, hgt) in b.heights.enumerated() where hgt.isFinite {
                    let x = px(b.edges[i]), x2 = px(b.edges[i + 1])
                    let y = py(max(hgt, yr.lowerBound)), base = py(max(yr.lowerBound, 0))
                    s += "<rect x=\"\(n(x))\" y=\"\(n(min(y, base)))\" width=\"\(n(max(0, x2 - x)))\" height=\"\(n(abs(base - y)))\"/>\n"
                }
                s += "</g>\n"
            case .line(let l):
                let dash = l.style == .dashed ? " stroke-dasharray=\"7 4\"" : (l.style == .dotted ? " stroke-dasharray=\"2 3\"" : "")
                var pts = [String]()
                func flush() {
                    if pts.count >= 2 {
                        s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"\(dash) points=\"\(pts.joined(separator: " "))\"/>\n"
                    }
                    pts = []
                }
                for (x, y) in zip(l.xs, l.ys) {
                    if x.isFinite && y.isFinite { pts.append("\(n(px(x))),\(n(py(y)))") } else { flush() }
                }
                flush()
            case .points(let p):
                s += "<g class=\"points\" fill=\"\(c)\" stroke=\"\(c)\" stroke-width=\"1.2\">\n"
                for (i, (x, y)) in zip(p.xs, p.ys).enumerated() where x.isFinite && y.isFinite {
                    let X = px(x), Y = py(y)
                    if let e = p.yErrors?[i], e > 0 {
                        s += "<line x1=\"\(n(X))\" y1=\"\(n(py(y - e)))\" x2=\"\(n(X))\" y2=\"\(n(py(y + e)))\"/>\n"
                        s += "<line x1=\"\(n(X - 3))\" y1=\"\(n(py(y - e)))\" x2=\"\(n(X + 3))\" y2=\"\(n(py(y - e)))\"/>\n"
                        s += "<line x1=\"\(n(X - 3))\" y1=\"\(n(py(y + e)))\" x2=\"\(n(X + 3))\" y2=\"\(n(py(y + e)))\"/>\n"
                    }
                    s += SVGRenderer.marker(p.marker, X, Y) + "\n"
                }
                s += "</g>\n"
            case .rule(let r):
                switch r.orientation {
                case .vertical:
                    s += "<line x1=\"\(n(px(r.value)))\" y1=\"\(n(top))\" x2=\"\(n(px(r.value)))\" y2=\"\(n(top + ph))\" stroke=\"\(c)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
                case .horizontal:
                    s += "<line x1=\"\(n(left))\" y1=\"\(n(py(r.value)))\" x2=\"\(n(left + pw))\" y2=\"\(n(py(r.value)))\" stroke=\"\(c)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
                }
            }
        }
        s += "</g>\n"

        // Legend.
        if !entries.isEmpty {
            let by = top + 8, bx = legendX
            s += "<g class=\"legend\">\n<rect x=\"\(n(bx))\" y=\"\(n(by))\" width=\"\(n(boxW))\" height=\"\(n(boxH))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
            for (k, (li, layer, label)) in entries.enumerated() {
                let y = by + 16 + 18 * Double(k), c = color(li)
                switch layer {
                case .bars:
                    s += "<rect x=\"\(n(bx + 8))\" y=\"\(n(y - 8))\" width=\"16\" height=\"10\" fill=\"\(c)\" fill-opacity=\"0.35\" stroke=\"\(c)\"/>\n"
                case .line(let l):
                    let dash = l.style == .dashed ? " stroke-dasharray=\"7 4\"" : (l.style == .dotted ? " stroke-dasharray=\"2 3\"" : "")
                    s += "<line x1=\"\(n(bx + 6))\" y1=\"\(n(y - 3))\" x2=\"\(n(bx + 26))\" y2=\"\(n(y - 3))\" stroke=\"\(c)\" stroke-width=\"2\"\(dash)/>\n"
                case .points(let p):
                    s += "<g fill=\"\(c)\" stroke=\"\(c)\">" + SVGRenderer.marker(p.marker, bx + 16, y - 3) + "</g>\n"
                case .rule:
                    s += "<line x1=\"\(n(bx + 6))\" y1=\"\(n(y - 3))\" x2=\"\(n(bx + 26))\" y2=\"\(n(y - 3))\" stroke=\"\(c)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
                }
                s += "<text x=\"\(n(bx + 32))\" y=\"\(n(y + 1))\">\(SVGRenderer.escape(label))</text>\n"
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    static func marker(_ m: Marker, _ x: Double, _ y: Double) -> String {
        func n(_ v: Double) -> String { String(format: "%.2f", v) }
        switch m {
        case .circle: return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"4\"/>"
        case .square: return "<rect x=\"\(n(x - 3.5))\" y=\"\(n(y - 3.5))\" width=\"7\" height=\"7\"/>"
        case .triangle: return "<polygon points=\"\(n(x)),\(n(y - 5)) \(n(x - 4.5)),\(n(y + 3.5)) \(n(x + 4.5)),\(n(y + 3.5))\"/>"
        case .diamond: return "<polygon points=\"\(n(x)),\(n(y - 5)) \(n(x + 5)),\(n(y)) \(n(x)),\(n(y + 5)) \(n(x - 5)),\(n(y))\"/>"
        }
    }

    /// XML- (and HTML-) escapes text content and attribute values in either
    /// quote: & < > " '.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
