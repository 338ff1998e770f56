// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Plot
import Testing

/// Compares with Snapshots/NAME.txt. With DYSON_RECORD_SNAPSHOTS=1 the file is
/// (re)written and the test fails, so a recording never passes silently.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
    if ProcessInfo.processInfo.environment["DYSON_RECORD_SNAPSHOTS"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("recorded snapshot \(name); run again without DYSON_RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no snapshot \(name).txt; record it with DYSON_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    #expect(text == expected, "text plot \(name) differs from its snapshot:\n\(text)", sourceLocation: sourceLocation)
}

@Suite("Text plots")
struct TextPlotTests {
    @Test(arguments: SampleFigures.all.map(\.0))
    func matchesSnapshot(name: String) throws {
        let figure = SampleFigures.all.first { $0.0 == name }!.1
        try assertSnapshot(TextRenderer().render(figure), named: name)
    }

    /// Two labelled curves of the same shape and style differ in monochrome:
    /// the second carries its glyph on the curve and in the legend.
    @Test func curvesOfOneShapeAreToldApartWithoutColour() {
        let bell = { (x: Double) in exp(-x * x) }
        let figure = Figure(title: "two curves", x: Axis("x"), y: Axis("y"), layers: [
            .line(Line(function: bell, over: -2...2, label: "first")),
            .line(Line(function: bell, over: -2...2, label: "second")),
            .line(Line(function: bell, over: -2...2, label: "third", style: .dashed)),
            .line(Line(function: { 0.5 * bell($0) }, over: -2...2)),
        ])
        let text = TextRenderer().render(figure)
        let legend = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(legend.contains("⠒⠒ first"))
        #expect(legend.contains("⠒×⠒ second"))
        #expect(legend.contains("⠒ + ⠒ third"))
        let body = text.split(separator: "\n").dropLast().joined()
        #expect(body.filter { $0 == "×" }.count >= 4)
        #expect(body.filter { $0 == "+" }.count >= 4)
        // An unlabelled curve (one of a flow's many trajectories) stays plain.
        #expect(!body.contains("∘"))
    }

    @Test(arguments: SampleFigures.all.map(\.0))
    func fitsEightyColumnsWithoutColour(name: String) {
        let figure = SampleFigures.all.first { $0.0 == name }!.1
        let text = TextRenderer().render(figure)
        for line in text.split(separator: "\n") { #expect(line.count <= 80, "\(line.count) columns: \(line)") }
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains(figure.title))
    }

    @Test func curveIsDrawnOverHistogram() {
        let text = TextRenderer().render(SampleFigures.spacing)
        #expect(text.contains("█"))
        #expect(text.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "braille curve missing")
        #expect(text.contains("Wigner surmise β=1"))
    }

    @Test func colourOnlyWhenAsked() {
        let text = TextRenderer(color: true).render(SampleFigures.collapse)
        #expect(text.contains("\u{1B}["))
        for line in text.split(separator: "\n") { #expect(line.count - ansiOverhead(String(line)) <= 80) }
    }

    func ansiOverhead(_ s: String) -> Int {
        var n = 0, inEscape = false
        for ch in s {
            if ch == "\u{1B}" { inEscape = true }
            if inEscape { n += 1; if ch == "m" { inEscape = false } }
        }
        return n
    }

    @Test func markersAndErrorBars() {
        let text = TextRenderer().render(SampleFigures.collapse)
        #expect(text.contains("●") && text.contains("▲") && text.contains("│"))
        let shift = TextRenderer().render(SampleFigures.shift)
        #expect(shift.contains("■") && shift.contains("◆") && shift.contains("┄"))
    }
}

/// Collects element names and attributes while parsing.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var texts: [String] = []
    var scripts = 0
    private var inText = false
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if name == "script" { scripts += 1 }
        inText = name == "text"
        if inText { texts.append("") }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { texts[texts.count - 1] += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        inText = false
    }
}

@Suite("SVG")
struct SVGTests {
    func parse(_ svg: String) throws -> SVGCollector {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = SVGCollector()
        parser.delegate = c
        let ok = parser.parse()
        #expect(ok, "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        return c
    }

    @Test(arguments: SampleFigures.all.map(\.0))
    func parsesAsXMLWithAxesTitleAndLegend(name: String) throws {
        let figure = SampleFigures.all.first { $0.0 == name }!.1
        let c = try parse(SVGRenderer().render(figure))
        #expect(c.elements["svg"] == 1)
        #expect(c.scripts == 0)
        #expect(c.texts.contains(figure.title))
        #expect(c.texts.contains(figure.x.title) && c.texts.contains(figure.y.title))
        for label in figure.layers.compactMap(\.label) { #expect(c.texts.contains(label), "legend entry \(label)") }
    }

    @Test func containsThePlottedElements() throws {
        let spacing = try parse(SVGRenderer().render(SampleFigures.spacing))
        // 16 bars + background + frame + clip + legend box + 1 legend swatch.
        #expect(spacing.elements["rect"] == 16 + 5)
        #expect(spacing.elements["polyline"] == 2)
        let collapse = try parse(SVGRenderer().render(SampleFigures.collapse))
        #expect(collapse.elements["circle"] == 5 + 1)    // points + legend
        #expect(collapse.elements["polygon"] == 4 + 1)   // triangles + legend
        let density = try parse(SVGRenderer().render(SampleFigures.density))
        #expect(SVGRenderer().render(SampleFigures.density).contains("stroke-dasharray=\"4 3\""))
        #expect(density.elements["polyline"] == 1)
    }

    @Test func escapesMarkupInLabels() throws {
        let f = Figure(title: "a < b & \"c\"", x: Axis("x"), y: Axis("y"), layers: [.line(Line(xs: [0, 1], ys: [0, 1], label: "<tag>"))])
        let c = try parse(SVGRenderer().render(f))
        #expect(c.texts.contains("a < b & \"c\""))
        #expect(c.texts.contains("<tag>"))
    }
}


/// The legend box never covers data: every bar top, line vertex and point
/// under the legend's x-span lies below the box, whatever the data look like.
@Suite("SVG legend")
struct SVGLegendTests {
    /// Numbers of an attribute in every element of `name` (x, y, width, … as given).
    static func boxes(_ svg: String, element: String, after marker: String? = nil) -> [[String: Double]] {
        var text = Substring(svg)
        if let marker {
            guard let r = svg.range(of: marker) else { return [] }
            text = svg[r.upperBound...]
            // Only that group's elements.
            if let end = text.range(of: "</g>") { text = text[..<end.lowerBound] }
        }
        var out = [[String: Double]]()
        var rest = text
        while let r = rest.range(of: "<\(element) ") {
            let end = rest[r.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            let tag = rest[r.upperBound..<end]
            var attrs = [String: Double]()
            for part in tag.split(separator: " ") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let v = Double(kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"/"))) { attrs[String(kv[0])] = v }
            }
            out.append(attrs)
            rest = rest[end...]
        }
        return out
    }

    static func assertLegendClear(_ figure: Figure, sourceLocation: SourceLocation = #_sourceLocation) {
        let svg = SVGRenderer().render(figure)
        guard let legend = boxes(svg, element: "rect", after: "<g class=\"legend\">").first,
              let lx = legend["x"], let ly = legend["y"], let lw = legend["width"], let lh = legend["height"] else {
            Issue.record("no legend box", sourceLocation: sourceLocation)
            return
        }
        let bottom = ly + lh
        // Bars: rects inside the bars group (before the legend).
        let barsPart = svg.components(separatedBy: "<g class=\"legend\">")[0]
        for bar in boxes(barsPart, element: "rect", after: "<g class=\"bars\"") {
            guard let x = bar["x"], let y = bar["y"], let w = bar["width"], let h = bar["height"], h > 0 else { continue }
            if x + w > lx && x < lx + lw { #expect(y >= bottom, "a bar top at y=\(y) under the legend (bottom \(bottom))", sourceLocation: sourceLocation) }
        }
        // Line vertices.
        for line in barsPart.components(separatedBy: "points=\"").dropFirst() {
            for pair in line.prefix { $0 != "\"" }.split(separator: " ") {
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                guard xy.count == 2 else { continue }
                if xy[0] >= lx && xy[0] <= lx + lw { #expect(xy[1] >= bottom, "a curve at (\(xy[0]), \(xy[1])) under the legend", sourceLocation: sourceLocation) }
            }
        }
    }

    @Test func aHistogramFilledToTheTopLeavesRoomForTheLegend() {
        let edges = (0...20).map { Double($0) / 20 }
        let flat = Figure(title: "flat", x: Axis("x"), y: Axis("y"), layers: [
            .bars(Bars(edges: edges, heights: Array(repeating: 1, count: 20), label: "measured")),
            .line(Line(xs: edges, ys: edges.map { _ in 1 }, label: "law")),
            .line(Line(xs: edges, ys: edges.map { 0.5 + 0.5 * $0 }, label: "another law with a long name", style: .dashed)),
        ])
        Self.assertLegendClear(flat)
        for figure in SampleFigures.all.map(\.1) { Self.assertLegendClear(figure) }
    }

    /// Random data, seeded: the rule holds for shapes nobody chose.
    @Test func randomFiguresKeepTheLegendClear() {
        var state: UInt64 = 0x1E6E
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for _ in 0..<200 {
            let bins = 3 + Int(next() * 30)
            let edges = (0...bins).map { Double($0) / Double(bins) * (1 + 9 * next()) }
            let heights = (0..<bins).map { _ in next() * 10 }
            let curve = edges.map { _ in next() * 12 }
            Self.assertLegendClear(Figure(title: "random", x: Axis("x"), y: Axis("y"), layers: [
                .bars(Bars(edges: edges, heights: heights, label: "measured")),
                .line(Line(xs: edges, ys: curve, label: "a curve")),
            ]))
        }
    }
}
