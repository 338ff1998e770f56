// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Notebook
import Testing

/// The built dyson executable (beside the test bundle).
func dysonBinary() throws -> String {
    let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dyson").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw NotebookError("no dyson executable at \(path)", suggestion: "build it first (swift build)")
    }
    return path
}

func temporaryFolder() throws -> String {
    let dir = NSTemporaryDirectory() + "dyson-term-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a command and collects its output (stdout and stderr). `detached`:
/// output discarded, for commands that leave a daemon behind (tmux new-session).
/// Uses posix_spawn and waitpid directly: Foundation's Process did not reap the
/// tmux client whose server kept running.
@discardableResult
func shell(_ args: [String], detached: Bool = false) -> (status: Int32, output: String) {
    let outputPath = NSTemporaryDirectory() + "dyson-shell-\(UUID().uuidString)"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let target = detached ? "/dev/null" : outputPath
    posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let argv = args.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, args[0], &actions, nil, argv, environ) == 0 else { return (-1, "cannot start \(args[0])") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let output = detached ? "" : ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    try? FileManager.default.removeItem(atPath: outputPath)
    let exited = status & 0x7f == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
}

/// Drives the real terminal path: readline, completion, history, Ctrl-C, Ctrl-D.
@Suite("Terminal", .serialized)
struct TerminalTests {
    final class Tmux {
        let socket = "dyson-test-\(UUID().uuidString.prefix(8))"
        func send(_ keys: String...) { shell(["tmux", "-L", socket, "send-keys", "-t", "t"] + keys) }
        func screen() -> String { shell(["tmux", "-L", socket, "capture-pane", "-p", "-t", "t", "-S", "-200"]).output }
        /// Waits until the screen contains `text` (at most `timeout` seconds).
        func wait(for text: String, timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if screen().contains(text) { return true }
                usleep(100_000)
            }
            Issue.record("the terminal never showed '\(text)':\n\(screen())", sourceLocation: sourceLocation)
            return false
        }
        deinit { shell(["tmux", "-L", socket, "kill-server"], detached: true) }

        /// Starts `dyson ARGUMENTS` in `dir` (after `environment`, e.g. "env
        /// -u X") on a 110 × 50 terminal; true once it shows its banner.
        static func start(_ arguments: String, in dir: String, environment: String) throws -> Tmux? {
            guard shell(["which", "tmux"]).status == 0 else {
                Issue.record("tmux is not installed (make test installs it)")
                return nil
            }
            let binary = try dysonBinary(), tmux = Tmux()
            shell(["tmux", "-L", tmux.socket, "new-session", "-d", "-s", "t", "-x", "110", "-y", "50",
                   "cd \(dir) && \(environment) \(binary) \(arguments); echo EXITED $?; sleep 30"], detached: true)
            return tmux.wait(for: "type help") ? tmux : nil
        }
    }

    @Test func replUnderTmux() throws {
        let dir = try temporaryFolder()
        guard let tmux = try Tmux.start("--seed 3", in: dir, environment: "DYSON_HISTORY=\(dir)/history") else { return }
        tmux.send("he", "Tab")
        guard tmux.wait(for: "» help") else { return }
        tmux.send("Enter")
        guard tmux.wait(for: "dyson commands") else { return }
        tmux.send("model r", "Tab", " n", "Tab", "10", "Enter")
        guard tmux.wait(for: "degenerate blocks: [1,2]") else { return }
        tmux.send("train lr=0.01 batch=16 steps=1e9 runs=2 every=1000", "Enter")
        guard tmux.wait(for: "/1000000000") else { return }  // the progress bar: step N/1000000000
        tmux.send("C-c")
        guard tmux.wait(for: "partial result is kept") else { return }
        tmux.send("not a command", "C-c")  // Ctrl-C while typing clears the line
        tmux.send("spacing", "Enter")
        guard tmux.wait(for: "over 4 blocks") else { return }
        #expect(!tmux.screen().contains("unknown command 'not'"))
        tmux.send("C-d")
        guard tmux.wait(for: "EXITED 0") else { return }
        let history = try String(contentsOfFile: dir + "/history", encoding: .utf8)
        #expect(history.contains("model rbm  n=10") && history.contains("spacing"))  // as typed: Tab added a space
        let notes = try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").filter { $0.hasSuffix(".md") }
        #expect(notes.count == 1)
        let note = try String(contentsOfFile: dir + "/sessions/" + notes[0], encoding: .utf8)
        #expect(note.contains("```dyson\nmodel rbm n=10\n```") && note.contains("```dyson\nspacing seed="))
    }

    /// The everyday words at a real terminal: Ctrl-R and history see the
    /// folder's history file, Tab completes files and result names, source,
    /// undo, !shell, a loaded note streams and Ctrl-C stops it whole, the
    /// scan's progress bar is gone before its table, clear.
    @Test func everydayWordsUnderTmux() throws {
        let dir = try temporaryFolder()
        try "model dbm n=12\n".write(toFile: dir + "/.dyson_history", atomically: true, encoding: .utf8)
        try "train lr=0.1 steps=20 runs=3 as=small\n".write(toFile: dir + "/script.dyson", atomically: true, encoding: .utf8)
        try handWrittenNote(["model dbm n=10", "train lr=0.1 steps=100 runs=4 seed=2", "model rbm n=6",
                             "train lr=0.01 batch=8 steps=1e9 runs=1 every=500 seed=1", "model dbm n=4"])
            .write(toFile: dir + "/long.md", atomically: true, encoding: .utf8)
        guard let tmux = try Tmux.start("--seed 5", in: dir, environment: "env -u DYSON_HISTORY") else { return }
        tmux.send("C-r", "dbm n=1")
        guard tmux.wait(for: "(reverse-i-search)`dbm n=1': model dbm n=12") else { return }
        tmux.send("Enter")
        guard tmux.wait(for: "dbm n=12") else { return }
        tmux.send("history", "Enter")
        guard tmux.wait(for: "3  history") else { return }
        #expect(tmux.screen().contains("2  model dbm n=12") && tmux.screen().contains("1 earlier line"))
        tmux.send("sou", "Tab", "scr", "Tab", "Enter")
        guard tmux.wait(for: "» source script.dyson") else { return }
        guard tmux.wait(for: "3 runs × 20 steps") else { return }
        tmux.send("ratio of=sm", "Tab", "Enter")
        guard tmux.wait(for: "» ratio of=small") else { return }
        guard tmux.wait(for: "⟨r̃⟩ =") else { return }
        tmux.send("undo", "Enter")
        guard tmux.wait(for: "undid: ratio of=small") else { return }
        tmux.send("!ls", "Enter")
        guard tmux.wait(for: "dyson runs no shell commands") else { return }
        tmux.send("clear", "Enter")
        usleep(500_000)
        #expect(!tmux.screen().contains("no shell commands"))
        // A loaded note's output shows while it runs; Ctrl-C stops the whole load.
        tmux.send("load long.md", "Enter")
        guard tmux.wait(for: "degenerate blocks: [1,2] [3,4]"), tmux.wait(for: "/1000000000") else { return }
        tmux.send("C-c")
        guard tmux.wait(for: "load stopped by Ctrl-C: 1 line of the loaded note was not run") else { return }
        #expect(!tmux.screen().contains("dbm n=4"))
        // Ctrl-C in a scan: the bar is erased before the table of the finished settings.
        tmux.send("clear", "Enter", "model ts n=2", "Enter", "scan lr=0.01,0.02,0.04 batch=16 steps=2e6 runs=100", "Enter")
        guard tmux.wait(for: "setting 2/3", timeout: 60) else { return }
        tmux.send("C-c")
        guard tmux.wait(for: "interrupted: kept the 1 finished settings") else { return }
        let screen = tmux.screen().split(separator: "\n").map(String.init)
        let prompt = screen.firstIndex { $0.hasPrefix("» scan") } ?? 0
        #expect(screen.dropFirst(prompt + 1).first?.hasPrefix("setting") == true, "\(screen)")
        #expect(!screen.contains { $0.contains("░") })
        tmux.send("C-d")
        guard tmux.wait(for: "EXITED 0") else { return }
        let history = try String(contentsOfFile: dir + "/.dyson_history", encoding: .utf8)
        let typed = history.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(Array(typed.prefix(6)) == ["model dbm n=12", "model dbm n=12", "history", "source script.dyson", "ratio of=small", "undo"])
        let notes = try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").filter { $0.hasSuffix(".md") }
        let note = try String(contentsOfFile: dir + "/sessions/" + (notes.first ?? ""), encoding: .utf8)
        #expect(note.contains("```dyson\ntrain lr=0.1 steps=20 runs=3 as=small seed=") && !note.contains("```dyson\nratio") && !note.contains("```dyson\nundo"))
    }

    /// kill -9 in the middle of a training: the note up to the last finished
    /// command is intact and replays.
    @Test func killedMidTrainingLeavesAReplayableNote() throws {
        let binary = try dysonBinary(), dir = try temporaryFolder()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--note", dir + "/note.md", "--seed", "4"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data("model dbm n=20\ntrain lr=0.1 steps=60 runs=6\nratio\nmodel rbm n=10\ntrain lr=0.01 steps=1e9 runs=2\n".utf8))
        let deadline = Date().addingTimeInterval(30)
        var note = ""
        while Date() < deadline {
            note = (try? String(contentsOfFile: dir + "/note.md", encoding: .utf8)) ?? ""
            if note.contains("```dyson\nmodel rbm n=10") { break }
            usleep(50_000)
        }
        usleep(500_000)  // well inside the long training
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let report = try Replay.run(path: dir + "/note.md")
        #expect(report.entries.map { $0.line.split(separator: " ").first.map(String.init) ?? "" } == ["model", "train", "ratio", "model"])
        #expect(report.ok, "\(report.mismatches)")
    }

    /// Batch runs: no prompt, the first error stops with status 1 and names the line.
    @Test func batchRunStopsAtTheFirstError() throws {
        let binary = try dysonBinary(), dir = try temporaryFolder()
        let script = dir + "/s.dyson"
        try "model dbm n=10\ntrain lr=0.1 steps=10 runs=2\nspcing\nratio\n".write(toFile: script, atomically: true, encoding: .utf8)
        let r = shell([binary, script])
        #expect(r.status == 1)
        #expect(r.output.contains("s.dyson:3: error: unknown command 'spcing'") && r.output.contains("did you mean spacing?"))
        #expect(!r.output.contains("»") && !r.output.contains("spacing ratios"))
        let k = shell([binary, "--keep-going", script])
        #expect(k.status == 1 && k.output.contains("⟨r̃⟩ ="))
    }

    /// dyson -q and set figures=off: no text figures on the terminal, every
    /// figure still in the note.
    @Test func quietBatchRunsKeepTheirFiguresInTheNote() throws {
        let binary = try dysonBinary(), dir = try temporaryFolder()
        let script = dir + "/s.dyson"
        try "model dbm n=10\ntrain lr=0.1 steps=30 runs=4\nratio\n".write(toFile: script, atomically: true, encoding: .utf8)
        let loud = shell([binary, script])
        #expect(loud.status == 0 && loud.output.contains("⠒"))  // a text figure's legend
        let quiet = shell([binary, "-q", "--note", dir + "/q.md", script])
        #expect(quiet.status == 0 && quiet.output.contains("⟨r̃⟩ =") && !quiet.output.contains("⠒"))
        #expect(try String(contentsOfFile: dir + "/q.md", encoding: .utf8).contains(".svg)"))
        try "set figures=off\nmodel dbm n=10\ntrain lr=0.1 steps=30 runs=4\nratio\n".write(toFile: script, atomically: true, encoding: .utf8)
        let off = shell([binary, script])
        #expect(off.status == 0 && off.output.contains("⟨r̃⟩ =") && !off.output.contains("⠒"))
    }
}
