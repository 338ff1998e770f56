// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import Notebook
import Testing

/// A small seeded generator (Linalg's SplitMix64), so every fuzz case can be rebuilt from its number.
typealias NoteFuzzRandom = SplitMix64

extension SplitMix64 {
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &self) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }
}

/// Random notes built from the commands' own schemas (so most lines parse and
/// run), random paths (`..`, absolute, links, FIFOs, notes), random bytes.
/// Trainings stay tiny: a fuzz case costs milliseconds.
struct NoteFuzzer {
    let folder: String
    let outside: String
    var g: NoteFuzzRandom
    /// Whether `-` (standard output) is among the paths: a replay sends it to
    /// its scratch folder, a load prints it (noise in the test log).
    var standardOutput = true

    var paths: [String] {
        (standardOutput ? ["-"] : []) + ["x.csv", "out/x.csv", "../x.csv", "../../x.csv", outside + "/abs.csv", "sub/../y.csv", "sub/z.npy", "fuzz.md", "linked.md",
         "sibling.md", "self.md", "loop.md", "alias.md", "fifo", "data.csv", "link-out.csv", "link-in.csv", "fuzz.assets/z.svg",
         "linked.assets/f.svg", "/dev/null", ".", "..", "dir/", "\"a b.md\"", "nothere/x.csv", "missing.md", folder + "/sibling.md",
         folder + "/../outside/x.md", "sub", String(repeating: "x", count: 300) + ".md", "out", "out/new.md", "r.json", "w.npy",
         "note.md", "~/x.csv", "$HOME/x.csv", "\\x.csv", "./fuzz.md"]
    }

    mutating func garbage() -> String {
        let pieces = ["=", "\"", "#", "\t", " ", "x", "1e400", "nan", "-inf", "0x10", ",", ",,", "é", "→", "\u{7}", "\u{1B}[2J", "\u{202E}",
                      "9223372036854775807", "-1", "1e-320", "''", "`", "$(touch pwned)", ";", "|", ">", "load", "LOAD", "save", "export"]
        return (0..<g.int(1...6)).map { _ in g.pick(pieces) }.joined(separator: g.chance(0.5) ? " " : "")
    }

    mutating func value(for p: ParameterSpec, command: String) -> String {
        if g.chance(0.04) { return garbage() }
        switch p.name {
        case "steps", "every": return String(g.int(1...30))
        case "from": return String(g.int(0...30))
        case "runs": return String(g.int(1...4))
        case "n": return String(g.int(2...5))
        case "replicas": return String(g.int(10...20))
        case "batch": return command == "scan" ? g.pick(["4", "2,4", "8"]) : String(g.int(1...8))
        case "batches", "k": return String(g.int(1...3))
        case "first", "last": return String(g.int(1...3))
        case "seed": return String(g.int(0...1_000_000))
        case "digits": return String(g.int(2...15))
        case "lr": return command == "scan" ? g.pick(["0.05", "0.05,0.1", "0.9,1.5"]) : g.pick(["0.01", "0.05", "0.1", "0.9", "1.9"])  // the last ones diverge or are refused
        case "noise": return g.pick(["0.1", "0", "1"])
        case "teacher": return "2"
        case "as", "of": return g.pick(["a", "b", "\"scan 1\""])
        default: break
        }
        switch p.kind {
        case .real(let r): return String(Double.random(in: r.lowerBound...min(r.upperBound, r.lowerBound + 3), using: &g))
        case .integer(let r): return String(g.int(r.lowerBound...min(r.upperBound, r.lowerBound + 3)))
        case .choice(let c): return g.pick(c)
        case .text: return g.pick(paths)
        case .reals(let r): return String(Double.random(in: r.lowerBound...min(r.upperBound, r.lowerBound + 3), using: &g))
        }
    }

    /// Commands left out: the cluster commands, which submit to a real Slurm
    /// where one answers (a note's are tested in the job command tests).
    static let excluded: Set<String> = ["submit", "wait", "jobs", "cancel", "resubmit"]

