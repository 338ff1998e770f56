// SPDX-License-Identifier: GPL-3.0-or-later
import Linalg

/// The learning models dyson can train.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    /// Linear teacher–student regression.
    case ts
    /// Gaussian restricted Boltzmann machine with a free-field target.
    case rbm
    /// Reference Dyson Brownian motion (GOE Ornstein–Uhlenbeck process).
    case dbm
}

/// Which numbers a model's spectrum holds.
public enum SpectrumVariable: String, Sendable, Codable {
    /// Singular values s of W (teacher–student: at convergence the student is
    /// symmetric and these are its eigenvalues; the paper's spacings S are of s).
    case singularValues = "s"
    /// x = s², the eigenvalues of X = WᵀW (RBM).
    case squaredSingularValues = "x"
    /// Eigenvalues of the symmetric matrix H (reference DBM).
    case eigenvalues = "λ"

    public var description: String {
        switch self {
        case .singularValues: return "singular values s of W"
        case .squaredSingularValues: return "eigenvalues x = s² of WᵀW"
        case .eigenvalues: return "eigenvalues λ of H"
        }
    }
}

/// What training should converge to: the target values of the spectrum
/// (ascending, same variable as the spectrum) and which indices the loss
/// makes degenerate.
public struct TargetSpectrum: Sendable, Equatable, Codable {
    public let values: [Double]
    /// Groups of ≥ 2 consecutive indices whose targets coincide (pairs, blocks).
    public let blocks: [[Int]]

    public init(values: [Double], relativeTolerance: Double = 1e-9) {
        let sorted = values.sorted()
        self.values = sorted
        var blocks = [[Int]](), current = [0]
        for i in 1..<max(1, sorted.count) {
            if abs(sorted[i] - sorted[i - 1]) <= relativeTolerance * max(1, abs(sorted[i])) {
                current.append(i)
            } else {
                if current.count >= 2 { blocks.append(current) }
                current = [i]
            }
        }
        if current.count >= 2 && sorted.count >= 2 { blocks.append(current) }
        self.blocks = blocks
    }
}

/// A theory prediction for the current parameters, with the formula it came from.
public struct Prediction: Sendable, Equatable, Codable {
    /// A short identifier, e.g. "sigma" or "S_mean[4,5]".
    public let key: String
    public let value: Double
    /// What it is and where it comes from, for the note.
    public let meaning: String

    public init(_ key: String, _ value: Double, _ meaning: String) {
        self.key = key
        self.value = value
        self.meaning = meaning
    }
}

/// A model that cannot be built with the parameters given.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// What would work instead.
    public let suggestion: String?

    public init(_ message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String { suggestion.map { "\(message); \($0)" } ?? message }
}

/// A learning model: its parameters, theory, and a factory for the per-training
/// state that the trainer drives.
public protocol LearningModel: Sendable {
    var kind: ModelKind { get }
    /// One line with every parameter, e.g. "rbm n=10 mu=3 mass=2 sigma_h=1 k=3 init=0.1".
    var summary: String { get }
    /// Shape of the weight matrix.
    var weightRows: Int { get }
    var weightCols: Int { get }
    /// Number of values in one spectrum.
    var spectrumSize: Int { get }
    var variable: SpectrumVariable { get }
    var target: TargetSpectrum { get }

    /// Theory of docs/theory.md for these training settings (leading order where stated).
    func predictions(lr: Double, batch: Int, steps: Int) -> [Prediction]

    /// Rejects settings the model cannot train (e.g. an unstable learning rate).
    func validate(lr: Double, batch: Int) throws(ModelError)

    /// Bytes one worker needs, and bytes shared by all workers, for a training.
    func workspaceBytes(batch: Int) -> Int
    func sharedBytes(batch: Int) -> Int
    /// Bytes of one run's saved `RunState` (kept with a result so that it can be continued).
    func stateBytes(batch: Int) -> Int

    /// How the ensemble approaches its stationary state at these settings:
    /// each level's stationary spread (or the time after which the state is
    /// stationary) and the deterministic drift, for `TrainingResult.convergence`.
    func relaxation(lr: Double, batch: Int) -> Relaxation

