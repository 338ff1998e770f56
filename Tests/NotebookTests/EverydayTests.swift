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
