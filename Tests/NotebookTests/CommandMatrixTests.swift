// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Plot
import Testing

/// What one line did, judged by the rule every command obeys: it answers with
/// a result, or refuses with an error that says what to type instead. Its
/// figures are drawn as the terminal draws them (the note's SVG is drawn by
/// the notebook itself), so a figure that cannot be drawn fails here too.
enum Verdict: Equatable, CustomStringConvertible {
    case result
    case refusal
    /// An error without a hint (the message).
    case unhelpful(String)
    /// A command that printed nothing.
    case silent

    init(_ executions: [Execution]) {
        var verdict = Verdict.silent
        for e in executions {
            switch e {
            case .failure(let error):
                let hint = error.suggestion?.trimmingCharacters(in: .whitespaces) ?? ""
                self = hint.isEmpty ? .unhelpful(error.message) : .refusal
                return
            case .output(_, let out):
                for f in out.figures { _ = TextRenderer().render(f.figure) }
                if !out.lines.isEmpty || !out.figures.isEmpty { verdict = .result }
            case .prose, .nothing:
                verdict = .result
            }
        }
        self = verdict
    }

    var isAcceptable: Bool { self == .result || self == .refusal }

    var description: String {
        switch self {
        case .result: return "result"
        case .refusal: return "error with a hint"
        case .unhelpful(let m): return "error without a hint: \(m)"
        case .silent: return "no output"
        }
    }
}

/// Every analysis command on every model, after short and one-step trainings
/// of 1, 2 and 3 runs, with and without `from=`: each answers or explains, and
/// none traps (a trap ends the test process, which fails the suite loudly).
@Suite("Command matrix")
struct CommandMatrixTests {
    /// Models with degenerate and distinct targets, tiny and odd sizes (ts with
    /// few mini-batches per epoch, so its shared data set stays small).
    static let models = [
        "model ts n=1 batches=4",
        "model ts n=2 batches=4",
        "model ts n=2 batches=4 data=fresh",
        "model ts n=20 batches=4",
        "model ts n=30 teacher=2 batches=4",
        "model ts teacher=1,2 batches=4",
        "model ts n=3 teacher=1,2,3 batches=4",
        "model ts n=4 teacher=1,1,2,2 batches=4",
        "model ts n=2 init=1e-200 batches=4",  // init² underflows
        "model rbm n=4 init=0",  // W = 0 stays 0: every level exactly 0
        "model rbm n=4 init=10",  // unstable from the start: every run is dropped
        "model rbm n=2",
        "model rbm n=4",
        "model rbm n=10",
        "model rbm n=10 gradient=exact",
        "model rbm n=100",
        "model dbm n=2",
        "model dbm n=50",
    ]

    /// (runs, steps): one step and a few hundred. The n = 100 RBM gets 20
    /// steps instead of 300 (its Gibbs sweeps dominate the matrix's cost).
    static let trainings = [(1, 1), (2, 1), (3, 1), (1, 300), (2, 300), (3, 300)]

    static func steps(_ steps: Int, for model: String) -> Int {
        model.hasPrefix("model rbm n=100") && steps > 20 ? 20 : steps
    }

    /// The analyses, as a user types them, after a training of `runs` × `steps`.
    static func analyses(runs: Int, steps: Int) -> [String] {
        let from = steps == 1 ? 0 : steps / 2
        return [
            "spectrum", "spectrum from=\(from)",
            "spacing", "spacing from=\(from)",
            "semicircle", "semicircle from=\(from)",
            "ratio", "ratio from=\(from)",
            "flow", "mp",
            "scan lr=0.01,0.02 steps=\(steps) runs=\(runs)",
            "scan lr=0.01 steps=\(steps) runs=\(runs) every=\(max(1, steps / 10)) from=\(from)",
            "export spectra spectra.csv", "export weights weights.npy", "export results results.json",
        ]
    }

    /// Lines that still trap, as "MODEL | TRAIN | COMMAND", skipped until the
    /// command is fixed (then the entry goes). Empty: every combination is safe.
    static let knownCrashes: Set<String> = []

