// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import Foundation
import Linalg
import RMT
import Synchronization

/// How to train: plain SGD with learning rate α and batch size |B| for `steps`
/// updates, on an ensemble of `runs` independent runs.
public struct TrainingConfig: Sendable, Equatable, Codable {
    public var lr: Double
    public var batch: Int
    public var steps: Int
    public var runs: Int
    /// Run r draws only from `Xoshiro256StarStar.stream(seed: seed, index: r)`.
    public var seed: UInt64
    /// Snapshot interval in steps; nil → steps/50 (at least 1).
    public var every: Int?
    /// Worker threads; nil → all cores. Results do not depend on it.
    public var threads: Int?
    /// A training whose estimated memory exceeds this many bytes is refused.
    public var memoryBudget: Int

    public static let defaultMemoryBudget = 4 << 30

    public init(lr: Double, batch: Int, steps: Int, runs: Int = 1, seed: UInt64 = 1, every: Int? = nil,
                threads: Int? = nil, memoryBudget: Int = TrainingConfig.defaultMemoryBudget) {
        self.lr = lr
        self.batch = batch
        self.steps = steps
        self.runs = runs
        self.seed = seed
        self.every = every
        self.threads = threads
        self.memoryBudget = memoryBudget
    }

    /// The snapshot interval actually used.
    public var snapshotInterval: Int { min(max(1, every ?? steps / 50), max(1, steps)) }

    /// How many snapshots `snapshotSteps` holds, computed without building it.
    public var snapshotCount: Int {
        let e = snapshotInterval
        return steps / e + 1 + (steps % e == 0 ? 0 : 1)
    }

    /// Steps at which spectra are recorded: 0, every, 2·every, …, and the last step.
    public var snapshotSteps: [Int] {
        var s = Array(stride(from: 0, through: steps, by: snapshotInterval))
        if s.last != steps { s.append(steps) }
        return s
    }
}

/// Why a training could not start.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSetting(String)
    case model(ModelError)
    /// The estimate and the budget in bytes, and what would fit.
    case memory(estimate: Int, budget: Int, suggestion: String)

    public var description: String {
        switch self {
        case .invalidSetting(let s): return s
        case .model(let e): return e.description
        case .memory(let e, let b, let s):
            return "this training needs about \(Self.bytes(e)) of memory, more than the budget of \(Self.bytes(b)); \(s)"
        }
    }

    /// "1.5 GB", "12.0 MB", "3 kB".
    public static func bytes(_ b: Int) -> String {
        let d = Double(b)
        if b >= 1 << 30 { return String(format: "%.1f GB", d / 1073741824) }
        if b >= 1 << 20 { return String(format: "%.1f MB", d / 1048576) }
        return String(format: "%.0f kB", d / 1024)
    }
}

/// How far a training has got.
public struct TrainingProgress: Sendable, Equatable {
    /// Run-steps done and in total (runs × steps).
    public let done: Int
    public let total: Int
    public let elapsed: Double
    /// Seconds left at the current rate (nil before any step is done).
    public var remaining: Double? {
        done > 0 ? elapsed * Double(total - done) / Double(done) : nil
    }
    public var fraction: Double { total > 0 ? Double(done) / Double(total) : 1 }
}

