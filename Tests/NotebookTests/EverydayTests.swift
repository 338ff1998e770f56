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