    @Test(arguments: models)
    func everyAnalysisAnswersOrExplains(model: String) throws {
        var checked = 0
        for (runs, requested) in Self.trainings {
            let steps = Self.steps(requested, for: model)
            let dir = NSTemporaryDirectory() + "dyson-matrix-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let nb = Notebook(front: Notebook.frontMatter(seed: 5), baseDirectory: dir)
            let train = "train steps=\(steps) runs=\(runs) seed=11"
            #expect(Verdict(nb.execute(model)) == .result, "\(model)")
            #expect(Verdict(nb.execute(train)) == .result, "\(model) | \(train)")
            for line in Self.analyses(runs: runs, steps: steps) {
                guard !Self.knownCrashes.contains("\(model) | \(train) | \(line)") else { continue }
                let verdict = Verdict(nb.execute(line))
                #expect(verdict.isAcceptable, "\(model) | \(train) | \(line): \(verdict)")
                checked += 1
            }
        }
        #expect(checked == Self.trainings.count * Self.analyses(runs: 1, steps: 1).count - Self.knownCrashes.filter { $0.hasPrefix(model + " |") }.count)
    }

    /// The two crashes that started this matrix now answer: a scan of a model
    /// without a degenerate pair prints its table and says there is nothing to
    /// collapse; `semicircle` after one RBM run says how to get enough levels.
    @Test func theFirstCrashesNowExplain() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 5))
        nb.run("model ts n=20 batches=4")
        let scan = nb.run("scan lr=0.01,0.02 steps=100 runs=5")
        #expect(scan.lines.filter { $0.hasPrefix("    ") && $0.contains("[0…19]") }.count == 2)
        #expect(scan.lines.contains { $0.hasPrefix("nothing to collapse: the target has no degenerate pair") })
        #expect(nb.workspace.scans.isEmpty)
        nb.run("model ts teacher=1,2 batches=4")
        #expect(nb.fail("scan steps=100 runs=5")?.suggestion?.contains("teacher=2") == true)
        nb.run("model rbm")
        nb.run("train steps=300 runs=1")
        // One run, levels far from their targets: no honest density, and the commands that give one.
        let semicircle = nb.run("semicircle")
        #expect(semicircle.lines.contains { $0.hasPrefix("pooled pairs: ") && $0.contains("not converged") }, "\(semicircle.lines)")
        #expect(semicircle.lines.contains { $0.hasPrefix("  to get one: ") && $0.contains("train continue steps=") && $0.contains("runs=") })
    }

    /// A scan whose settings cannot give a pair four spacings is refused before
    /// training, with the same scan and enough runs as the hint; a setting the
    /// trainer refuses is named, with the trainer's remedy.
    @Test func scanWithTooFewRunsSaysHowManyBeforeTraining() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 5))
        nb.run("model ts n=2 batches=4")
        let error = try #require(nb.fail("scan lr=0.01,0.02 steps=100 runs=3"))
        #expect(error.message.hasPrefix("3 runs give each pair 3 spacings per setting"))
        #expect(error.suggestion == "scan lr=0.01,0.02 steps=100 runs=100")
        nb.run("model rbm n=4")
        let along = try #require(nb.fail("scan steps=100 runs=1 every=50 from=50"))
        #expect(along.message.hasPrefix("1 run × 2 snapshots"))
        nb.run("model ts n=2 batches=4")
        let unstable = try #require(nb.fail("scan lr=0.01,50 steps=50 runs=4"))
        #expect(unstable.message.hasPrefix("setting 2: SGD is unstable at lr=50"))
        #expect(unstable.suggestion?.contains("lr <") == true)
    }

    /// With noise=0 every predicted scale of a teacher–student scan is 0: the
    /// table is printed and the collapse says why no line is fitted.
    @Test func scanWithZeroScaleSaysWhyThereIsNoLine() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 5))
        nb.run("model ts n=2 batches=4 noise=0")
        let scan = nb.run("scan lr=0.01,0.02 steps=100 runs=5")
        #expect(scan.lines.contains { $0.contains("no line fitted: every point's predicted scale is 0") })
        #expect(scan.records.isEmpty)
    }
}
