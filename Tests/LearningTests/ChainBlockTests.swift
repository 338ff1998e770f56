// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Learning
import Linalg
import Testing

/// The RBM for n > 16 splits its |B| chains into fixed blocks of 16, each with
/// its own stream, and spreads one run's blocks over idle cores: results must be
/// the same bit for bit whatever the number of threads, and continue exactly.
@Suite struct ChainBlockTests {
    /// 40 chains: blocks of 16, 16 and 8.
    static let model = try! GaussianRBM(n: 24)
    static let config = TrainingConfig(lr: 0.01, batch: 40, steps: 240, runs: 1, seed: 12, every: 80)

    @Test func oneRunIsTheSameOnAnyNumberOfThreads() throws {
        var one = Self.config
        one.threads = 1
        let reference = try Trainer.train(model: Self.model, config: one)
        for threads in [2, 3, 5] {
            var many = Self.config
            many.threads = threads
            let r = try Trainer.train(model: Self.model, config: many)
            #expect(r.finalWeights.map(\.bitPattern) == reference.finalWeights.map(\.bitPattern), "\(threads) threads")
            #expect(r.spectra.map(\.bitPattern) == reference.spectra.map(\.bitPattern), "\(threads) threads")
            #expect(r.finalStates == reference.finalStates, "\(threads) threads")
        }
        // Two runs on three threads (one run per thread, one spare) equal the runs alone.
        var two = Self.config
        two.runs = 2
        two.threads = 3
        let pair = try Trainer.train(model: Self.model, config: two)
        #expect(Array(pair.finalWeights.prefix(24 * 24)) == reference.finalWeights)
    }

    /// The state holds the run's stream and every block's eight-lane normal
    /// generator (pending values included), and the chains: 80 steps then 160
    /// more on another number of threads equal 240 steps.
    @Test func continuationCarriesEveryBlockStream() throws {
        var first = Self.config
        first.steps = 80
        first.threads = 2
        let part = try Trainer.train(model: Self.model, config: first)
        let resume = try #require(part.resumePoint)
        #expect(part.finalStates[0].generator.count == 4 + 3 * NormalLanes.wordCount)
        var rest = Self.config
        rest.steps = 160
        rest.threads = 1
        let joined = part.continued(with: try Trainer.train(model: Self.model, config: rest, resume: resume))
        let all = try Trainer.train(model: Self.model, config: Self.config)
        #expect(joined.finalWeights == all.finalWeights)
        #expect(joined.finalStates == all.finalStates)
        #expect(joined.finalSpectra == all.finalSpectra)
    }

    /// A state saved in the older format (one xoshiro256** of 4 words per block)
    /// continues with new noise, not with the noise its blocks started with
    /// (the run's own stream does not move in the blocked path, so deriving the
    /// blocks again would replay it); the result is deterministic; a state in
    /// the current format restores every block's lanes exactly.
    @Test func anOlderStateContinuesWithNewNoise() throws {
        let n = Self.model.n
        let session = Self.model.makeSession(lr: 0.01, batch: 40, seed: 3)
        let worker = try #require(session.makeWorker() as? RBMWorker)
        worker.begin(runs: [0], seed: 3)
        let fresh = worker.blockStreams.map(\.words)
        #expect(fresh.count == 3)
        let state = worker.state(lane: 0)
        var weights = [Double](repeating: 0, count: n * n)
        weights.withUnsafeMutableBufferPointer { worker.weights(lane: 0, into: $0.baseAddress!) }
        var g = worker.rng, older = [UInt64]()
        for _ in 0..<3 { g.jump(); older += g.words }
        let olderState = RunState(generator: Array(state.generator[0..<4]) + older, values: state.values)
        weights.withUnsafeBufferPointer { worker.restore(lane: 0, weights: $0.baseAddress!, state: olderState) }
        let restored = worker.blockStreams.map(\.words)
        #expect(restored != fresh)
        #expect(Set(restored.map { $0[0] }).count == 3)  // three different blocks
        weights.withUnsafeBufferPointer { worker.restore(lane: 0, weights: $0.baseAddress!, state: olderState) }
        #expect(worker.blockStreams.map(\.words) == restored)
        weights.withUnsafeBufferPointer { worker.restore(lane: 0, weights: $0.baseAddress!, state: state) }
        #expect(worker.blockStreams.map(\.words) == fresh)
    }

    /// One step of the blocked path is the maximum-likelihood update
    /// W₁ = W₀ + α σ_h² W₀ (K_φ⁻¹ − Ĉ), Ĉ = ΦᵀΦ/|B| from the chains after the
    /// step's sweeps (what the run's state holds), with K_φ⁻¹ the dense inverse:
    /// the cyclic solve of W K⁻¹ and the blocks' (Φ_j Wᵀ)ᵀΦ_j terms of W Ĉ are
    /// the same arithmetic to rounding. A wrong sign, scale or transpose in any
    /// part of the update fails this by orders of magnitude.
    @Test(arguments: [(24, 40), (17, 16), (31, 5)])
    func oneStepIsTheMaximumLikelihoodUpdate(n: Int, batch: Int) throws {
        let model = try GaussianRBM(n: n, mu: 3.5, mass: 1.5, sigmaH: 1.1, gibbsSweeps: 2, initScale: 0.3)
        let config = TrainingConfig(lr: 0.05, batch: batch, steps: 1, runs: 1, seed: 21, every: 1)
        let result = try Trainer.train(model: model, config: config)
        var g = Xoshiro256StarStar.stream(seed: config.seed, index: 0)
        let w0 = Matrix(rows: n, cols: n, elements: g.normals(count: n * n).map { model.initScale * $0 })
        let chains = Matrix(rows: batch, cols: n, elements: result.finalStates[0].values)
        let c = (1 / Double(batch)) * (chains.transposed * chains)
        let kInverse = try model.targetKernel.inverseSPD()
        let gradient = w0 * Matrix(rows: n, cols: n, elements: zip(kInverse.elements, c.elements).map { $0 - $1 })
        let expected = zip(w0.elements, gradient.elements).map { $0 + config.lr * model.sigmaH * model.sigmaH * $1 }
        let scale = expected.map(abs).max()!
        let worst = zip(result.finalWeights, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-12 * scale, "largest deviation \(worst) of entries up to \(scale)")
        // The step really moved W (the test compares an update, not W₀ with itself).
        #expect(zip(result.finalWeights, w0.elements).map { abs($0 - $1) }.max()! > 1e-4 * scale)
    }

    /// Block j's lanes are seeded from the run's stream jumped j + 1 times:
    /// 2¹²⁸ steps apart, so the seeds differ; a jump is deterministic and moves.
    @Test func jumpedStreamsDiffer() {
        var a = Xoshiro256StarStar.stream(seed: 1, index: 0)
        var b = a
        b.jump()
        var c = a
        c.jump()
        #expect(b.words == c.words && b.words != a.words)
        let first = (0..<8).map { _ in a.next() }, jumped = (0..<8).map { _ in b.next() }
        #expect(Set(first).isDisjoint(with: jumped))
    }
}