    /// A command line from a random command's schema.
    mutating func commandLine() -> String {
        let command = g.pick(Notebook.commands.map { $0.spec }.filter { !Self.excluded.contains($0.name) && ($0.name != "quit" || g.chance(0.2)) })
        var words = [g.chance(0.1) ? command.name.uppercased() : command.name]
        var first: String?
        for p in command.positional where !g.chance(0.05) {
            let word: String
            switch p.kind {
            case .text where p.name == "file": word = g.pick(paths)
            case .text: word = g.pick(Notebook.commands.map { $0.spec.name })
            default: word = value(for: p, command: command.name)
            }
            if first == nil { first = word }
            words.append(word)
        }
        var given = Set<String>()
        for p in command.parameters(for: first) where !CommandLineFuzzer.clusterParameters.contains(p.name) && g.chance(0.3) || (["steps", "runs"].contains(p.name) && ["train", "scan"].contains(command.name)) {
            given.insert(p.name)
            words.append("\(p.name)=\(value(for: p, command: command.name))")
        }
        if g.chance(0.03) { words.append(garbage()) }
        return words.joined(separator: g.chance(0.1) ? "\t" : " ")
    }

    mutating func line() -> String {
        switch g.int(0...9) {
        case 0: return garbage()
        case 1: return g.pick(["load self.md", "LOAD \"self.md\"", "load\tloop.md", "load sibling.md", "load fuzz.md", "load alias.md",
                               "load ../outside/x.md", "load fifo", "load data.csv", "load sibling.md only=scans"])
        case 2: return g.pick(["model dbm n=4", "model rbm n=3", "model ts n=2"]) 
        case 3: return g.pick(["train lr=0.1 steps=10 runs=2", "train lr=0.01 batch=4 steps=20 runs=3 every=5"])
        default: return commandLine()
        }
    }

    /// A whole note: front matter (usually), prose, command blocks with made-up
    /// outputs, sometimes CRLF, a BOM, an unclosed fence or no front matter.
    mutating func note() -> String {
        var s = ""
        if !g.chance(0.1) {
            s += "---\ndyson: 0.1.0\nseed: \(g.chance(0.05) ? garbage() : String(g.int(0...1000)))\n"
            if !g.chance(0.03) { s += "---\n" }
            s += "\n"
        }
        if g.chance(0.4) { s += "```dyson\nmodel dbm n=4\n```\n\n```dyson\ntrain lr=0.1 steps=10 runs=2\n```\n\n" }
        for _ in 0..<g.int(0...6) {
            if g.chance(0.2) { s += "Some prose \(garbage()).\n\n"; continue }
            s += "```dyson\n" + (0..<g.int(1...2)).map { _ in line() }.joined(separator: "\n") + "\n"
            if g.chance(0.97) { s += "```\n" }
            if g.chance(0.3) { s += "```text\nvalue \(Double(g.int(0...1000)) / 7)\n```\n" }
            if g.chance(0.1) { s += "\n![figure](fuzz.assets/../../outside/evil.svg)\n" }
            s += "\n"
        }
        if g.chance(0.2) { s = s.replacingOccurrences(of: "\n", with: "\r\n") }
        if g.chance(0.1) { s = "\u{FEFF}" + s }
        return s
    }
}

