// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Testing

/// Whether python3 with the nbformat package is here (to validate notebooks
/// with Jupyter's own schema); nil when it is, else why that check is skipped.
enum JupyterValidator {
    /// The first Python that imports nbformat: the one on PATH, else Debian's
    /// (where `make test` installs python3-nbformat, which a pyenv Python on
    /// PATH does not see).
    static let python: String? = ["python3", "/usr/bin/python3"].first { shell([$0, "-c", "import nbformat"]).status == 0 }

    static let skipReason: String? = {
        guard python != nil else {
            let s = "no python3 with nbformat here (make test installs python3-nbformat): notebooks are not validated against Jupyter's schema"
            FileHandle.standardError.write(Data("note: \(s)\n".utf8))
            return s
        }
        return nil
    }()

    /// nbformat.validate on the file; nil when valid, else its complaint.
    static func problem(_ path: String) -> String? {
        guard let python else { return "no python3 with nbformat" }
        let r = shell([python, "-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path])
        return r.status == 0 ? nil : r.output
    }
}

@Suite("Safe Markdown")
struct SafeMarkdownTests {
    @Test func rawHTMLIsShownAsText() {
        let html = SafeMarkdown.html("Look <script>alert(1)</script> & <img src=x onerror=alert(2)>")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img"))
    }

    @Test func linksKeepOnlySafeTargets() {
        #expect(SafeMarkdown.inline("[paper](https://arxiv.org/abs/2407.16427)") == "<a href=\"https://arxiv.org/abs/2407.16427\">paper</a>")
        #expect(SafeMarkdown.inline("[theory](../docs/theory.md#spacings)") == "<a href=\"../docs/theory.md#spacings\">theory</a>")
        #expect(SafeMarkdown.inline("[click](javascript:alert(1))") == "click")
        #expect(SafeMarkdown.inline("[x](JaVaScRiPt:alert(1))") == "x")
        #expect(SafeMarkdown.inline("[x](data:text/html;base64,AAAA)") == "x")
        #expect(SafeMarkdown.inline("[x](\" onmouseover=\"alert(1))").contains("&quot; onmouseover=&quot;"))
    }

    @Test func emphasisFollowsFlankingRules() {
        #expect(SafeMarkdown.inline("a *b* c") == "a <em>b</em> c")
        #expect(SafeMarkdown.inline("**strong** and _em_") == "<strong>strong</strong> and <em>em</em>")
        // A target x* with a closing parenthesis, twice, is not emphasis.
        #expect(SafeMarkdown.inline("diag(x*) and (y*)") == "diag(x*) and (y*)")
        // snake_case names stay as they are.
        #expect(SafeMarkdown.inline("sigma_h and mass_x") == "sigma_h and mass_x")
        #expect(SafeMarkdown.inline("2 * 3 * 4") == "2 * 3 * 4")
    }

    @Test func codeSpansAreLiteral() {
        #expect(SafeMarkdown.inline("run `train lr=0.01 *x*` now") == "run <code>train lr=0.01 *x*</code> now")
        #expect(SafeMarkdown.inline("`<b>`") == "<code>&lt;b&gt;</code>")
        #expect(SafeMarkdown.inline("an ` unclosed tick") == "an ` unclosed tick")
    }

    @Test func blocks() {
        let html = SafeMarkdown.html("# Title\n\nOne\nparagraph.\n\n- a\n- b\n\n1. x\n2. y\n\n> quoted\n\n```\n<raw>\n```\n\n---")
        #expect(html == """
        <h1>Title</h1>
        <p>One
        paragraph.</p>
        <ul><li>a</li><li>b</li></ul>
        <ol><li>x</li><li>y</li></ol>
        <blockquote><p>quoted</p></blockquote>
        <pre><code>&lt;raw&gt;</code></pre>
        <hr>
        """)
    }
}

@Suite("Convert notes")
struct ConvertTests {
    static let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>\n"

    /// A note in a new folder: prose with hostile HTML, two commands, one with
    /// a figure; returns the note's path.
    static func makeNote(figure: String? = svg, extraFigure: Bool = false) throws -> String {
        let dir = NSTemporaryDirectory() + "dyson-convert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/n.assets", withIntermediateDirectories: true)
        var text = """
        ---
        dyson: 0.1.0
        seed: 7
        date: 2026-11-29T00:00:00Z
        cores: 2
        blas: OpenBLAS | test
        ---

        # A test note

        Prose with <script>alert(1)</script> and *emphasis*.

        ```dyson
        model ts n=4
        ```
        ```text
        ts n=4 <x> & "y"
        ```

        ```dyson
        spacing
        ```
        ```text
        line one
        line two
        ```

        ![Spacings s = S/⟨S⟩ (n = 3)](n.assets/002-spacing-1.svg)

        _3 runs in 0.1 s_

        """
        if extraFigure { text += "```dyson\nratio\n```\n\n![Ratios](n.assets/003-ratio-1.svg)\n" }
        try text.write(toFile: dir + "/n.md", atomically: true, encoding: .utf8)
        if let figure { try figure.write(toFile: dir + "/n.assets/002-spacing-1.svg", atomically: true, encoding: .utf8) }
        return dir + "/n.md"
    }

    @Test func htmlIsOneSafePage() throws {
        let note = try Self.makeNote()
        let done = try NoteConversion.convert(notePath: note, to: .html)
        #expect(done.warnings.isEmpty)
        let html = try String(contentsOfFile: done.path, encoding: .utf8)
        #expect(done.path.hasSuffix("n.html"))
        #expect(html.contains("<title>A test note</title>"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(html.contains("<em>emphasis</em>"))
        #expect(html.contains("<th>blas</th><td>OpenBLAS | test</td>"))
        #expect(html.contains("model ts n=4</code>"))
        #expect(html.contains("ts n=4 &lt;x&gt; &amp; &quot;y&quot;"))
        #expect(html.contains("line one\nline two"))
        #expect(html.contains("<em>3 runs in 0.1 s</em>"))
        // The figure is inlined: its data decodes to the file's bytes, and the
        // page fetches nothing.
        let marker = "data:image/svg+xml;base64,"
        let start = try #require(html.range(of: marker)).upperBound
        let end = try #require(html[start...].firstIndex(of: "\""))
        #expect(Data(base64Encoded: String(html[start..<end])).map { String(decoding: $0, as: UTF8.self) } == Self.svg)
        #expect(html.contains("alt=\"Spacings s = S/⟨S⟩ (n = 3)\""))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("href=\"http"))
    }

    @Test func notebookHasOneCellPerCommandAndProse() throws {
        let note = try Self.makeNote()
        let done = try NoteConversion.convert(notePath: note, to: .ipynb)
        let data = try Data(contentsOf: URL(fileURLWithPath: done.path))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["nbformat"] as? Int == 4)
        #expect(json["nbformat_minor"] as? Int == 5)
        let cells = try #require(json["cells"] as? [[String: Any]])
        #expect(cells.map { $0["cell_type"] as? String } == ["markdown", "markdown", "code", "code", "markdown"])
        let ids = cells.compactMap { $0["id"] as? String }
        #expect(Set(ids).count == cells.count)
        #expect((cells[1]["source"] as? [String])?.joined() == "# A test note\n\nProse with <script>alert(1)</script> and *emphasis*.")
        #expect(cells[2]["source"] as? [String] == ["model ts n=4"])
        #expect(cells[2]["execution_count"] as? Int == 1)
        let outputs = try #require(cells[3]["outputs"] as? [[String: Any]])
        #expect(outputs.count == 2)
        #expect((outputs[0]["text"] as? [String]) == ["line one\n", "line two\n"])
        let figure = try #require(outputs[1]["data"] as? [String: Any])
        #expect((figure["image/svg+xml"] as? [String])?.joined() == Self.svg)
        #expect(figure["text/plain"] as? [String] == ["Spacings s = S/⟨S⟩ (n = 3)"])
        #expect((cells[4]["source"] as? [String])?.joined() == "_3 runs in 0.1 s_")
        if JupyterValidator.skipReason == nil { #expect(JupyterValidator.problem(done.path) == nil) }
    }

    @Test func hostileAndMissingFiguresAreNotEmbedded() throws {
        let note = try Self.makeNote(figure: "<svg><script>alert(1)</script></svg>", extraFigure: true)
        let done = try NoteConversion.convert(notePath: note, to: .html)
        #expect(done.warnings.count == 2)
        #expect(done.warnings[0].contains("<script"))
        #expect(done.warnings[1].contains("missing"))
        let html = try String(contentsOfFile: done.path, encoding: .utf8)
        #expect(!html.contains("base64"))
        #expect(html.contains("not shown"))
        #expect(NoteConversion.refusal("<svg><rect onload=\"x()\"/></svg>") != nil)
        #expect(NoteConversion.refusal("<svg><rect fill=\"red\"/><text>one=two</text></svg>") == nil)
        #expect(NoteConversion.refusal("just text") != nil)
    }

    @Test func aFigureLinkLeavingTheFolderIsRefused() throws {
        let note = try Self.makeNote(figure: nil)
        let folder = (note as NSString).deletingLastPathComponent
        let outside = NSTemporaryDirectory() + "dyson-outside-\(UUID().uuidString).svg"
        try Self.svg.write(toFile: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/n.assets/002-spacing-1.svg", withDestinationPath: outside)
        let done = try NoteConversion.convert(notePath: note, to: .html)
        #expect(done.warnings.count == 1)
        #expect(done.warnings.first?.contains("outside the note's folder") == true)
    }

    @Test func existingFilesAreReplacedOnlyWhenOurs() throws {
        let note = try Self.makeNote()
        let html = (note as NSString).deletingPathExtension + ".html"
        try "my own page".write(toFile: html, atomically: true, encoding: .utf8)
        #expect(throws: NotebookError.self) { try NoteConversion.convert(notePath: note, to: .html) }
        #expect(try String(contentsOfFile: html, encoding: .utf8) == "my own page")
        _ = try NoteConversion.convert(notePath: note, to: .html, force: true)
        // A second conversion replaces the first without force, for both formats.
        _ = try NoteConversion.convert(notePath: note, to: .html)
        _ = try NoteConversion.convert(notePath: note, to: .ipynb)
        _ = try NoteConversion.convert(notePath: note, to: .ipynb)
        #expect(throws: NotebookError.self) { try NoteConversion.convert(notePath: note, to: .html, output: note) }
    }

    @Test func notANoteIsRefused() throws {
        let dir = NSTemporaryDirectory() + "dyson-convert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "just some text\n".write(toFile: dir + "/x.md", atomically: true, encoding: .utf8)
        #expect(throws: NotebookError.self) { try NoteConversion.convert(notePath: dir + "/x.md", to: .html) }
        #expect(throws: NotebookError.self) { try NoteConversion.convert(notePath: dir + "/missing.md", to: .ipynb) }
    }

    /// Every note the repository keeps converts to both formats with all its
    /// figures embedded, and each notebook passes Jupyter's validator.
    @Test func everyKeptNoteConverts() throws {
        let sessions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sessions")
        let listed = shell(["git", "-C", sessions.path, "ls-files", "--", "*.md"])
        try #require(listed.status == 0)
        let notes = listed.output.split(separator: "\n").map(String.init).filter { !$0.contains("/") }
        #expect(!notes.isEmpty)
        let out = NSTemporaryDirectory() + "dyson-convert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for note in notes {
            let path = sessions.appendingPathComponent(note).path
            let conversion = try NoteConversion.read(notePath: path)
            #expect(conversion.warnings.isEmpty, "\(note): \(conversion.warnings)")
            let figures = conversion.figures.count
            #expect(conversion.html().components(separatedBy: "data:image/svg+xml;base64,").count - 1
                    >= figures, "\(note)")
            let ipynb = out + "/" + (note as NSString).deletingPathExtension + ".ipynb"
            _ = try NoteConversion.convert(notePath: path, to: .ipynb, output: ipynb)
            if JupyterValidator.skipReason == nil { #expect(JupyterValidator.problem(ipynb) == nil, "\(note)") }
        }
    }
}
