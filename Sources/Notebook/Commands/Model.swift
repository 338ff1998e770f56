// SPDX-License-Identifier: GPL-3.0-or-later
import Learning

/// `model ts|rbm|dbm …`: choose the model to train.
public enum ModelCommand: NotebookCommand {
    public static let spec = CommandSpec(
        name: "model", summary: "choose the model: ts (teacher–student), rbm (Gaussian RBM), dbm (reference Dyson Brownian motion)",
        positional: [ParameterSpec("kind", .choice(["ts", "rbm", "dbm"]), help: "which model")],
        variants: [
            "ts": [
                ParameterSpec("n", .integer(1...400), default: "2", help: "dimension of the student W (n×n)"),
                ParameterSpec("teacher", .reals(-1e6...1e6), default: "2", help: "teacher spectrum t (one value = degenerate)"),
                ParameterSpec("noise", .real(0...1e3), default: "0.1", help: "ε, injected noise (strength A = ε²)"),
                ParameterSpec("init", .real(0...1e3), default: "0.1", help: "student init scale"),
                ParameterSpec("batches", .integer(1...1_000_000), default: "500", help: "mini-batches per epoch"),
                ParameterSpec("data", .choice(["shared", "fresh"]), default: "shared", help: "data shared by all runs (paper) or fresh per run"),
            ],
            "rbm": [
                ParameterSpec("n", .integer(2...1000), default: "10", help: "visible = hidden units"),
                ParameterSpec("mu", .real(0...1e3), default: "3", help: "μ, visible mass"),
                ParameterSpec("mass", .real(0...1e3), default: "2", help: "m, lattice mass of the target field"),
                ParameterSpec("sigma_h", .real(1e-6...1e3), default: "1", help: "σ_h, hidden width"),
                ParameterSpec("k", .integer(1...1000), default: "3", help: "Gibbs sweeps per update"),
                ParameterSpec("init", .real(0...1e3), default: "0.1", help: "weight init scale"),
                ParameterSpec("gradient", .choice(["sampled", "exact"]), default: "sampled", help: "Gibbs chains, or the exact |B| → ∞ gradient"),
            ],
            "dbm": [
                ParameterSpec("n", .integer(2...4000), default: "50", help: "matrix size"),
            ],
        ],
        examples: ["model rbm n=100", "model ts n=2 noise=0.1", "model dbm n=200"])

    public static func run(_ args: Arguments, seed: UInt64, context: CommandContext) throws(NotebookError) -> CommandOutput {
        guard args.word("kind") != nil else {
            throw NotebookError("model needs a kind: ts (teacher–student), rbm (Gaussian RBM) or dbm (reference Dyson Brownian motion)",
                                suggestion: "e.g. model rbm n=10, model ts n=2, model dbm n=50 (help model lists every parameter)")
        }
        let model: any LearningModel
        do {
            switch args.word("kind") {
            case "ts":
                model = try TeacherStudent(n: args.integer("n")!, teacher: args.reals("teacher"), noise: args.real("noise")!,
                                           initScale: args.real("init")!, batchesPerEpoch: args.integer("batches")!,
                                           sharedData: args.word("data") == "shared")
            case "rbm":
                model = try GaussianRBM(n: args.integer("n")!, mu: args.real("mu")!, mass: args.real("mass")!,
                                        sigmaH: args.real("sigma_h")!, gibbsSweeps: args.integer("k")!,
                                        initScale: args.real("init")!, exactGradient: args.word("gradient") == "exact")
            default:
                model = try ReferenceDBM(n: args.integer("n")!)
            }
        } catch {
            throw NotebookError(error.message, suggestion: error.suggestion)
        }
        context.workspace.model = model
        var out = CommandOutput()
        out.line(model.summary)
        out.line("spectrum: \(model.variable.description)")
        let t = model.target
        let shown = t.values.prefix(12).map { context.fmt($0) }.joined(separator: " ")
        out.line("target: \(shown)\(t.values.count > 12 ? " … (\(t.values.count) levels)" : "")")
        let blocks = t.blocks.map { b in b.count == 2 ? "[\(b[0]),\(b[1])]" : "[\(b.first!)…\(b.last!)] (g=\(b.count))" }
        out.line("degenerate blocks: " + (blocks.isEmpty ? "none" : blocks.joined(separator: " ")))
        return out
    }
}
