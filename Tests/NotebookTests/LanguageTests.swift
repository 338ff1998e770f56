// SPDX-License-Identifier: GPL-3.0-or-later
@testable import Notebook
import Testing

@Suite("Language and schemas")
struct LanguageTests {
    @Test func linesParse() throws {
        #expect(try Lexer.parse("   ") == .empty)
        #expect(try Lexer.parse("# The first pair repels.") == .prose("The first pair repels."))
        guard case .command(let c) = try Lexer.parse("train lr=0.01 batch=32 steps=1e4  # fast") else { Issue.record("not a command"); return }
        #expect(c.name == "train" && c.positional.isEmpty && c.comment == "fast")
        #expect(c.arguments.map(\.key) == ["lr", "batch", "steps"] && c.arguments.map(\.value) == ["0.01", "32", "1e4"])
        guard case .command(let e) = try Lexer.parse("export spectra \"my file.csv\"") else { Issue.record("not a command"); return }
        #expect(e.positional == ["spectra", "my file.csv"])
        #expect(throws: NotebookError.self) { try Lexer.parse("train lr=") }
        #expect(throws: NotebookError.self) { try Lexer.parse("lr=0.1") }
        #expect(throws: NotebookError.self) { try Lexer.parse("save \"unclosed") }
    }

    func bind(_ line: String) throws -> Arguments {
        guard case .command(let raw) = try Lexer.parse(line), let command = Notebook.command(named: raw.name) else {
            throw NotebookError("not a known command: \(line)")
        }
        return try command.spec.bind(raw)
    }

    @Test func defaultsAndTypes() throws {
        let a = try bind("train lr=0.1 steps=5e3")
        #expect(a.real("lr") == 0.1 && a.integer("steps") == 5000 && a.integer("batch") == 16)
        #expect(a.integer("runs") == nil)  // computed from the model
        let m = try bind("model ts noise=0.05 teacher=1,2")
        #expect(m.word("kind") == "ts" && m.real("noise") == 0.05 && m.reals("teacher") == [1, 2] && m.integer("n") == 2)
        #expect(try bind("model rbm n=100").integer("n") == 100)
        #expect(try bind("model dbm").integer("n") == 50)
    }

    @Test func errorsNameTheProblemAndSuggestAFix() throws {
        func error(_ line: String) -> NotebookError? {
            do { _ = try bind(line); return nil } catch { return error as? NotebookError }
        }
        let typo = error("train lr=0.1 bacth=16")
        #expect(typo?.message.contains("bacth") == true && typo?.suggestion == "did you mean batch=?")
        let range = error("train lr=0.1 batch=0")
        #expect(range?.message.contains("batch=0") == true && range?.suggestion?.contains("whole number from 1") == true)
        let type = error("train steps=abc")
        #expect(type?.message.contains("not a number") == true)
        let fraction = error("train steps=1.5")
        #expect(fraction?.message.contains("not a whole number") == true)
        let wrongVariant = error("model rbm noise=0.1")
        #expect(wrongVariant?.message == "model rbm has no parameter 'noise'")
        #expect(wrongVariant?.suggestion?.contains("mu") == true)
        let kind = error("model rmb")
        #expect(kind?.suggestion == "did you mean rbm?")
        #expect(error("train lr=0.1 lr=0.2")?.message.contains("twice") == true)
        #expect(error("spacing extra")?.message.contains("'extra'") == true)
    }

