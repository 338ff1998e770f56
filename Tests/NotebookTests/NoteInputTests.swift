// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Testing

/// Notes and scripts as they arrive from elsewhere: CRLF line ends, a
/// byte-order mark, files that are not notes at all.
@Suite("Notes and scripts as input")
struct NoteInputTests {
    func goodNote() throws -> (folder: String, path: String, text: String) {
        let folder = try freshFolder("input")
        let path = try recordedNote(in: folder, ["# A calibration.", "model dbm n=6", "train lr=0.1 steps=10 runs=4", "ratio"])
        return (folder, path, try String(contentsOfFile: path, encoding: .utf8))
    }

    /// A CRLF copy (with or without a BOM) replays like the original: the
    /// same commands, all matching; a tampered number in it is still found.
    @Test func aCRLFCopyOfANoteReplaysLikeTheOriginal() throws {
        let (folder, path, text) = try goodNote()
        let original = try Replay.run(path: path)
        #expect(original.entries.count == 3 && original.ok)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        for (name, copy) in [("crlf.md", crlf), ("bom.md", "\u{FEFF}" + crlf), ("bom-lf.md", "\u{FEFF}" + text)] {
            try copy.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            let report = try Replay.run(path: folder + "/" + name)
            #expect(report.entries.map(\.line) == original.entries.map(\.line), "\(name)")
            #expect(report.ok, "\(name): \(report.mismatches)")
        }
        let line = try #require(crlf.components(separatedBy: "\r\n").first { $0.hasPrefix("⟨r̃⟩ = ") })
        let number = try #require(line.split(separator: " ").dropFirst(2).first)
        let tampered = crlf.replacingOccurrences(of: line, with: line.replacingOccurrences(of: String(number), with: String(Double(number)! * 1.2)))
        try tampered.write(toFile: folder + "/tampered.md", atomically: true, encoding: .utf8)
        let report = try Replay.run(path: folder + "/tampered.md")
        #expect(report.mismatches.map(\.line).first?.hasPrefix("ratio") == true)
    }

    /// A file with no dyson block, and a random binary file, are not notes:
    /// replay refuses them (the command line exits non-zero).
    @Test func aFileThatIsNotANoteIsRefused() throws {
        let folder = try freshFolder("input")
        try "# Shopping\n\n- milk\n\n```python\nprint(1)\n```\n".write(toFile: folder + "/plain.md", atomically: true, encoding: .utf8)
        var generator = NoteFuzzRandom(seed: 12)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/random.md"))
        // Bytes that are valid UTF-8 but hold NUL: binary too.
        try Data("```dyson\nmodel dbm n=4\n```\n\u{0}\u{0}".utf8).write(to: URL(fileURLWithPath: folder + "/nul.md"))
        for (name, expected) in [("plain.md", "not a dyson note"), ("random.md", "not a text file"), ("nul.md", "not a text file")] {
            #expect(performing: { try Replay.run(path: folder + "/" + name) }, throws: { e in
                (e as? NotebookError)?.message.contains(expected) == true
            })
        }
        let binary = try dysonBinary()
        for name in ["plain.md", "random.md"] {
            let r = shell([binary, "replay", folder + "/" + name, "--check"])
            #expect(r.status != 0 && !r.output.contains("all match"), "\(name): \(r.output)")
        }
        // load refuses them too.
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: folder)
        #expect(nb.fail("load plain.md")?.message.contains("not a dyson note") == true)
        #expect(nb.fail("load random.md")?.message.contains("not a text file") == true)
    }

    /// A CRLF script (with a BOM) runs line by line, from a file and from stdin.
    @Test func aCRLFScriptRunsLineByLine() throws {
        let binary = try dysonBinary(), folder = try freshFolder("script")
        let script = "\u{FEFF}model dbm n=4\r\ntrain lr=0.1 steps=10 runs=2\r\nratio\r\n"
        try script.write(toFile: folder + "/s.dyson", atomically: true, encoding: .utf8)
        let fromFile = shell([binary, folder + "/s.dyson"])
        #expect(fromFile.status == 0 && fromFile.output.contains("⟨r̃⟩ ="), "\(fromFile.output)")
        let fromPipe = shell(["/bin/sh", "-c", "cat '\(folder)/s.dyson' | '\(binary)'"])
        #expect(fromPipe.status == 0 && fromPipe.output.contains("⟨r̃⟩ ="), "\(fromPipe.output)")
        let redirected = shell(["/bin/sh", "-c", "'\(binary)' < '\(folder)/s.dyson'"])
        #expect(redirected.status == 0 && redirected.output.contains("⟨r̃⟩ ="), "\(redirected.output)")
    }

    @Test func textIsNormalised() {
        #expect(FileSystem.normalisedText("\u{FEFF}a\r\nb\rc\n\r\n") == "a\nb\nc\n\n")
        #expect(NoteDocument.isNote("---\ndyson: 0.1.0\nseed: 1\n---\n"))
        #expect(NoteDocument.isNote("text\n```dyson \nmodel ts\n```\n"))
        #expect(!NoteDocument.isNote("---\ntitle: x\n---\n```python\n```\n"))
    }
}
