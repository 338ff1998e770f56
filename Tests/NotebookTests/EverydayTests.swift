// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Testing

/// The words people bring from IPython and shells, and help beyond commands.
@Suite("Everyday words")
struct EverydayTests {
    @Test func questionMarksAskForHelp() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        #expect(nb.run("?").lines.first?.hasPrefix("dyson commands") == true)
        #expect(nb.run("help?").lines.first?.hasPrefix("dyson commands") == true)
        #expect(nb.run("train?").lines.first?.hasPrefix("train [MODE]") == true)
        #expect(nb.run("  spacing ? ").lines.first?.hasPrefix("spacing") == true)
        // A prose line ending in ? stays prose.
        let prose = nb.execute("# Does the pair repel?")
        if case .prose(let p)? = prose.first { #expect(p == "Does the pair repel?") } else { Issue.record("not prose: \(prose)") }
    }

    @Test func shellWordsMeanTheirDysonCommands() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        #expect(nb.run("ls").lines.first?.hasPrefix("model:") == true)
        #expect(nb.run("who").lines.first?.hasPrefix("model:") == true)
        #expect(nb.run("help exit").lines.first?.hasPrefix("quit") == true)
        nb.run("exit")
        #expect(nb.quitRequested)
    }

    @Test func helpExplainsTopicsAndSuggestsThem() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        for topic in HelpCommand.topics.keys {
            #expect(nb.run("help \(topic)").lines == HelpCommand.topics[topic])
        }
        #expect(nb.run("help").lines.contains { $0.contains("help seeds") && $0.contains("help notes") })
        #expect(nb.fail("help nots")?.suggestion == "did you mean help notes?")
        #expect(!HelpCommand.topics.values.joined().contains { $0.contains("science.md") })
    }

    @Test func aModelNeedsItsKindAndHintsNameEachParameterOnce() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        let e = nb.fail("model")
        #expect(e?.message.contains("ts") == true && e?.message.contains("rbm") == true && e?.message.contains("dbm") == true)
        #expect(nb.workspace.model == nil)
        let unknown = nb.fail("model zzz=1")
        let listed = unknown?.suggestion?.components(separatedBy: "takes ").last?.components(separatedBy: ", ") ?? []
        #expect(Set(listed).count == listed.count, "\(unknown?.suggestion ?? "")")
    }
}

@Suite("Result provenance")
struct ProvenanceTests {
    /// Every record says which command made it and what it analysed, so two
    /// analyses of one quantity can be told apart; KS p-values say when they are bounds.
    @Test func recordsCarryTheirCommandAndTheResultTheyAnalysed() throws {
        let nb = Notebook(front: Notebook.frontMatter(seed: 2))
        nb.run("model dbm n=10")
        nb.run("train steps=100 runs=30 as=a")
        nb.run("train steps=60 runs=20")
        nb.run("spacing replicas=20 of=a")
        nb.run("spacing replicas=20 from=30")
        let variances = nb.workspace.records.filter { $0.quantity == "Var(s)" }
        #expect(variances.count == 2)
        #expect(variances[0].line?.hasPrefix("spacing replicas=20 of=a seed=") == true)
        #expect(variances[0].analysed?.contains("steps=100 runs=30") == true && variances[0].analysed?.contains("result a") == true)
        #expect(variances[1].analysed?.contains("steps=60 runs=20") == true && variances[1].analysed?.contains("from step 30") == true)
        #expect(variances[0].line != variances[1].line && variances[0].analysed != variances[1].analysed)
        let p = try #require(nb.workspace.records.first { $0.quantity == "KS p vs surmise" })
        #expect(p.isUpperBound != nil)
        let data = try JSONEncoder().encode(p)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"analysed\"") && json.contains("\"line\"") && json.contains("\"isUpperBound\""))
    }
}