    @Test func everyCommandHasHelpAndExamplesThatParse() throws {
        for command in Notebook.commands {
            let spec = command.spec
            #expect(!spec.summary.isEmpty)
            for example in spec.examples { _ = try bind(example) }
            for p in spec.parameters + spec.positional + spec.variants.values.joined() { #expect(!p.help.isEmpty, "\(spec.name) \(p.name)") }
        }
    }

    @Test func completion() {
        let c = Completion(listFolder: { _ in [] })
        #expect(c.candidates(for: "he") == ["help"])
        #expect(c.candidates(for: "model r") == ["rbm"])
        #expect(c.candidates(for: "model rbm n").contains("n="))
        #expect(c.candidates(for: "train l") == ["lr="])
        #expect(c.candidates(for: "model ts data=f") == ["data=fresh"])
        #expect(!c.candidates(for: "train lr=0.1 l").contains("lr="))
        #expect(c.candidates(for: "export ").contains("spectra"))
    }

    /// After `model rbm ` only the RBM's parameters, each once; a model
    /// without its kind offers the kinds; `train` is `train new`.
    @Test func completionKnowsTheVariant() {
        let c = Completion(listFolder: { _ in [] })
        let rbm = Set(ModelCommand.spec.variants["rbm"]!.map { "\($0.name)=" })
        #expect(c.candidates(for: "model rbm ") == ModelCommand.spec.variants["rbm"]!.map { "\($0.name)=" })
        #expect(Set(c.candidates(for: "model rbm n=10 ")) == rbm.subtracting(["n="]))
        #expect(!c.candidates(for: "model rbm ").contains("noise="))
        #expect(c.candidates(for: "model ") == ["ts", "rbm", "dbm"])
        #expect(c.candidates(for: "train ").contains("lr=") && !c.candidates(for: "train ").contains("of="))
        #expect(c.candidates(for: "train continue ").contains("of=") && !c.candidates(for: "train continue ").contains("lr="))
        let all = c.candidates(for: "train ")
        #expect(Set(all).count == all.count)
        // Values: choices, else the default.
        #expect(c.candidates(for: "model rbm gradient=") == ["gradient=sampled", "gradient=exact"])
        #expect(c.candidates(for: "model rbm init=") == ["init=0.1"])
        #expect(c.candidates(for: "set figures=o") == ["figures=on", "figures=off"])
        #expect(c.candidates(for: "help tr") == ["train"])
        #expect(c.candidates(for: "help no") == ["notes"])
    }

    /// `of=` offers the results kept with as= (weight sets for layer commands);
    /// where a file is expected, the folder's files (notes after load and save,
    /// scripts after source, any file after export WHAT), folders ending in /.
    @Test func completionOffersNamesAndFiles() {
        let folders: [String: [(name: String, isFolder: Bool)]] = [
            ".": [("sessions", true), ("a.md", false), ("b.dyson", false), ("out.csv", false), (".hidden.md", false)],
            "sessions/": [("rbm.md", false), ("rbm.dyson", false), ("rbm.assets", true)],
        ]
        let c = Completion(resultNames: ["small", "large"], weightNames: ["gpt"], listFolder: { folders[$0] ?? [] })
        #expect(c.candidates(for: "spacing of=") == ["of=large", "of=small"])
        #expect(c.candidates(for: "spacing of=s") == ["of=small"])
        #expect(c.candidates(for: "layer of=") == ["of=gpt"])
        #expect(c.candidates(for: "load ") == ["a.md", "sessions/"])
        #expect(c.candidates(for: "load sessions/") == ["sessions/rbm.assets/", "sessions/rbm.md"])
        #expect(c.candidates(for: "source ") == ["b.dyson", "sessions/"])
        #expect(c.candidates(for: "source sessions/r") == ["sessions/rbm.assets/", "sessions/rbm.dyson"])
        #expect(c.candidates(for: "export spectra o") == ["out.csv"])
        #expect(c.candidates(for: "save .") == [".hidden.md"])
        #expect(c.candidates(for: "export ") == ["spectra", "weights", "results"])
    }

    @Test func numbersAreFormattedWithTheirErrors() {
        #expect(Format.measured(0.13512, 0.0041) == "0.1351 ± 0.0041")
        #expect(Format.measured(2.38204, 0.0069) == "2.3820 ± 0.0069")
        #expect(Format.value(0.000625, digits: 4) == "0.0006250")
        #expect(Format.value(12345678, digits: 4) == "1.235e+07")
    }
}
