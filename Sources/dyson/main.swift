// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Linalg

/// The dyson command line.
@main
struct Dyson: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dyson",
        abstract: "Watch the weight matrices of learning algorithms move like random matrices.",
        discussion: """
        dyson trains ensembles of small learning models (a linear teacher–student \
        network, a Gaussian RBM, a reference Dyson Brownian motion) and compares \
        the spectra of their weight matrices with random-matrix theory: level \
        spacings against the Wigner surmise, degenerate blocks against the \
        semicircle, and the scaling with learning rate over batch size.
        """,
        version: "dyson \(version) — \(BLAS.summary)"
    )

    func run() throws {
        print("dyson \(Dyson.version): the interactive notebook is not built yet; see --help.")
    }
}