/// The outcome of a training: every kept run's spectrum at every snapshot and
/// its final weights, with what was dropped and whether it was cancelled.
public struct TrainingResult: Sendable {
    /// The model trained (what a continuation trains further).
    public let model: any LearningModel
    public let kind: ModelKind
    public let modelSummary: String
    public let variable: SpectrumVariable
    public let target: TargetSpectrum
    public let predictions: [Prediction]
    public let config: TrainingConfig
    public let spectrumSize: Int
    public let weightRows: Int
    public let weightCols: Int
    public let snapshotSteps: [Int]
    /// Indices of the runs kept, ascending.
    public let runIndices: [Int]
    /// Runs dropped because their weights went non-finite.
    public let droppedRuns: [Int]
    /// spectra[(s · runs.count + r) · n + i]: level i of kept run r at snapshot s.
    public let spectra: [Double]
    /// finalWeights[r · rows · cols + …]: kept run r's weights when it ended.
    public let finalWeights: [Double]
    /// True if training was stopped early; then `completedSteps` < config.steps.
    public let cancelled: Bool
    /// Steps every kept run completed.
    public let completedSteps: Int
    public let seconds: Double
    public let threads: Int
    /// The model's reason why samples along a run are not new draws (nil: they are).
    public let trajectoryCaveat: String?
    /// Kept run r's state besides its weights when it ended (its stream's
    /// position, the RBM's chains): with `finalWeights`, what `train continue` needs.
    public let finalStates: [RunState]
    /// Whether every kept run stopped exactly at `completedSteps`, so that the
    /// result can be continued (an interrupted training may hold runs that
    /// went on past its last common snapshot).
    public let resumable: Bool

    public var runCount: Int { runIndices.count }

    /// Where a continuation starts: every kept run at `completedSteps`, nil if
    /// the runs stopped at different steps.
    public var resumePoint: Resume? {
        guard resumable, runCount > 0, finalStates.count == runCount else { return nil }
        return Resume(runIndices: runIndices, weights: finalWeights, states: finalStates, step: completedSteps)
    }

    /// This result followed by its continuation `next` (trained from
    /// `resumePoint`): the snapshots of both (the continuation's first, taken
    /// where this one ended, only once), the runs that survived both, and the
    /// continuation's final weights and states. The configuration records the
    /// total steps and the continuation's snapshot interval.
    public func continued(with next: TrainingResult) -> TrainingResult {
        let survivors = Set(next.runIndices)
        let keep = runIndices.enumerated().filter { survivors.contains($0.element) }.map(\.offset)
        let n = spectrumSize
        var merged = [Double]()
        merged.reserveCapacity((snapshotSteps.count + next.snapshotSteps.count) * keep.count * n)
        for s in snapshotSteps.indices {
            for r in keep { merged.append(contentsOf: spectra[((s * runCount) + r) * n..<((s * runCount) + r + 1) * n]) }
        }
        let nextFirst = next.snapshotSteps.first == snapshotSteps.last ? 1 : 0
        for s in nextFirst..<next.snapshotSteps.count {
            for r in 0..<next.runCount { merged.append(contentsOf: next.spectra[((s * next.runCount) + r) * n..<((s * next.runCount) + r + 1) * n]) }
        }
        var config = next.config
        config.steps = next.completedSteps
        config.runs = next.runCount
        return TrainingResult(
            model: model, kind: kind, modelSummary: modelSummary, variable: variable, target: target, predictions: next.predictions,
            config: config, spectrumSize: n, weightRows: weightRows, weightCols: weightCols,
            snapshotSteps: snapshotSteps + next.snapshotSteps.dropFirst(nextFirst), runIndices: next.runIndices,
            droppedRuns: droppedRuns + next.droppedRuns, spectra: merged, finalWeights: next.finalWeights,
            cancelled: next.cancelled, completedSteps: next.completedSteps, seconds: seconds + next.seconds,
            threads: next.threads, trajectoryCaveat: trajectoryCaveat, finalStates: next.finalStates, resumable: next.resumable)
    }

    /// Whether the snapshots at step ≥ `burnIn` are equally spaced (trajectory
    /// sampling measures correlations in snapshot intervals).
    public func snapshotsEquallySpaced(fromStep burnIn: Int) -> Bool {
        let steps = snapshotSteps.filter { $0 >= burnIn }
        guard steps.count > 2 else { return true }
        let d = steps[1] - steps[0]
        // The last interval may be shorter (a training whose steps are not a multiple of every=).
        return zip(steps.dropFirst(), steps.dropLast()).dropLast().allSatisfy { $0 - $1 == d }
    }

