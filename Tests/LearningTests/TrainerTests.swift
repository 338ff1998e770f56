// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Learning
import Linalg
import Testing

/// A model whose weights go non-finite in odd-numbered runs at step 10, to test
/// the trainer's bookkeeping independently of any physics.
struct ExplodingModel: LearningModel {
    var kind: ModelKind { .dbm }
    var summary: String { "exploding" }
    var weightRows: Int { 1 }
    var weightCols: Int { 2 }
    var spectrumSize: Int { 2 }
    var variable: SpectrumVariable { .eigenvalues }
    var target: TargetSpectrum { TargetSpectrum(values: [0, 1]) }
    func predictions(lr: Double, batch: Int, steps: Int) -> [Prediction] { [] }
    func validate(lr: Double, batch: Int) throws(ModelError) {}
    func workspaceBytes(batch: Int) -> Int { 64 }
    func sharedBytes(batch: Int) -> Int { 0 }
    func stateBytes(batch: Int) -> Int { 64 }
    func relaxation(lr: Double, batch: Int) -> Relaxation { Relaxation(criterion: .time(stationaryAfter: 0), description: "no theory") }
    func makeSession(lr: Double, batch: Int, seed: UInt64) -> any TrainingSession { Session() }

    struct Session: TrainingSession {
        func makeWorker() -> any ModelWorker { Worker() }
    }

    final class Worker: ModelWorker {
        var run = 0, value = 0.0, noise = 0.0
        var lanes: Int { 1 }
        func begin(runs: [Int], seed: UInt64) {
            var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(runs[0]))
            run = runs[0]; value = 0; noise = rng.nextNormal()
        }
        func state(lane: Int) -> RunState { RunState(values: [value]) }
        func restore(lane: Int, weights: UnsafePointer<Double>, state: RunState) { value = state.values[0] }
        func advance(from first: Int, count: Int, cancel: CancellationFlag) -> Int {
            for step in first..<(first + count) {
                if cancel.isCancelled { return step - first }
                value += 1
                if run % 2 == 1 && step == 10 { value = .nan }
            }
            return count
        }
        func spectrum(lane: Int, into out: UnsafeMutablePointer<Double>) -> Bool {
            out[0] = value; out[1] = value + noise
            return value.isFinite
        }
        func weights(lane: Int, into out: UnsafeMutablePointer<Double>) { out[0] = value; out[1] = noise }
    }
}

@Suite("Trainer")
struct TrainerTests {
    @Test func snapshotsAtTheRequestedSteps() {
        #expect(TrainingConfig(lr: 0.1, batch: 1, steps: 100, every: 30).snapshotSteps == [0, 30, 60, 90, 100])
        #expect(TrainingConfig(lr: 0.1, batch: 1, steps: 100).snapshotSteps.count == 51)
        #expect(TrainingConfig(lr: 0.1, batch: 1, steps: 7, every: 100).snapshotSteps == [0, 7])
    }

    @Test func nonFiniteRunsAreDroppedAndCounted() throws {
        let r = try Trainer.train(model: ExplodingModel(), config: TrainingConfig(lr: 0.1, batch: 1, steps: 50, runs: 9, every: 5))
        #expect(r.droppedRuns == [1, 3, 5, 7])
        #expect(r.runIndices == [0, 2, 4, 6, 8])
        #expect(r.spectra.allSatisfy { $0.isFinite })
        #expect(r.finalSpectra.map { $0[0] } == [50, 50, 50, 50, 50])
        #expect(!r.cancelled && r.completedSteps == 50)
    }