    /// Why samples along one run are not new draws of the stationary law, or
    /// nil when trajectory sampling is valid (the model has fresh noise at every
    /// step, so a run is an ergodic Markov chain).
    var trajectoryCaveat: String? { get }

    /// Builds what all runs of one training share (teacher, data, target kernel).
    /// Randomness here must come only from `seed` (never from run streams).
    func makeSession(lr: Double, batch: Int, seed: UInt64) -> any TrainingSession
}

extension LearningModel {
    public var trajectoryCaveat: String? { nil }
}

/// What all runs of one training share; makes one worker per thread.
public protocol TrainingSession: Sendable {
    func makeWorker() -> any ModelWorker
}

/// One thread's state for training runs of a model, reused from run to run.
///
/// A worker advances `lanes` runs in lockstep (several for models whose step is
/// too short to keep a core busy, run as SIMD lanes; one for the others). Lane k
/// of a group starting at run r is run r + k and draws only from its own stream
/// `Xoshiro256StarStar.stream(seed:index: r + k)`, so what a run computes never
/// depends on the grouping, the thread or the order. The step allocates nothing.
public protocol ModelWorker: AnyObject {
    /// Runs advanced together.
    var lanes: Int { get }
    /// Prepares runs `runs` (at most `lanes` of them; lane k is run `runs[k]`):
    /// initial weights, chains, per-run noise and data, all drawn from each
    /// run's own stream of `seed`.
    func begin(runs: [Int], seed: UInt64)
    /// Performs SGD steps first ..< first + count on every lane, polling `cancel`
    /// before each. Returns the number of steps done.
    func advance(from first: Int, count: Int, cancel: CancellationFlag) -> Int
    /// Writes lane k's current spectrum (ascending) to `out`; false if its
    /// weights are not finite or the spectrum cannot be computed.
    func spectrum(lane: Int, into out: UnsafeMutablePointer<Double>) -> Bool
    /// Writes lane k's weight matrix, row-major.
    func weights(lane: Int, into out: UnsafeMutablePointer<Double>)
    /// What lane k needs besides its weights to go on exactly where it stopped:
    /// its random stream's position and any other state (the RBM's persistent
    /// chains). Empty for a model that draws everything in `begin`.
    func state(lane: Int) -> RunState
    /// Puts lane k back where a run stopped: called after `begin` with the same
    /// run, so what `begin` draws once per run (ts data and noise) is redrawn
    /// identically, and then the weights and `state` are overwritten. The next
    /// `advance(from:)` must be given the step the run stopped at.
    func restore(lane: Int, weights: UnsafePointer<Double>, state: RunState)
}

extension ModelWorker {
    /// Prepares the contiguous runs `runs`.
    public func begin(runs: Range<Int>, seed: UInt64) { begin(runs: Array(runs), seed: seed) }
}

/// The state a run needs besides its weights to continue bit for bit: the
/// xoshiro256** state of its stream (four words, or none) and model-specific
/// values (the RBM's chains, row by row).
public struct RunState: Sendable, Equatable {
    public var generator: [UInt64]
    public var values: [Double]

    public init(generator: [UInt64] = [], values: [Double] = []) {
        self.generator = generator
        self.values = values
    }

    public static let empty = RunState()

    /// Bytes held, for memory estimates.
    public var bytes: Int { 8 * (generator.count + values.count) + 48 }
}

extension Xoshiro256StarStar {
    /// The four state words, to save a stream's position.
    public var words: [UInt64] { [s0, s1, s2, s3] }

    /// A generator at a saved position (`words` of another).
    public init(words w: [UInt64]) {
        self.init(state: (w[0], w[1], w[2], w[3]))
    }
}

/// Settings shared by all streams: a training's shared randomness (teacher, data)
/// comes from `shared(seed:purpose:)`, run r's from `Xoshiro256StarStar.stream(seed:index: r)`.
public enum Streams {
    public static func shared(seed: UInt64, purpose: UInt64) -> Xoshiro256StarStar {
        Xoshiro256StarStar.stream(seed: SplitMix64.mix(seed ^ 0x5EED_0F5E_771E_D000), index: purpose)
    }
}