    /// Spectra of all kept runs at snapshot s.
    public func spectra(atSnapshot s: Int) -> [[Double]] {
        let n = spectrumSize, r = runCount
        return (0..<r).map { Array(spectra[((s * r) + $0) * n..<((s * r) + $0 + 1) * n]) }
    }

    /// Spectra at the last snapshot.
    public var finalSpectra: [[Double]] { snapshotSteps.isEmpty ? [] : spectra(atSnapshot: snapshotSteps.count - 1) }

    /// Level by level, the mean over the kept runs at snapshot s.
    public func meanSpectrum(atSnapshot s: Int) -> [Double] {
        let n = spectrumSize, r = runCount
        var m = [Double](repeating: 0, count: n)
        guard r > 0 else { return m }
        for k in 0..<r { for i in 0..<n { m[i] += spectra[(s * r + k) * n + i] } }
        return m.map { $0 / Double(r) }
    }

    /// Kept run r's level-i trajectory over the snapshots.
    public func trajectory(run r: Int, level i: Int) -> [Double] {
        (0..<snapshotSteps.count).map { spectra[($0 * runCount + r) * spectrumSize + i] }
    }

    /// The final weight matrix of kept run r.
    public func weights(run r: Int) -> Matrix {
        let size = weightRows * weightCols
        return Matrix(rows: weightRows, cols: weightCols, elements: Array(finalWeights[r * size..<(r + 1) * size]))
    }

    /// Trajectory sampling: every snapshot at step ≥ `burnIn` of every run, run
    /// after run (so a blocked jackknife keeps each run's correlated samples
    /// together).
    public func samples(fromStep burnIn: Int) -> [[Double]] {
        let first = snapshotSteps.firstIndex { $0 >= burnIn } ?? snapshotSteps.count
        var out = [[Double]]()
        for r in 0..<runCount {
            for s in first..<snapshotSteps.count {
                out.append(Array(spectra[(s * runCount + r) * spectrumSize..<(s * runCount + r + 1) * spectrumSize]))
            }
        }
        return out
    }

    /// Integrated autocorrelation time, in snapshot intervals, of `observable`
    /// along each run after `burnIn`, averaged over runs (error: spread over
    /// runs / √runs). Samples one interval apart are nearly independent when
    /// it is ≲ 0.5; the effective number of samples is N/(2τ).
    public func autocorrelationTime(fromStep burnIn: Int, observable: ([Double]) -> Double) -> Estimate {
        let first = snapshotSteps.firstIndex { $0 >= burnIn } ?? snapshotSteps.count
        var taus = [Double]()
        for r in 0..<runCount {
            let series = (first..<snapshotSteps.count).map { s in
                observable(Array(spectra[(s * runCount + r) * spectrumSize..<(s * runCount + r + 1) * spectrumSize]))
            }
            if series.count >= 8 { taus.append(Statistics.integratedAutocorrelationTime(series).value) }
        }
        guard !taus.isEmpty else { return Estimate(value: .nan, error: nil, sampleSize: 0, method: "τ_int: too few samples per run") }
        let m = Statistics.mean(taus)
        let err = taus.count > 1 ? (Statistics.variance(taus) / Double(taus.count)).squareRoot() : nil
        return Estimate(value: m, error: err, sampleSize: taus.count * (snapshotSteps.count - first),
                        method: "τ_int per run (automatic window), mean over \(taus.count) runs, in units of \(config.snapshotInterval) steps")
    }
}

/// Where a training continues from: each run's stream index, weights and
/// state at `step`.
public struct Resume: Sendable {
    public let runIndices: [Int]
    /// Run k's weights at weights[k·size ..< (k+1)·size].
    public let weights: [Double]
    public let states: [RunState]
    public let step: Int
}