    @Test func sameSeedGivesIdenticalResultsOnOneThreadAndOnAllCores() throws {
        let cases: [(any LearningModel, TrainingConfig)] = [
            (try TeacherStudent(n: 2, sharedData: false), TrainingConfig(lr: 0.1, batch: 16, steps: 600, runs: 24, seed: 5, every: 200)),
            (try TeacherStudent(n: 3), TrainingConfig(lr: 0.1, batch: 8, steps: 300, runs: 8, seed: 6, every: 100)),
            (try GaussianRBM(n: 10), TrainingConfig(lr: 0.01, batch: 16, steps: 300, runs: 6, seed: 7, every: 100)),
            (try GaussianRBM(n: 20), TrainingConfig(lr: 0.01, batch: 8, steps: 100, runs: 3, seed: 7, every: 50)),
            (try ReferenceDBM(n: 12), TrainingConfig(lr: 0.05, batch: 1, steps: 200, runs: 6, seed: 8, every: 50)),
        ]
        for (model, config) in cases {
            var one = config; one.threads = 1
            var all = config; all.threads = nil
            let a = try Trainer.train(model: model, config: one)
            let b = try Trainer.train(model: model, config: all)
            #expect(a.spectra == b.spectra, "\(model.summary)")
            #expect(a.finalWeights == b.finalWeights, "\(model.summary)")
            #expect(a.threads == 1 && b.threads == min(ProcessInfo.processInfo.activeProcessorCount, config.runs))
            // A different seed gives different numbers.
            var other = config; other.seed += 1
            #expect(try Trainer.train(model: model, config: other).spectra != a.spectra)
        }
    }

    /// Run r's result depends only on (seed, r): not on how many runs share its
    /// SIMD group, nor on the ensemble size.
    @Test func aRunDoesNotDependOnTheOtherRuns() throws {
        for model in [try TeacherStudent(n: 2, sharedData: false) as any LearningModel, try GaussianRBM(n: 4)] {
            let small = try Trainer.train(model: model, config: TrainingConfig(lr: 0.05, batch: 8, steps: 300, runs: 7, seed: 2, every: 100))
            let large = try Trainer.train(model: model, config: TrainingConfig(lr: 0.05, batch: 8, steps: 300, runs: 9, seed: 2, every: 100))
            #expect(small.runIndices == Array(0..<7))
            for s in 0..<small.snapshotSteps.count {
                #expect(small.spectra(atSnapshot: s) == Array(large.spectra(atSnapshot: s).prefix(7)), "\(model.summary)")
            }
            #expect(small.finalWeights == Array(large.finalWeights.prefix(7 * model.weightRows * model.weightCols)))
        }
    }

    @Test func cancellingKeepsWhatIsDoneAndSaysSo() throws {
        let flag = CancellationFlag()
        let model = try GaussianRBM(n: 10)
        let config = TrainingConfig(lr: 0.01, batch: 16, steps: 2_000_000, runs: 2, seed: 1, every: 1000)
        var calls = 0
        let r = try Trainer.train(model: model, config: config, progress: { p in
            calls += 1
            if p.done > 20_000 { flag.cancel() }
        }, cancel: flag)
        #expect(r.cancelled)
        #expect(calls >= 2)
        #expect(r.completedSteps % 1000 == 0 && r.completedSteps < config.steps)  // a snapshot step (0 if a run started late on a busy machine)
        // No run finished: the started ones (both, unless the machine was too busy
        // to start the second before the cancel) are kept, truncated to a common snapshot.
        #expect(r.runCount >= 1 && r.runCount <= 2)
        #expect(r.runIndices == Array(0..<r.runCount))
        #expect(r.snapshotSteps.last == r.completedSteps)
        #expect(r.spectra.count == r.snapshotSteps.count * r.runCount * 10)
        #expect(r.spectra.allSatisfy { $0.isFinite })
    }

