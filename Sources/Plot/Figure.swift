// SPDX-License-Identifier: GPL-3.0-or-later

/// A two-dimensional figure: axes, layers and a legend, independent of how it is
/// drawn. ``TextRenderer`` draws it for a terminal, ``SVGRenderer`` as a
/// standalone SVG file. The model knows nothing of what the numbers mean.
public struct Figure: Sendable, Equatable {
    public var title: String
    public var x: Axis
    public var y: Axis
    /// Drawn in order; later layers on top.
    public var layers: [Layer]

    public init(title: String, x: Axis, y: Axis, layers: [Layer] = []) {
        self.title = title
        self.x = x
        self.y = y
        self.layers = layers
    }

    /// The x and y ranges shown: the axes' fixed ranges, else the data's extent
    /// (bars start at y = 0), padded by 4 % where not fixed.
    public var limits: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        var xs = [Double](), ys = [Double]()
        for layer in layers {
            switch layer {
            case .bars(let b):
                xs += [b.edges.first ?? 0, b.edges.last ?? 1]
                ys += b.heights + [0]
            case .line(let l):
                xs += l.xs; ys += l.ys
            case .points(let p):
                xs += p.xs
                for (i, y) in p.ys.enumerated() {
                    let e = p.yErrors?[i] ?? 0
                    ys += [y - e, y + e]
                }
            case .rule(let r):
                switch r.orientation {
                case .vertical: xs.append(r.value)
                case .horizontal: ys.append(r.value)
                }
            }
        }
        func span(_ v: [Double], fixed: ClosedRange<Double>?) -> ClosedRange<Double> {
            if let fixed { return fixed }
            let finite = v.filter { $0.isFinite }
            guard var lo = finite.min(), var hi = finite.max() else { return 0...1 }
            if hi - lo < 1e-12 * max(1, abs(hi)) { lo -= 0.5 * max(1e-3, abs(lo)); hi += 0.5 * max(1e-3, abs(hi)) }
            let pad = 0.04 * (hi - lo)
            return (lo - pad)...(hi + pad)
        }
        var yr = span(ys, fixed: y.range)
        if y.range == nil, layers.contains(where: { if case .bars = $0 { return true } else { return false } }), yr.lowerBound < 0,
           ys.allSatisfy({ $0 >= 0 }) {
            yr = 0...yr.upperBound
        }
        return (span(xs, fixed: x.range), yr)
    }
}

/// An axis: its label (with unit) and an optional fixed range.
public struct Axis: Sendable, Equatable {
    public var label: String
    public var unit: String?
    public var range: ClosedRange<Double>?

    public init(_ label: String, unit: String? = nil, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.unit = unit
        self.range = range
    }

    /// "label [unit]" or "label".
    public var title: String { unit.map { "\(label) [\($0)]" } ?? label }
}

/// What a figure draws.
public enum Layer: Sendable, Equatable {
    /// A histogram: bars between consecutive edges.
    case bars(Bars)
    /// A curve through points (a theory density, a trajectory).
    case line(Line)
    /// Markers, optionally with vertical error bars.
    case points(Points)
    /// A reference line across the whole plot.
    case rule(Rule)

    public var label: String? {
        switch self {
        case .bars(let b): return b.label
        case .line(let l): return l.label
        case .points(let p): return p.label
        case .rule(let r): return r.label
        }
    }
}

public struct Bars: Sendable, Equatable {
    public var edges: [Double]
    public var heights: [Double]
    public var label: String?

    public init(edges: [Double], heights: [Double], label: String? = nil) {
        precondition(edges.count == heights.count + 1, "bars: need one more edge than heights (\(edges.count) edges, \(heights.count) heights)")
        self.edges = edges
        self.heights = heights
        self.label = label
    }
}

public enum LineStyle: String, Sendable, Equatable { case solid, dashed, dotted }

public struct Line: Sendable, Equatable {
    public var xs: [Double]
    public var ys: [Double]
    public var label: String?
    public var style: LineStyle

    public init(xs: [Double], ys: [Double], label: String? = nil, style: LineStyle = .solid) {
        precondition(xs.count == ys.count, "line: \(xs.count) x values but \(ys.count) y values")
        self.xs = xs
        self.ys = ys
        self.label = label
        self.style = style
    }

    /// Samples f at `count` evenly spaced points of [a, b].
    public init(function f: (Double) -> Double, over range: ClosedRange<Double>, count: Int = 241,
                label: String? = nil, style: LineStyle = .solid) {
        let xs = (0..<count).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1) }
        self.init(xs: xs, ys: xs.map(f), label: label, style: style)
    }
}

public enum Marker: String, Sendable, Equatable, CaseIterable { case circle, square, triangle, diamond }

public struct Points: Sendable, Equatable {
    public var xs: [Double]
    public var ys: [Double]
    public var yErrors: [Double]?
    public var label: String?
    public var marker: Marker

    public init(xs: [Double], ys: [Double], yErrors: [Double]? = nil, label: String? = nil, marker: Marker = .circle) {
        precondition(xs.count == ys.count, "points: \(xs.count) x values but \(ys.count) y values")
        precondition(yErrors == nil || yErrors!.count == ys.count, "points: one error per point needed")
        self.xs = xs
        self.ys = ys
        self.yErrors = yErrors
        self.label = label
        self.marker = marker
    }
}

public struct Rule: Sendable, Equatable {
    public enum Orientation: String, Sendable, Equatable { case vertical, horizontal }
    public var orientation: Orientation
    public var value: Double
    public var label: String?

    public init(_ orientation: Orientation, at value: Double, label: String? = nil) {
        self.orientation = orientation
        self.value = value
        self.label = label
    }
}
