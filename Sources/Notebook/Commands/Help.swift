// SPDX-License-Identifier: GPL-3.0-or-later

/// `help [COMMAND]`: the command list, or one command's parameters.
public enum HelpCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "help", summary: "list the commands, or explain one (help train)",
        positional: [ParameterSpec("command", .text, default: "", help: "the command to explain")],
        examples: ["help", "help train"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        var out = try text(args)
        guard let width = context.textWidth else { return out }
        if let topic = topics[(args.word("command") ?? "").lowercased()] {
            // A topic is one paragraph: refilled to the width, not wrapped line by line.
            out.lines = TextWrap.wrap(topic.joined(separator: " "), width: width, indent: 0)
        } else {
            out.lines = out.lines.flatMap { TextWrap.wrap($0, width: width) }
        }
        return out
    }

    /// One line on each model, for `help`.
    static let models: [(kind: String, what: String)] = [
        ("ts", "linear teacher–student network: a student W learns a teacher W_t from noisy data; degenerate teacher values give GOE blocks"),
        ("rbm", "Gaussian RBM learning a free lattice field: the eigenvalues x = s² of WᵀW settle in degenerate pairs"),
        ("dbm", "reference Dyson Brownian motion of a GOE matrix: the calibration with exactly known laws"),
    ]

    /// Each model's parameters with their defaults: `n=10 mu=3 …`.
    static func modelParameters(_ kind: String) -> String {
        (ModelCommand.spec.variants[kind] ?? []).map { "\($0.name)=\($0.defaultValue ?? "…")" }.joined(separator: " ")
    }

    static func text(_ args: Arguments) throws(NotebookError) -> CommandOutput {
        var out = CommandOutput()
        out.journaled = false
        let name = args.word("command") ?? ""
        if name.isEmpty {
            out.line("dyson commands (help COMMAND for details):")
            for c in Notebook.commands {
                out.line("  " + c.spec.name.padding(toLength: 11, withPad: " ", startingAt: 0) + c.spec.summary)
            }
            out.line("models (model KIND name=value …; the defaults shown):")
            for m in models {
                out.line("  " + m.kind.padding(toLength: 11, withPad: " ", startingAt: 0) + "\(m.what). \(modelParameters(m.kind))")
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
            let what = spec.name == ModelCommand.spec.name ? models.first { $0.kind == variant }.map { " \($0.what)" } ?? "" : ""
            out.line(" \(spec.name) \(variant):\(what)")
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
            "To share one: dyson convert NOTE.md --to html (one self-contained page, figures inlined) or",
            "--to ipynb (a Jupyter notebook: prose as markdown cells, each command a cell with its output).",
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
        "shell": [
            "dyson runs no shell commands (!ls is refused): a note is replayed by other people, and a shell line in it",
            "would run on their machine. Run shell commands in another terminal, or press Ctrl-Z, run them, and type",
            "fg to come back to dyson. To run a file of dyson commands here: source FILE.dyson.",
        ],
        "keys": [
            "Tab completes commands, parameters (only the chosen model's after model rbm), values (data=, of= names",
            "the results kept with as=) and file names after save, load, source, weights and export. Up/Down and",
            "Ctrl-R walk the lines typed in this folder: they are kept in .dyson_history in the folder dyson starts",
            "in (the last \(SessionHistory.capacity) lines; DYSON_HISTORY=FILE puts them elsewhere), and history lists them.",
            "Ctrl-C clears the line while typing, stops a training, scan or load (keeping what finished), and",
            "Ctrl-D or quit ends the session. clear clears the screen; undo takes back the last line's cells.",
        ],
        "theory": [
            "The models, their exact algorithms and the formulas dyson compares with are in docs/theory.md;",
            "the science is Aarts, Lucini and Park, arXiv:2407.16427 (Phys. Rev. E 111 (2025) 015303).",
        ],
    ]
}

/// Long lines folded at word boundaries to a terminal's width, continued
/// under their text: a parameter line (`  name      help …`) under its help,
/// any other line two columns in from its own indent.
enum TextWrap {
    /// `indent`: where continuation lines start (default: as the line's shape says).
    static func wrap(_ line: String, width: Int, indent given: Int? = nil) -> [String] {
        let chars = Array(line)
        guard chars.count > width, width >= 30 else { return [line] }
        let indent = given ?? continuationIndent(chars)
        let head = parameterLine(chars) ? indent : chars.prefix { $0 == " " }.count
        var out = [String]()
        var current = String(chars[..<head])
        var empty = true  // nothing but the head on the current line
        for word in String(chars[head...]).split(separator: " ") {
            if !empty && current.count + 1 + word.count > width {
                out.append(current)
                current = String(repeating: " ", count: indent)
                empty = true
            }
            current += (empty ? "" : " ") + word
            empty = false
        }
        out.append(current)
        return out
    }

    /// `  name      help …`: a name padded into a column.
    static func parameterLine(_ chars: [Character]) -> Bool {
        continuationIndent(chars) > chars.prefix { $0 == " " }.count + 2
    }

    /// Where continuation lines start: after the padded name of a parameter
    /// line, else two columns in from the line's own indent.
    static func continuationIndent(_ chars: [Character]) -> Int {
        let leading = chars.prefix { $0 == " " }.count
        var i = leading
        while i < chars.count, chars[i] != " " { i += 1 }
        var j = i
        while j < chars.count, chars[j] == " " { j += 1 }
        if i > leading, j - i >= 2, j <= 24 { return j }
        return min(leading + 2, 20)
    }
}