    @Test func trainingThatWouldNotFitInMemoryIsRefusedWithTheEstimate() throws {
        let model = try ReferenceDBM(n: 100)
        let config = TrainingConfig(lr: 0.01, batch: 1, steps: 100_000, runs: 1000, every: 1)
        #expect(throws: TrainingError.self) { try Trainer.train(model: model, config: config) }
        do {
            try Trainer.check(model: model, config: config)
            Issue.record("expected a memory error")
        } catch {
            let text = error.description
            #expect(text.contains("GB") && text.contains("every="), "\(text)")
            if case .memory(let estimate, _, _) = error { #expect(estimate > 100 << 30) } else { Issue.record("wrong error \(error)") }
        }
        // When the model's tables, not the snapshots, are too big, the advice says so.
        let big = try TeacherStudent(n: 400)
        do {
            try Trainer.check(model: big, config: TrainingConfig(lr: 0.01, batch: 16, steps: 10, runs: 8, threads: 2))
            Issue.record("expected a memory error")
        } catch {
            #expect(error.description.contains("working memory") && !error.description.contains("every="), "\(error.description)")
        }
    }

    @Test func badSettingsAreRefused() throws {
        let ts = try TeacherStudent()
        #expect(throws: TrainingError.self) { try Trainer.check(model: ts, config: TrainingConfig(lr: 0, batch: 16, steps: 10)) }
        #expect(throws: TrainingError.self) { try Trainer.check(model: ts, config: TrainingConfig(lr: 0.1, batch: 0, steps: 10)) }
        // Unstable SGD: Dₙ = 2α − α²(1 + 3/|B|) ≤ 0 at α = 1.9, |B| = 1.
        do {
            try Trainer.check(model: ts, config: TrainingConfig(lr: 1.9, batch: 1, steps: 10))
            Issue.record("expected an instability error")
        } catch {
            #expect(error.description.contains("unstable") && error.description.contains("lr <"))
        }
    }

    @Test func modelsRefuseImpossibleParameters() {
        #expect(throws: ModelError.self) { try GaussianRBM(n: 10, mu: 2, mass: 2) }
        do {
            _ = try GaussianRBM(n: 10, mu: 2.5, mass: 2)
        } catch {
            #expect(error.message.contains("m² + 4 = 8"))
            #expect(error.suggestion?.contains("mu >") == true)
        }
        #expect(throws: ModelError.self) { try TeacherStudent(n: 3, teacher: [1, 2]) }
        #expect((try? TeacherStudent(n: 3, teacher: [2]))?.teacher == [2, 2, 2])
    }

    @Test func targetsAndDegeneracies() throws {
        let rbm = try GaussianRBM(n: 10)
        // κ_k = 6 − 2cos(2πk/10): one at 4 (k=0), one at 8 (k=5), four pairs.
        #expect(rbm.target.blocks == [[1, 2], [3, 4], [5, 6], [7, 8]])
        #expect(abs(rbm.target.values.first! - 1) < 1e-12 && abs(rbm.target.values.last! - 5) < 1e-12)
        #expect(try TeacherStudent(n: 2).target.blocks == [[0, 1]])
        #expect(try ReferenceDBM(n: 5).target.blocks == [[0, 1, 2, 3, 4]])
        #expect(try TeacherStudent(n: 3, teacher: [1, 2, 3]).target.blocks.isEmpty)
    }

    @Test func twoByTwoSingularValuesMatchLAPACK() throws {
        var rng = Xoshiro256StarStar(seed: 3)
        for scale in [1.0, 1e-8, 1e6] {
            for _ in 0..<200 {
                let m = RandomMatrices.gaussian(rows: 2, cols: 2, sd: scale, using: &rng)
                let (a, b) = m.elements.withUnsafeBufferPointer { SpectrumKernels.singularValues2x2($0.baseAddress!) }
                let ref = try m.singularValues()
                #expect(abs(b - ref[0]) <= 1e-14 * ref[0] * 4 && abs(a - ref[1]) <= 1e-13 * ref[0])
            }
        }
    }

    /// The memory estimate covers what a teacher–student worker really holds
    /// (its lane-interleaved tables are four runs wide), for shared and fresh data.
    @Test(arguments: [true, false])
    func teacherStudentWorkspaceEstimateCoversTheWorker(shared: Bool) throws {
        let model = try TeacherStudent(n: 20, sharedData: shared)
        let session = model.makeSession(lr: 0.1, batch: 16, seed: 1)
        let worker = try #require(session.makeWorker() as? TeacherStudentWorker)
        func bytes<T>(_ a: [T]) -> Int { a.count * MemoryLayout<T>.stride }
        let held = bytes(worker.w) + bytes(worker.product) + bytes(worker.noiseTable) + bytes(worker.ownC) + bytes(worker.ownP)
            + bytes(worker.scratch) + bytes(worker.scratchC) + bytes(worker.scratchP) + bytes(worker.inputs)
        let estimate = model.workspaceBytes(batch: 16)
        #expect(estimate >= held && estimate < held + held / 10, "estimate \(estimate) B, held \(held) B")
    }
}