/// Trains ensembles of runs in parallel, deterministically.
public enum Trainer {
    /// Estimated bytes a training needs (snapshots twice: buffer and result;
    /// weights and run states twice). Computed before anything is allocated,
    /// in saturating arithmetic: absurd settings give `Int.max`, never a trap.
    public static func memoryEstimate(model: any LearningModel, config: TrainingConfig) -> Int {
        let threads = min(config.threads ?? ProcessInfo.processInfo.activeProcessorCount, config.runs)
        let terms = [
            product(2, config.snapshotCount, config.runs, model.spectrumSize, 8),
            product(2, config.runs, model.weightRows, model.weightCols, 8),
            product(2, config.runs, model.stateBytes(batch: config.batch)),
            product(threads, model.workspaceBytes(batch: config.batch)),
            model.sharedBytes(batch: config.batch),
            product(config.runs, 32),
        ]
        return terms.reduce(0) { sum, t in
            let (v, o) = sum.addingReportingOverflow(t)
            return o ? Int.max : v
        }
    }

    /// The product of non-negative factors, or `Int.max` if it overflows.
    static func product(_ factors: Int...) -> Int {
        var p = 1
        for f in factors {
            let (v, o) = p.multipliedReportingOverflow(by: max(0, f))
            if o { return Int.max }
            p = v
        }
        return p
    }

    /// Checks the settings and the memory estimate without training.
    public static func check(model: any LearningModel, config: TrainingConfig) throws(TrainingError) {
        guard config.lr > 0 && config.lr.isFinite else { throw .invalidSetting("lr must be a positive number, got \(config.lr)") }
        guard config.batch >= 1 else { throw .invalidSetting("batch must be at least 1, got \(config.batch)") }
        guard config.steps >= 1 else { throw .invalidSetting("steps must be at least 1, got \(config.steps)") }
        guard config.runs >= 1 else { throw .invalidSetting("runs must be at least 1, got \(config.runs)") }
        do { try model.validate(lr: config.lr, batch: config.batch) } catch { throw .model(error) }
        let estimate = memoryEstimate(model: model, config: config)
        if estimate > config.memoryBudget {
            throw .memory(estimate: estimate, budget: config.memoryBudget, suggestion: memoryAdvice(model: model, config: config))
        }
    }

    /// What to change when a training does not fit: the snapshots (a larger
    /// every=, itself within every's limits), the runs (each holds its weights,
    /// state and at least two snapshots), or the model (its working memory).
    /// Every number suggested is one the estimate accepts.
    static func memoryAdvice(model: any LearningModel, config: TrainingConfig) -> String {
        let threads = min(config.threads ?? ProcessInfo.processInfo.activeProcessorCount, config.runs)
        let working = product(threads, model.workspaceBytes(batch: config.batch))
        let fixed = working.addingReportingOverflow(model.sharedBytes(batch: config.batch))
        let available = fixed.overflow ? 0 : max(0, config.memoryBudget - fixed.partialValue)
        // Per run: two snapshots, weights and state (each twice), bookkeeping.
        let perRun = product(4, model.spectrumSize, 8) + product(2, model.weightRows, model.weightCols, 8)
            + product(2, model.stateBytes(batch: config.batch)) + 32
        let runsThatFit = available / max(1, perRun)
        guard runsThatFit >= 1 else {
            return "most of it is the model's working memory, \(TrainingError.bytes(model.workspaceBytes(batch: config.batch))) on each of \(threads) threads"
                + " and \(TrainingError.bytes(model.sharedBytes(batch: config.batch))) shared: use a smaller model (n, or fewer batches per epoch for ts)"
        }
        guard runsThatFit >= config.runs else {
            return "the runs' weights, states and first and last snapshots alone do not fit: use runs=\(runsThatFit) or fewer"
        }
        // The runs fit with two snapshots: how many snapshots fit in what is left?
        let perSnapshot = max(1, product(2, config.runs, model.spectrumSize, 8))
        let rest = product(config.runs, perRun) - product(2, perSnapshot)
        let snapshots = max(0, available - max(0, rest)) / perSnapshot
        let every = snapshots >= 2 ? min(config.steps, config.steps / (snapshots - 1) + 1) : config.steps
        return "keep fewer snapshots (every=\(max(config.snapshotInterval, every))) or fewer runs"
    }

