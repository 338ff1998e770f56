// SPDX-License-Identifier: GPL-3.0-or-later

/// `help [COMMAND]`: the command list, or one command's parameters.
public enum HelpCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "help", summary: "list the commands, or explain one (help train)",
        positional: [ParameterSpec("command", .text, default: "", help: "the command to explain")],
        examples: ["help", "help train"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        let name = args.word("command") ?? ""
        if name.isEmpty {
            out.line("dyson commands (help COMMAND for details):")
            for c in Notebook.commands {
                out.line("  " + c.spec.name.padding(toLength: 11, withPad: " ", startingAt: 0) + c.spec.summary)
            }
            out.line("A line starting with # is prose for the note. Values: numbers (1e4, 0.01), words, lists (0.1,0.2).")
            out.line("Topics: " + topics.keys.sorted().map { "help \($0)" }.joined(separator: ", ") + ". NAME? is help NAME; exit, ls and who are quit and show.")
            return out
        }
        if let topic = topics[name.lowercased()] {
            out.lines += topic
            return out
        }
        guard let command = Notebook.command(named: Notebook.aliases[name.lowercased()] ?? name.lowercased()) else {
            let hint = closest(name, among: Notebook.commands.map { $0.spec.name } + topics.keys.sorted()).map { "did you mean help \($0)?" } ?? "type help for the list"
            throw NotebookError("no command or topic '\(name)'", suggestion: hint)
        }
        let spec = command.spec
        out.line("\(spec.usage)")
        out.line("  \(spec.summary)")
        func describe(_ p: ParameterSpec) -> String {
            var s = "  " + p.name.padding(toLength: 10, withPad: " ", startingAt: 0) + p.help
            if let u = p.unit { s += " [\(u)]" }
            s += "; " + p.kind.describe
            if let d = p.defaultValue, !d.isEmpty { s += "; default \(d)" }
            return s
        }
        for p in spec.positional { out.line(describe(p)) }
        for (variant, params) in spec.variants.sorted(by: { $0.key < $1.key }) {
            out.line(" \(spec.name) \(variant):")
            for p in params { out.line(describe(p)) }
        }
        if !spec.parameters.isEmpty && !spec.variants.isEmpty { out.line(" all:") }
        for p in spec.parameters { out.line(describe(p)) }
        if !spec.examples.isEmpty { out.line(" examples: " + spec.examples.joined(separator: "   ")) }
        return out
    }

    /// Short explanations of what is not a command.
    static let topics: [String: [String]] = [
        "notes": [
            "Every session is written as a Markdown lab note while you work (sessions/DATE-N.md, or --note FILE):",
            "each command in a ```dyson block, its output in a ```text block, figures as SVG files in NOTE.assets/,",
            "lines starting with # as prose. A command is appended and flushed when it finishes, so a crash loses",
            "at most the command that was running. save FILE.md writes a copy; dyson replay NOTE.md re-runs it.",
        ],
        "seeds": [
            "The session has a seed (--seed, random on a terminal); every command that draws random numbers gets",
            "its own seed derived from the session seed and the command's position, and the note records it",
            "(train … seed=N). Run r of an ensemble draws only from stream (seed, r), so results do not depend on",
            "the number of threads, and train continue goes on with each run's own stream.",
        ],
        "replay": [
            "dyson replay NOTE.md re-runs a note from an empty workspace with its recorded seeds and compares every",
            "number of every output (relative tolerance 2e-3; text around the numbers is ignored). --check exits 1",
            "when a number differs; --update rewrites the outputs and figures and keeps the prose. A replayed note",
            "runs nothing but dyson commands and writes only inside its own folder.",
        ],
        "convergence": [
            "After every training dyson compares each level's ensemble mean with where the stationary state puts",
            "it (the targets, with crowded levels pushed apart by their repulsion). Levels further than 4 standard",
            "deviations are not converged; the deterministic drift then predicts the steps still needed, and",
            "train continue steps=N goes on with every run exactly where it stopped. See docs/theory.md.",
        ],
        "theory": [
            "The models, their exact algorithms and the formulas dyson compares with are in docs/theory.md;",
            "the science is Aarts, Lucini and Park, arXiv:2407.16427 (Phys. Rev. E 111 (2025) 015303).",
        ],
    ]
}