@Suite("History, undo, source")
struct SessionWordsTests {
    /// `history` numbers the typed lines as readline walks them: the folder's
    /// earlier lines first, then this session's; the file keeps the newest
    /// `capacity` lines and gets each new line as it is typed.
    @Test func historyIsOneNumberedListKeptPerFolder() throws {
        let dir = try freshFolder("history")
        let path = dir + "/" + SessionHistory.fileName
        let old = (1...(SessionHistory.capacity + 5)).map { "show # \($0)" }
        try (old.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let nb = Notebook(front: Notebook.frontMatter(seed: 1), baseDirectory: dir)
        nb.history = SessionHistory(path: path)
        #expect(nb.history.earlier == Array(old.suffix(SessionHistory.capacity)))
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == SessionHistory.capacity)
        nb.run("model dbm n=4")
        nb.execute("   ")
        nb.execute("nonsense")
        let shown = nb.run("history").lines
        let n = SessionHistory.capacity
        #expect(Array(shown.prefix(3)) == ["\(n + 1)  model dbm n=4", "\(n + 2)  nonsense", "\(n + 3)  history"])
        #expect(shown.last?.contains("\(n) earlier lines") == true)
        let all = nb.run("history all=yes").lines
        #expect(all.contains("  — this session —") && all.contains("\(n + 4)  history all=yes"))
        #expect(all.filter { $0.hasPrefix(String(repeating: " ", count: String(n + 4).count - 1) + "1  ") }.count == 1)
        let file = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Array(file.suffix(4)) == ["model dbm n=4", "nonsense", "history", "history all=yes"])
        #expect(nb.history.all.count == SessionHistory.capacity + 4)  // numbers stay put within a session
        // Not in the note, and it does not change the workspace.
        #expect(!nb.document.entries.contains { if case .command(let l, _, _, _) = $0 { l.hasPrefix("history") } else { false } })
    }

    /// undo: the last line's cells leave the note (the file too, with their
    /// figures) and the workspace is exactly as before; running the undone
    /// command again gives the same seed and the same numbers.
    @Test func undoIsExact() throws {
        let (nb, dir) = try makeSession(seed: 7)
        #expect(nb.fail("undo")?.message.hasPrefix("nothing to undo") == true)
        nb.run("model dbm n=10")
        nb.run("train lr=0.1 steps=40 runs=4")
        nb.run("ratio")
        let note = try String(contentsOfFile: dir + "/note.md", encoding: .utf8)
        let assets = try FileManager.default.contentsOfDirectory(atPath: dir + "/note.assets")
        let first = nb.workspace.last
        guard case .output(let recorded, _)? = nb.execute("train lr=0.2 steps=40 runs=4").first else { Issue.record("no output"); return }
        nb.run("ratio")
        nb.run("# a remark")
        nb.run("show")
        #expect(nb.run("undo").lines.first == "undid: # a remark")
        #expect(nb.run("undo").lines.first == "undid: ratio")
        let undone = nb.run("undo").lines
        #expect(undone.first == "undid: train lr=0.2 steps=40 runs=4" && undone[1].contains("1 cell removed"))
        #expect(try String(contentsOfFile: dir + "/note.md", encoding: .utf8) == note)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/note.assets").sorted() == assets.sorted())
        #expect(nb.workspace.last?.spectra == first?.spectra && nb.workspace.last?.config.lr == 0.1)
        guard case .output(let again, _)? = nb.execute("train lr=0.2 steps=40 runs=4").first else { Issue.record("no output"); return }
        #expect(again == recorded)
        let replay = try Replay.run(path: dir + "/note.md")
        #expect(replay.ok && replay.entries.count == 4, "\(replay.entries)")
    }

    /// Undo of a load takes the whole load back; undo never deletes what a
    /// line wrote (an export) or a saved copy, and says so.
    @Test func undoKeepsFilesAndTakesALoadBackWhole() throws {
        let (nb, dir) = try makeSession(seed: 8)
        try handWrittenNote(["model dbm n=6", "train lr=0.1 steps=20 runs=3 seed=4", "spectrum"]).write(toFile: dir + "/other.md", atomically: true, encoding: .utf8)
        nb.run("model rbm n=4")
        nb.run("load other.md")
        #expect(nb.workspace.model?.summary.hasPrefix("dbm") == true)
        let back = nb.run("undo").lines
        #expect(back.first == "undid: load other.md" && back[1].contains("3 cells removed"))
        #expect(nb.workspace.model?.summary.hasPrefix("rbm") == true && nb.workspace.last == nil)
        nb.run("load other.md")
        nb.run("export spectra out.csv")
        nb.run("save copy.md")
        let told = nb.run("undo").lines
        #expect(told.contains { $0.contains("out.csv (written by export) is kept") && $0.contains("undo deletes no file") })
        #expect(told.contains { $0.contains("'save copy.md' wrote a copy") })
        #expect(FileManager.default.fileExists(atPath: dir + "/out.csv") && FileManager.default.fileExists(atPath: dir + "/copy.md"))
        // A note cannot undo: it is refused when the note is loaded.
        try handWrittenNote(["model dbm n=4", "undo"]).write(toFile: dir + "/undoing.md", atomically: true, encoding: .utf8)
        let results = nb.execute("load undoing.md")
        guard case .failure(let e)? = results.last else { Issue.record("undo in a note ran"); return }
        #expect(e.message.contains("undo in a note"))
    }

    /// source runs a script's lines as if typed, each a cell in the note; a
    /// failing line is named by file and line and stops the script; a script
    /// that sources itself is refused.
    @Test func sourceRunsAScriptLineByLine() throws {
        let (nb, dir) = try makeSession(seed: 9)
        try "# a sourced script\nmodel dbm n=8\n\ntrain lr=0.1 steps=20 runs=3\nratio\n".write(toFile: dir + "/a.dyson", atomically: true, encoding: .utf8)
        let results = nb.execute("source a.dyson")
        #expect(results.count == 5)
        #expect(nb.document.entries.count == 4)  // the prose line and three commands; not the source line
        #expect(!nb.document.entries.contains { if case .command(let l, _, _, _) = $0 { l.hasPrefix("source") } else { false } })
        try "model dbm n=8\nspcing\nratio\n".write(toFile: dir + "/bad.dyson", atomically: true, encoding: .utf8)
        let bad = nb.execute("source bad.dyson")
        guard case .failure(let e)? = bad.last else { Issue.record("no error"); return }
        #expect(e.message == "bad.dyson:2: unknown command 'spcing'" && e.suggestion?.contains("later lines were not run") == true)
        #expect(bad.count == 3)
        try "model dbm n=4\nsource loop.dyson\n".write(toFile: dir + "/loop.dyson", atomically: true, encoding: .utf8)
        guard case .failure(let cycle)? = nb.execute("source loop.dyson").last else { Issue.record("no error"); return }
        #expect(cycle.message.contains("loop.dyson:2: source: loop.dyson is already running"))
        #expect(nb.fail("source missing.dyson") != nil)
        #expect(nb.fail("source note.md")?.suggestion == "load note.md")
        // One undo takes the whole script back.
        nb.run("undo")
        let replay = try Replay.run(path: dir + "/note.md")
        #expect(replay.ok, "\(replay.entries)")
    }

    @Test func shellLinesAreRefusedWithTheWayToRunThem() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        let e = nb.fail("!ls -l")
        #expect(e?.message.contains("runs no shell commands") == true && e?.message.contains("'ls -l'") == true)
        #expect(e?.suggestion?.contains("Ctrl-Z") == true)
        #expect(nb.run("help shell").lines.first?.contains("!ls is refused") == true)
        #expect(nb.document.entries.isEmpty)
    }

    /// clear and set figures=off touch only the terminal: clear records
    /// nothing; figures=off is recorded (a replay runs it harmlessly) and the
    /// commands still put their figures in the note.
    @Test func clearAndFiguresOffLeaveTheNoteWhole() throws {
        let (nb, _) = try makeSession(seed: 4)
        nb.run("clear")
        #expect(nb.document.entries.isEmpty)
        nb.run("set figures=off")
        #expect(!nb.workspace.showFigures)
        nb.run("model dbm n=10")
        nb.run("train lr=0.1 steps=30 runs=4")
        nb.run("ratio")
        guard case .command(_, _, let figures, _)? = nb.document.entries.last else { Issue.record("no cell"); return }
        #expect(!figures.isEmpty)
        nb.run("set figures=on")
        #expect(nb.workspace.showFigures)
    }

    /// help folds its lines to the terminal's width, parameter lines under
    /// their text, and lists each model with its parameters and defaults.
    @Test func helpWrapsAndShowsTheModels() {
        let nb = Notebook(front: Notebook.frontMatter(seed: 1))
        let full = nb.run("help").lines
        #expect(full.contains { $0.hasPrefix("  rbm ") && $0.contains("Gaussian RBM") && $0.contains("n=10 mu=3 mass=2") })
        #expect(full.contains { $0.hasPrefix("  dbm ") && $0.contains("n=50") })
        nb.context.textWidth = 60
        for topic in ["", "train", "model", "keys"] {
            let lines = nb.run("help \(topic)").lines
            #expect(lines.allSatisfy { $0.count <= 60 || !$0.dropFirst(12).contains(" ") }, "\(lines)")
            if topic == "keys" { #expect(lines.dropLast().allSatisfy { $0.count > 45 }, "a paragraph is refilled: \(lines)") }
            // Nothing is lost: the same words in the same order.
            nb.context.textWidth = nil
            let unwrapped = nb.run("help \(topic)").lines
            nb.context.textWidth = 60
            #expect(lines.joined(separator: " ").split(separator: " ") == unwrapped.joined(separator: " ").split(separator: " "))
        }
        let model = nb.run("help model").lines
        let n = model.firstIndex { $0.hasPrefix("  n ") } ?? 0
        #expect(model[n + 1].hasPrefix(String(repeating: " ", count: 12)) && model[n + 1].dropFirst(12).first != " ")
        #expect(model.contains { $0.hasPrefix(" model rbm:") && $0.contains("Gaussian") })
    }
}