    /// Trains `config.runs` runs of `model`. Run r uses only the random stream
    /// (seed, r), so the result is bit-identical whatever the number of threads
    /// and the order runs finish in. `progress` is called on the calling thread
    /// about ten times a second; `cancel` is polled before every step, and a
    /// cancelled training returns what it has, marked `cancelled`.
    ///
    /// With `resume` (a result's `resumePoint`), the runs go on from where that
    /// result stopped for `config.steps` more steps: `config.runs` must equal
    /// its number of runs and `config.seed` its seed, and each run continues its
    /// own stream, so N steps and then M more equal N + M steps bit for bit.
    /// The result's snapshot steps and `completedSteps` count from the start of
    /// the first training (use `TrainingResult.continued(with:)` to join them).
    ///
    /// With `runIndices` (and no `resume`), the training's runs are those runs
    /// of the ensemble (`config.runs` of them, each on its own stream): a shard
    /// of a larger training, whose runs equal the same runs trained together.
    public static func train(
        model: any LearningModel, config: TrainingConfig, runIndices: [Int]? = nil, resume: Resume? = nil,
        progress: ((TrainingProgress) -> Void)? = nil, cancel: CancellationFlag = CancellationFlag()
    ) throws(TrainingError) -> TrainingResult {
        try check(model: model, config: config)
        if let runIndices, resume == nil {
            guard runIndices.count == config.runs, runIndices.allSatisfy({ $0 >= 0 }) else {
                throw .invalidSetting("a shard lists \(runIndices.count) run indices for runs=\(config.runs)")
            }
            return try train(model: model, config: config, resume: nil, streams: runIndices, progress: progress, cancel: cancel)
        }
        return try train(model: model, config: config, resume: resume, streams: resume?.runIndices, progress: progress, cancel: cancel)
    }