@Suite("Fuzzed notes")
struct FuzzNoteTests {
    /// A folder of traps beside an `outside` folder that nothing may reach.
    func arena() throws -> (root: String, folder: String, outside: String) {
        let root = try freshFolder("fuzz")
        let folder = root + "/note", outside = root + "/outside"
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: folder + "/out", withDestinationPath: "../outside")
        try fm.createSymbolicLink(atPath: folder + "/link-out.csv", withDestinationPath: outside + "/t.csv")
        try fm.createSymbolicLink(atPath: folder + "/link-in.csv", withDestinationPath: "data.csv")
        try fm.createSymbolicLink(atPath: folder + "/linked.assets", withDestinationPath: "../outside")
        try fm.createSymbolicLink(atPath: folder + "/alias.md", withDestinationPath: "self.md")
        try fm.createSymbolicLink(atPath: folder + "/loop.md", withDestinationPath: "loop.md")
        #expect(mkfifo(folder + "/fifo", 0o600) == 0)
        try "a,b\n1,2\n".write(toFile: folder + "/data.csv", atomically: true, encoding: .utf8)
        try handWrittenNote(["model dbm n=4", "load self.md", "export spectra self.csv", "LOAD alias.md"]).write(toFile: folder + "/self.md", atomically: true, encoding: .utf8)
        try handWrittenNote(["model dbm n=4", "train lr=0.1 steps=5 runs=2", "set seed=5", "save sibling.md", "load self.md"])
            .write(toFile: folder + "/sibling.md", atomically: true, encoding: .utf8)
        return (root, folder, outside)
    }

    /// Thousands of random notes replayed with --check semantics: no crash, no
    /// hang, nothing created, changed or removed anywhere in the arena (the
    /// note's folder included), nothing outside it.
    @Test func randomNotesReplayReadOnly() throws {
        let (root, folder, outside) = try arena()
        let cwd = FileManager.default.currentDirectoryPath
        let cwdBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: cwd)) ?? [])
        var fuzzer = NoteFuzzer(folder: folder, outside: outside, g: NoteFuzzRandom(seed: 2407))
        var replayed = 0, refused = 0, slowest = 0.0
        for k in 0..<2000 {
            let text = fuzzer.note()
            let name = k % 5 == 0 ? "linked.md" : "fuzz.md"
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            let before = snapshot(root)
            let started = Date()
            do { _ = try Replay.run(path: folder + "/" + name); replayed += 1 } catch { refused += 1 }
            slowest = max(slowest, Date().timeIntervalSince(started))
            let after = snapshot(root)
            if after != before {
                let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }.sorted()
                Issue.record("case \(k) changed \(changed):\n\(text)")
                break
            }
        }
        #expect(replayed > 1000 && refused > 0, "replayed \(replayed), refused \(refused)")
        #expect(slowest < 60, "a case took \(slowest) s")  // a hang guard, not a benchmark
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(Set((try? FileManager.default.contentsOfDirectory(atPath: cwd)) ?? []) == cwdBefore)
    }

    /// Random notes with --update: only the note and its own assets folder
    /// change; a note whose assets folder links outside is refused whole; a
    /// refused update leaves the note as it was.
    @Test func randomNotesUpdateOnlyTheirNote() throws {
        let (root, folder, outside) = try arena()
        var fuzzer = NoteFuzzer(folder: folder, outside: outside, g: NoteFuzzRandom(seed: 11))
        var updated = 0
        for k in 0..<300 {
            let text = fuzzer.note()
            let name = k % 3 == 0 ? "linked" : "fuzz"
            try text.write(toFile: folder + "/\(name).md", atomically: true, encoding: .utf8)
            let before = snapshot(root)
            let threw: Bool
            do { _ = try Replay.run(path: folder + "/\(name).md", update: true); threw = false; updated += 1 } catch { threw = true }
            let after = snapshot(root)
            let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }
            let allowed = changed.allSatisfy { $0 == "note/\(name).md" || $0.hasPrefix("note/\(name).assets") }
            #expect(allowed && !(threw && !changed.isEmpty), "case \(k) changed \(changed.sorted()):\n\(text)")
            if !allowed { break }
            try? FileManager.default.removeItem(atPath: folder + "/fuzz.assets")
        }
        #expect(updated > 100)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    /// Random notes loaded into a session that works in another folder: the
    /// loaded lines may write only inside the note's folder, never a note,
    /// nothing in the session's folder or outside.
    @Test func randomNotesLoadedIntoASessionStayInTheirFolder() throws {
        let (root, folder, outside) = try arena()
        let session = root + "/session"
        try FileManager.default.createDirectory(atPath: session, withIntermediateDirectories: true)
        var fuzzer = NoteFuzzer(folder: folder, outside: outside, g: NoteFuzzRandom(seed: 5), standardOutput: false)
        let notes = ["self.md", "sibling.md", "fuzz.md"].map { folder + "/" + $0 }
        for k in 0..<500 {
            let text = fuzzer.note()
            try text.write(toFile: folder + "/fuzz.md", atomically: true, encoding: .utf8)
            let outsideBefore = snapshot(outside), sessionBefore = snapshot(session)
            let kept = notes.map { FileManager.default.contents(atPath: $0) }
            let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: session)
            _ = nb.execute("load \(folder)/fuzz.md")
            let outsideKept = snapshot(outside) == outsideBefore, sessionKept = snapshot(session) == sessionBefore
            let notesKept = notes.map { FileManager.default.contents(atPath: $0) } == kept
            let fine = outsideKept && sessionKept && notesKept
            #expect(fine, "case \(k): outside kept \(outsideKept), session's folder kept \(sessionKept), notes kept \(notesKept):\n\(text)")
            if !fine { break }
        }
    }
}
