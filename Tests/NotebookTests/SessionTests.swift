// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing

/// A notebook in a fresh temporary folder, with a live note.
func makeSession(seed: UInt64 = 3) throws -> (Notebook, String) {
    let dir = NSTemporaryDirectory() + "dyson-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let front = Notebook.frontMatter(seed: seed)
    let journal = try Journal(path: dir + "/note.md", front: front)
    return (Notebook(front: front, journal: journal, baseDirectory: dir), dir)
}

extension Notebook {
    /// Runs a line that must succeed; returns its output.
    @discardableResult
    func run(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> CommandOutput {
        for r in execute(line) {
            if case .failure(let e) = r { Issue.record("\(line): \(e)", sourceLocation: sourceLocation) }
            if case .output(_, let out) = r { return out }
        }
        return CommandOutput()
    }

    /// Runs a line that must fail; returns the error.
    func fail(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> NotebookError? {
        for r in execute(line) { if case .failure(let e) = r { return e } }
        Issue.record("\(line) did not fail", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite("Notebook sessions")
struct SessionTests {
    @Test func commandsInOrderTellWhatToDoFirst() throws {
        let (nb, _) = try makeSession()
        #expect(nb.fail("train lr=0.1")?.suggestion?.contains("model") == true)
        #expect(nb.fail("spacing")?.suggestion?.contains("model") == true)
        nb.run("model ts n=2")
        #expect(nb.fail("spacing")?.suggestion?.contains("train") == true)
        #expect(nb.fail("flow of=nothing")?.message.contains("no result named") == true)
    }

    @Test func aTeacherStudentSessionMeasuresThePairSpacing() throws {
        let (nb, dir) = try makeSession()
        nb.run("# A degenerate teacher.")
        nb.run("model ts n=2 noise=0.1 data=fresh")
        let train = nb.run("train lr=0.1 batch=16 steps=2000 runs=2000")
        #expect(train.lines.contains { $0.contains("trained 2000 runs × 2000 steps") })
        let spacing = nb.run("spacing replicas=100")
        let record = try #require(spacing.records.first { $0.quantity.hasPrefix("⟨S⟩") })
        let predicted = try #require(record.prediction)
        #expect(abs(record.value - predicted) < 4 * record.error!)
        #expect(spacing.figures.count == 1)
        // The live note has the prose, the commands with their seeds, outputs and figures.
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(note.contains("A degenerate teacher."))
        #expect(note.contains("```dyson\ntrain lr=0.1 batch=16 steps=2000 runs=2000 seed="))
        #expect(note.contains("![Spacings"))
        let svgs = try FileManager.default.contentsOfDirectory(atPath: dir + "/note.assets")
        #expect(svgs.contains { $0.hasSuffix("-spacing-1.svg") })
        for line in ["semicircle", "spectrum", "flow", "mp", "show"] { _ = nb.run(line) }
    }

    /// With five or more pairs, `spacing` sorts them into isolated ones (nearest
    /// other target ≥ 6σ, σ = predicted ⟨S⟩/√π) and the rest; the count agrees
    /// with the criterion computed here from the model's targets and predictions,
    /// and it changes with α/|B| the way it must (smaller noise, more isolated).
    @Test func manyPairsAreSortedIntoIsolatedAndOverlapping() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 3))
        nb.run("model rbm n=12")
        var counts = [Int]()
        for lr in [0.1, 0.002] {
            nb.run("train lr=\(lr) batch=16 steps=200 runs=8 every=200")
            let result = try #require(nb.workspace.last)
            let targets = result.target.values
            let expected = result.target.blocks.filter { pair in
                let predicted = result.predictions.first { $0.key == "S_mean\(pair)" }!.value
                let nearest = targets.indices.filter { !pair.contains($0) }.map { abs(targets[$0] - targets[pair[0]]) }.min()!
                return nearest >= 6 * predicted / Double.pi.squareRoot()
            }.count
            let out = nb.run("spacing replicas=20")
            let line = try #require(out.lines.first { $0.hasPrefix("isolated pairs") })
            #expect(line.contains(": \(expected) of 5"), "\(line)")
            #expect(out.figures.count == 2)
            counts.append(expected)
        }
        #expect(counts[0] < counts[1])
    }

    @Test func aFailedCommandChangesNothing() throws {
        let (nb, dir) = try makeSession()
        nb.run("model rbm n=10")
        let before = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        let e = nb.fail("model rbm mu=2")
        #expect(e?.message.contains("m² + 4") == true && e?.suggestion?.contains("mu >") == true)
        #expect(nb.workspace.model?.summary.hasPrefix("rbm n=10 mu=3.0") == true)
        #expect(try String(contentsOfFile: dir + "/note.md", encoding: .utf8) == before)
        // A training that would not fit in memory is refused with the estimate.
        let big = nb.fail("train lr=0.01 steps=1e6 runs=100000 every=1")
        #expect(big?.message.contains("GB") == true)
        #expect(nb.workspace.last == nil)
    }

    @Test func exportsAreReadableElsewhere() throws {
        let (nb, dir) = try makeSession()
        nb.run("model rbm n=4")
        nb.run("train lr=0.01 batch=8 steps=200 runs=3 every=100")
        nb.run("ratio")
        nb.run("export spectra s.csv")
        let csv = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "run,step,index,value,target")
        #expect(csv.count == 1 + 3 * 3 * 4)  // snapshots 0, 100, 200 × 3 runs × 4 levels
        nb.run("export weights w.npy")
        let npy = try Data(contentsOf: URL(fileURLWithPath: dir + "/w.npy"))
        #expect(npy.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'shape': (3, 4, 4)") && header.contains("'<f8'"))
        #expect(npy.count == 10 + headerLength + 3 * 16 * 8)
        nb.run("export results r.json")
        let records = try JSONDecoder().decode([ResultRecord].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json")))
        #expect(records.contains { $0.command == "ratio" && $0.prediction == 0.5307 })
    }

    @Test func saveIsAtomicAndAnUnwritablePathLeavesTheNoteAlone() throws {
        let (nb, dir) = try makeSession()
        nb.run("model dbm n=8")
        nb.run("train lr=0.1 steps=50 runs=4")
        let live = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        #expect(nb.fail("save /nonexistent-folder/x.md")?.message.contains("cannot write") == true)
        #expect(nb.fail("save x.txt")?.suggestion == "save x.txt.md")
        #expect(try String(contentsOfFile: dir + "/note.md", encoding: .utf8) == live)
        nb.run("save copy.md")
        let copy = try String(contentsOfFile: dir + "/copy.md", encoding: .utf8)
        #expect(copy.contains("train lr=0.1 steps=50 runs=4 seed="))
        // load replays it into a new session with the same results.
        let (other, otherDir) = try makeSession(seed: 99)
        try FileManager.default.copyItem(atPath: dir + "/copy.md", toPath: otherDir + "/copy.md")
        let results = other.execute("load copy.md")
        #expect(results.count == 3)
        #expect(other.workspace.last?.spectra == nb.workspace.last?.spectra)
    }
}

@Suite("Scan")
struct ScanTests {
    /// Two scans land in one collapse; settings with equal α/|B| agree (the
    /// linear scaling rule) and the fitted slope is near √π.
    @Test func scansCollapseOnOneLine() throws {
        let (nb, _) = try makeSession()
        nb.run("model ts n=2 data=fresh")
        let lrScan = nb.run("scan lr=0.05,0.1 batch=16 steps=1500 runs=1500")
        #expect(lrScan.lines.contains { $0.contains("a_fit") })
        let batchScan = nb.run("scan lr=0.05 batch=8 steps=1500 runs=1500 as=batch")
        #expect(batchScan.lines.contains { $0.hasPrefix("collapse over 2 scans (3 points)") })
        let scans = nb.workspace.scans
        let a = try #require(scans[0].points.first { $0.lr == 0.1 && $0.batch == 16 })
        let b = try #require(scans[1].points.first { $0.lr == 0.05 && $0.batch == 8 })
        let difference = a.meanSpacing.value - b.meanSpacing.value
        let error = (pow(a.meanSpacing.error!, 2) + pow(b.meanSpacing.error!, 2)).squareRoot()
        #expect(abs(difference) < 4 * error, "equal α/|B|: \(a.meanSpacing) vs \(b.meanSpacing)")
        let slope = try #require(batchScan.records.first { $0.quantity == "a_fit ⟨S⟩" })
        #expect(abs(slope.value / Double.pi.squareRoot() - 1) < 0.06, "a_fit = \(slope.value)")
        #expect(batchScan.figures.first?.figure.layers.compactMap(\.label).contains("⟨S⟩ batch") == true)
        nb.run("model dbm n=10")
        #expect(nb.fail("scan lr=0.1 steps=10 runs=10")?.message.contains("degenerate pairs") == true)
    }
}