    /// The training itself; slot r of the store is run `streams[r]` (r when nil).
    private static func train(
        model: any LearningModel, config: TrainingConfig, resume: Resume?, streams: [Int]?,
        progress: ((TrainingProgress) -> Void)?, cancel: CancellationFlag
    ) throws(TrainingError) -> TrainingResult {
        if let resume {
            let size = model.weightRows * model.weightCols
            guard resume.runIndices.count == config.runs, resume.states.count == config.runs,
                  resume.weights.count == config.runs * size else {
                throw .invalidSetting("a continuation needs the \(resume.runIndices.count) runs of the result it continues, got runs=\(config.runs)")
            }
        }
        let start = Date()
        let n = model.spectrumSize, runs = config.runs
        let steps = config.snapshotSteps
        let wsize = model.weightRows * model.weightCols
        let threadCount = max(1, min(config.threads ?? ProcessInfo.processInfo.activeProcessorCount, runs))
        let store = RunStore(snapshots: steps.count, runs: runs, n: n, weightSize: wsize)
        // Runs are spread over the cores and BLAS stays single-threaded: a threaded
        // dgemm splits its sums differently with the thread count, which would
        // break bit-identical results (measured: ≈ 8 % faster for one n = 100 run).
        // Set before the session's own LAPACK calls, or OpenBLAS's idle threads spin.
        BLAS.setThreads(1)
        let session = model.makeSession(lr: config.lr, batch: config.batch, seed: config.seed)
        // Cores the runs leave idle go to each run's own parts (one run of a large RBM).
        let requested = max(1, config.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        (session as? InnerParallelSession)?.innerThreads = max(1, requested / threadCount)
        let counters = Counters()

        // The calling thread sleeps between progress reports (a semaphore wait
        // with a timeout spins in sched_yield and steals a core from the workers).
        DispatchQueue.global(qos: .userInitiated).async {
            DispatchQueue.concurrentPerform(iterations: threadCount) { _ in
                let worker = session.makeWorker()
                let lanes = worker.lanes
                while !cancel.isCancelled {
                    let first = counters.nextRun.add(lanes, ordering: .relaxed).oldValue
                    if first >= runs { break }
                    trainGroup(first..<min(first + lanes, runs), worker: worker, config: config, resume: resume, streams: streams,
                               snapshotSteps: steps, store: store, counters: counters, cancel: cancel)
                }
            }
            counters.finished.store(true, ordering: .releasing)
        }
        let total = Trainer.product(runs, config.steps)
        var lastReport = Date()
        while !counters.finished.load(ordering: .acquiring) {
            usleep(10_000)
            if Date().timeIntervalSince(lastReport) >= 0.1 {
                lastReport = Date()
                progress?(TrainingProgress(done: counters.done.load(ordering: .relaxed), total: total, elapsed: Date().timeIntervalSince(start)))
            }
        }
        progress?(TrainingProgress(done: counters.done.load(ordering: .relaxed), total: total, elapsed: Date().timeIntervalSince(start)))
        return store.result(model: model, config: config, resume: resume, streams: streams, cancelled: cancel.isCancelled,
                            seconds: Date().timeIntervalSince(start), threads: threadCount)
    }

    /// Trains one group of runs (one per lane of the worker) through all snapshots.
    /// Store slot r holds run `streams[r]` (or run r of a new training).
    private static func trainGroup(_ runs: Range<Int>, worker: any ModelWorker, config: TrainingConfig, resume: Resume?, streams: [Int]?,
                                   snapshotSteps: [Int], store: RunStore, counters: Counters, cancel: CancellationFlag) {
        worker.begin(runs: runs.map { streams?[$0] ?? $0 }, seed: config.seed)
        let origin = resume?.step ?? 0
        if let resume {
            resume.weights.withUnsafeBufferPointer { w in
                for (k, r) in runs.enumerated() {
                    worker.restore(lane: k, weights: w.baseAddress! + r * store.weightSize, state: resume.states[r])
                }
            }
        }
        var live = [Int]()
        for (k, r) in runs.enumerated() {
            store.begun[r] = true
            if worker.spectrum(lane: k, into: store.slot(snapshot: 0, run: r)) {
                store.taken[r] = 1
                live.append(k)
            } else {
                store.finite[r] = false
            }
        }
        var step = 0
        outer: for s in 1..<max(1, snapshotSteps.count) where !live.isEmpty {
            while step < snapshotSteps[s] {
                let chunk = min(snapshotSteps[s] - step, 256)
                let done = worker.advance(from: origin + step, count: chunk, cancel: cancel)
                step += done
                counters.done.add(done * live.count, ordering: .relaxed)
                if done < chunk { break outer }
            }
            live = live.filter { k in
                let r = runs.lowerBound + k
                guard worker.spectrum(lane: k, into: store.slot(snapshot: s, run: r)) else {
                    store.finite[r] = false
                    store.stepsDone[r] = step
                    return false
                }
                store.taken[r] = s + 1
                return true
            }
        }
        for (k, r) in runs.enumerated() {
            if store.finite[r] { store.stepsDone[r] = step }
            worker.weights(lane: k, into: store.weights + r * store.weightSize)
            store.states[r] = worker.state(lane: k)
        }
    }
}

/// A session whose workers can spread one run's step over several threads
/// (in a decomposition fixed by the model, so results do not change).
protocol InnerParallelSession: AnyObject {
    var innerThreads: Int { get set }
}

final class Counters: Sendable {
    let finished = Atomic<Bool>(false)
    let nextRun = Atomic<Int>(0)
    let done = Atomic<Int>(0)
}

/// Preallocated per-run storage that worker threads write disjoint parts of.
final class RunStore: @unchecked Sendable {
    let snapshots: Int, runs: Int, n: Int, weightSize: Int
    let spectra: UnsafeMutablePointer<Double>
    let weights: UnsafeMutablePointer<Double>
    let begun: UnsafeMutableBufferPointer<Bool>
    let finite: UnsafeMutableBufferPointer<Bool>
    let taken: UnsafeMutableBufferPointer<Int>
    let stepsDone: UnsafeMutableBufferPointer<Int>
    let states: UnsafeMutableBufferPointer<RunState>

