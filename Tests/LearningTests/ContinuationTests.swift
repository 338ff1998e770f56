// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Learning
import Linalg
import Testing

/// `train continue`: N steps and then M more must be N + M steps, bit for bit,
/// for every model (the RBM's chains and every run's stream carry over).
@Suite("Continuation")
struct ContinuationTests {
    static let cases: [(String, any LearningModel, TrainingConfig)] = [
        ("ts n=2 shared data", try! TeacherStudent(n: 2), TrainingConfig(lr: 0.1, batch: 16, steps: 1200, runs: 9, seed: 3, every: 100)),
        ("ts n=3 fresh data", try! TeacherStudent(n: 3, teacher: [1, 2, 3], batchesPerEpoch: 7, sharedData: false),
         TrainingConfig(lr: 0.05, batch: 4, steps: 600, runs: 5, seed: 4, every: 50)),
        ("rbm n=6 (SIMD kernel)", try! GaussianRBM(n: 6), TrainingConfig(lr: 0.01, batch: 8, steps: 800, runs: 3, seed: 5, every: 100)),
        ("rbm n=20 (BLAS)", try! GaussianRBM(n: 20), TrainingConfig(lr: 0.01, batch: 8, steps: 300, runs: 2, seed: 6, every: 100)),
        ("dbm n=5", try! ReferenceDBM(n: 5), TrainingConfig(lr: 0.01, batch: 1, steps: 700, runs: 4, seed: 7, every: 100)),
    ]

    @Test(arguments: 0..<cases.count)
    func stepsThenMoreStepsEqualAllStepsAtOnce(_ index: Int) throws {
        let (name, model, whole) = Self.cases[index]
        let split = whole.steps / 3  // not a multiple of the snapshot interval for every case
        var first = whole
        first.steps = split
        let part = try Trainer.train(model: model, config: first)
        let resume = try #require(part.resumePoint, "\(name)")
        var rest = whole
        rest.steps = whole.steps - split
        rest.threads = 1  // the continuation does not depend on the thread count either
        let next = try Trainer.train(model: model, config: rest, resume: resume)
        let joined = part.continued(with: next)
        let all = try Trainer.train(model: model, config: whole)

        #expect(joined.completedSteps == whole.steps, "\(name)")
        #expect(joined.runIndices == all.runIndices, "\(name)")
        #expect(joined.finalWeights == all.finalWeights, "\(name): final weights differ")
        #expect(joined.finalSpectra == all.finalSpectra, "\(name): final spectra differ")
        #expect(joined.finalStates == all.finalStates, "\(name): run states differ")
        // Every snapshot both have (same step) holds the same spectra.
        for (s, step) in joined.snapshotSteps.enumerated() {
            guard let t = all.snapshotSteps.firstIndex(of: step) else { continue }
            #expect(joined.spectra(atSnapshot: s) == all.spectra(atSnapshot: t), "\(name): snapshot at step \(step)")
        }
        #expect(joined.snapshotSteps.first == 0 && joined.snapshotSteps.last == whole.steps)
        #expect(Set(joined.snapshotSteps).count == joined.snapshotSteps.count, "the step where the parts meet appears once")
    }

    /// Twice in a row, with the result of the first continuation continued.
    @Test func aContinuationCanBeContinued() throws {
        let model = try GaussianRBM(n: 4)
        let config = TrainingConfig(lr: 0.02, batch: 4, steps: 300, runs: 2, seed: 9, every: 50)
        var result = try Trainer.train(model: model, config: TrainingConfig(lr: 0.02, batch: 4, steps: 100, runs: 2, seed: 9, every: 50))
        for _ in 0..<2 {
            let next = try Trainer.train(model: model, config: TrainingConfig(lr: 0.02, batch: 4, steps: 100, runs: 2, seed: 9, every: 50),
                                         resume: try #require(result.resumePoint))
            result = result.continued(with: next)
        }
        let all = try Trainer.train(model: model, config: config)
        #expect(result.finalWeights == all.finalWeights)
        #expect(result.snapshotSteps == all.snapshotSteps)
        #expect(result.spectra == all.spectra)
    }

    /// Runs dropped before the continuation keep their stream indices: run 4
    /// stays run 4 although runs 1 and 3 are gone.
    @Test func droppedRunsKeepTheOthersOnTheirStreams() throws {
        let model = ExplodingModel()
        let part = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 20, runs: 5, seed: 2, every: 5))
        #expect(part.runIndices == [0, 2, 4])
        let next = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 30, runs: 3, seed: 2, every: 5),
                                     resume: try #require(part.resumePoint))
        let all = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 50, runs: 5, seed: 2, every: 5))
        let joined = part.continued(with: next)
        #expect(joined.runIndices == all.runIndices)
        #expect(joined.finalWeights == all.finalWeights)
        #expect(joined.spectra == all.spectra)
    }

    @Test func aContinuationNeedsTheRunsOfItsResult() throws {
        let model = try ReferenceDBM(n: 3)
        let part = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 10, runs: 3))
        #expect(throws: TrainingError.self) {
            try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 10, runs: 2), resume: part.resumePoint)
        }
    }
}

