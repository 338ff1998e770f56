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
            return out
        }
        guard let command = Notebook.command(named: name.lowercased()) else {
            let hint = closest(name, among: Notebook.commands.map { $0.spec.name }).map { "did you mean help \($0)?" } ?? "type help for the list"
            throw NotebookError("unknown command '\(name)'", suggestion: hint)
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
}