    init(snapshots: Int, runs: Int, n: Int, weightSize: Int) {
        self.snapshots = snapshots; self.runs = runs; self.n = n; self.weightSize = weightSize
        spectra = .allocate(capacity: max(1, snapshots * runs * n))
        spectra.initialize(repeating: .nan, count: max(1, snapshots * runs * n))
        weights = .allocate(capacity: max(1, runs * weightSize))
        weights.initialize(repeating: .nan, count: max(1, runs * weightSize))
        begun = .allocate(capacity: runs); begun.initialize(repeating: false)
        finite = .allocate(capacity: runs); finite.initialize(repeating: true)
        taken = .allocate(capacity: runs); taken.initialize(repeating: 0)
        stepsDone = .allocate(capacity: runs); stepsDone.initialize(repeating: 0)
        states = .allocate(capacity: runs); states.initialize(repeating: .empty)
    }

    deinit {
        spectra.deallocate(); weights.deallocate()
        begun.deallocate(); finite.deallocate(); taken.deallocate(); stepsDone.deallocate()
        states.deinitialize(); states.deallocate()
    }

    func slot(snapshot s: Int, run r: Int) -> UnsafeMutablePointer<Double> { spectra + (s * runs + r) * n }

    func result(model: any LearningModel, config: TrainingConfig, resume: Resume?, streams: [Int]?, cancelled: Bool, seconds: Double, threads: Int) -> TrainingResult {
        let allSteps = config.snapshotSteps
        let started = (0..<runs).filter { begun[$0] }
        let dropped = started.filter { !finite[$0] }
        let complete = started.filter { finite[$0] && stepsDone[$0] == config.steps }
        var kept: [Int]
        var snapshotCount = allSteps.count
        if !cancelled || !complete.isEmpty {
            kept = complete
        } else {
            // Nothing finished: keep what was started, up to the last snapshot all reached.
            kept = started.filter { finite[$0] && taken[$0] > 0 }
            snapshotCount = kept.map { taken[$0] }.min() ?? 0
        }
        var spectraOut = [Double]()
        spectraOut.reserveCapacity(snapshotCount * kept.count * n)
        for s in 0..<snapshotCount {
            for r in kept { spectraOut.append(contentsOf: UnsafeBufferPointer(start: slot(snapshot: s, run: r), count: n)) }
        }
        var weightsOut = [Double]()
        weightsOut.reserveCapacity(kept.count * weightSize)
        for r in kept { weightsOut.append(contentsOf: UnsafeBufferPointer(start: weights + r * weightSize, count: weightSize)) }
        let stepsReached = snapshotCount == allSteps.count && !kept.isEmpty && kept.allSatisfy({ stepsDone[$0] == config.steps })
            ? config.steps : (snapshotCount > 0 ? allSteps[snapshotCount - 1] : 0)
        // Steps count from the start of the training a continuation continues.
        let origin = resume?.step ?? 0
        let stream = { (r: Int) in streams?[r] ?? r }
        return TrainingResult(
            model: model, kind: model.kind, modelSummary: model.summary, variable: model.variable, target: model.target,
            predictions: model.predictions(lr: config.lr, batch: config.batch, steps: origin + stepsReached),
            config: config, spectrumSize: n, weightRows: model.weightRows, weightCols: model.weightCols,
            snapshotSteps: allSteps.prefix(snapshotCount).map { origin + $0 }, runIndices: kept.map(stream),
            droppedRuns: dropped.map(stream), spectra: spectraOut, finalWeights: weightsOut, cancelled: cancelled,
            completedSteps: origin + stepsReached, seconds: seconds, threads: threads, trajectoryCaveat: model.trajectoryCaveat,
            finalStates: kept.map { states[$0] }, resumable: kept.allSatisfy { stepsDone[$0] == stepsReached })
    }
}