/// Memory estimates run before anything is allocated, never trap, and what
/// they suggest is itself accepted.
@Suite("Memory estimate")
struct MemoryEstimateTests {
    @Test func absurdSettingsAreRefusedWithoutAllocatingOrTrapping() throws {
        // 10⁹ snapshots of one ts run: the snapshot list itself would be 8 GB.
        let ts = try TeacherStudent(n: 2)
        let huge = TrainingConfig(lr: 0.1, batch: 16, steps: 1_000_000_000, runs: 1, every: 1)
        #expect(huge.snapshotCount == 1_000_000_001)
        #expect(throws: TrainingError.self) { try Trainer.check(model: ts, config: huge) }
        // Products beyond Int.max saturate.
        let dbm = try ReferenceDBM(n: 4000)
        let overflow = TrainingConfig(lr: 0.01, batch: 1, steps: 1_000_000_000, runs: 10_000_000, every: 50)
        #expect(Trainer.memoryEstimate(model: dbm, config: overflow) == Int.max)
        #expect(throws: TrainingError.self) { try Trainer.check(model: dbm, config: overflow) }
    }

    @Test(arguments: [
        (1_000_000_000, 1, 1), (1_000_000_000, 1000, 1), (100_000, 1000, 1), (1_000_000, 3, 7),
    ])
    func theSuggestedEveryIsAccepted(steps: Int, runs: Int, every: Int) throws {
        let model = try TeacherStudent(n: 2)
        let config = TrainingConfig(lr: 0.1, batch: 16, steps: steps, runs: runs, every: every)
        do {
            try Trainer.check(model: model, config: config)
            #expect(Trainer.memoryEstimate(model: model, config: config) <= config.memoryBudget)
        } catch {
            let text = error.description
            guard let range = text.range(of: #"every=(\d+)"#, options: .regularExpression) else {
                #expect(text.contains("runs="), "\(text)")
                return
            }
            let suggested = try #require(Int(text[range].dropFirst("every=".count)))
            #expect(suggested >= 1 && suggested <= min(steps, 1_000_000_000), "\(text)")
            var fixed = config
            fixed.every = suggested
            #expect(throws: Never.self, "\(text)") { try Trainer.check(model: model, config: fixed) }
        }
    }

    @Test func runsTooManyForEvenTwoSnapshotsAreToldHowManyFit() throws {
        let model = try ReferenceDBM(n: 1000)
        let config = TrainingConfig(lr: 0.01, batch: 1, steps: 10, runs: 10_000_000, every: 10)
        do {
            try Trainer.check(model: model, config: config)
            Issue.record("expected a memory error")
        } catch {
            let text = error.description
            let range = try #require(text.range(of: #"runs=(\d+)"#, options: .regularExpression), "\(text)")
            let runs = try #require(Int(text[range].dropFirst("runs=".count)))
            var fixed = config
            fixed.runs = runs
            #expect(throws: Never.self, "\(text)") { try Trainer.check(model: model, config: fixed) }
        }
    }
}

/// The stationary positions that convergence is judged against.
@Suite("Stationary levels")
struct StationaryLevelsTests {
    /// An isolated pair is a 2×2 GOE block of width σ: its levels sit ⟨S⟩/2 =
    /// √π σ/2 either side of the target (to the Monte Carlo error), and a lone
    /// level sits on its target.
    @Test func anIsolatedPairIsATwoByTwoGOEBlock() {
        let sigma = 0.01
        let s = StationaryLevels(targets: [0, 1, 1, 2], fluctuation: [sigma, sigma, sigma, sigma])
        let spacing = s.mean[2] - s.mean[1]
        let expected = Double.pi.squareRoot() * sigma
        // The mean spacing of 8…48 samples: error ≈ 0.52 ⟨S⟩/√samples ≲ 0.2 ⟨S⟩.
        #expect(abs(spacing - expected) < 0.35 * expected, "\(spacing) vs \(expected)")
        #expect(abs(0.5 * (s.mean[1] + s.mean[2]) - 1) < 2 * sigma)
        #expect(abs(s.mean[0]) < 2 * sigma && abs(s.mean[3] - 2) < 2 * sigma)
        #expect(s.deviation.allSatisfy { $0 >= sigma })
    }

