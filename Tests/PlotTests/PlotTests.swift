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