    /// Five levels with one target repel into a 5×5 GOE block: the outer ones
    /// sit near the semicircle's edges, 2√(g v) = σ√(2g) from the centre, far
    /// more than 4σ for g = 5 … so a converged crowd is not called unconverged.
    @Test func crowdedLevelsArePushedApart() {
        let sigma = 0.1
        let s = StationaryLevels(targets: Array(repeating: 1, count: 5), fluctuation: Array(repeating: sigma, count: 5))
        let radius = sigma * (2.0 * 5).squareRoot()
        #expect(s.mean[4] - 1 > 0.6 * radius && s.mean[4] - 1 < 1.2 * radius, "\(s.mean)")
        #expect(1 - s.mean[0] > 0.6 * radius && 1 - s.mean[0] < 1.2 * radius, "\(s.mean)")
        #expect(s.mean == s.mean.sorted())
    }

    /// The drift's estimate for the RBM: a level on its way up needs time, one
    /// at its target none, and the time to come within σ grows as the level starts lower.
    @Test func theRBMDriftTimeGrowsWithTheDistance() throws {
        let model = try GaussianRBM(n: 10)
        let x = model.target.values[0]
        let near = try #require(model.driftTime(from: 0.5 * x, to: 0.99 * x, level: 0))
        let far = try #require(model.driftTime(from: 0.01 * x, to: 0.99 * x, level: 0))
        #expect(near > 0 && far > near)
        // The linear part: from x* − d to x* − d/e takes 1/rate = κ²/(2x*) in t.
        let kappa = model.targetKappa[0], d = 1e-4
        let linear = try #require(model.driftTime(from: x - d, to: x - d / M_E, level: 0))
        #expect(abs(linear - kappa * kappa / (2 * x)) < 1e-3 * linear)
        #expect(model.driftTime(from: 0.5 * x, to: 1.5 * x, level: 0) == nil)
    }
}

/// Shards of an ensemble (runs trained apart, e.g. as cluster tasks) join into
/// the ensemble trained at once, bit for bit.
@Suite("Shards")
struct ShardTests {
    @Test(arguments: 0..<ContinuationTests.cases.count)
    func shardsOfUnequalSizeJoinToTheWhole(_ index: Int) throws {
        let (name, model, whole) = ContinuationTests.cases[index]
        let all = try Trainer.train(model: model, config: whole)
        let cuts = Set([0, 1, whole.runs / 2, whole.runs]).sorted()  // shards of 1, a few and the rest
        var shards = [TrainingResult]()
        for (a, b) in zip(cuts, cuts.dropFirst()) where b > a {
            var config = whole
            config.runs = b - a
            shards.append(try Trainer.train(model: model, config: config, runIndices: Array(a..<b)))
        }
        // Order of arrival does not matter; a resubmitted shard gives the same runs.
        let joined = try TrainingResult.joining(shards.reversed())
        #expect(joined.runIndices == all.runIndices, "\(name)")
        #expect(joined.spectra == all.spectra, "\(name): spectra differ")
        #expect(joined.finalWeights == all.finalWeights, "\(name): weights differ")
        #expect(joined.finalStates == all.finalStates, "\(name): states differ")
        var again = whole
        again.runs = cuts[2] - cuts[1]
        again.threads = 1
        let resubmitted = try Trainer.train(model: model, config: again, runIndices: Array(cuts[1]..<cuts[2]))
        #expect(resubmitted.spectra == shards[1].spectra && resubmitted.finalWeights == shards[1].finalWeights)
        #expect(throws: ShardError.self) { try TrainingResult.joining(shards + [resubmitted]) }
    }

    @Test func shardsOfOtherTrainingsDoNotJoin() throws {
        let model = try ReferenceDBM(n: 3)
        let a = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 10, runs: 2, seed: 1), runIndices: [0, 1])
        let b = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 10, runs: 2, seed: 2), runIndices: [2, 3])
        let c = try Trainer.train(model: model, config: TrainingConfig(lr: 0.1, batch: 1, steps: 20, runs: 2, seed: 1), runIndices: [2, 3])
        #expect(throws: ShardError.self) { try TrainingResult.joining([a, b]) }
        #expect(throws: ShardError.self) { try TrainingResult.joining([a, c]) }
        #expect(throws: ShardError.self) { try TrainingResult.joining([]) }
    }
}
