// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// Whether an ensemble has reached the stationary state that the theory (and
/// every spacing statistic) is about, and what it would take to get there.
///
/// Spacings and semicircles describe the fluctuations *around* the targets.
/// A training stopped while its levels are still drifting towards them shows
/// a spectrum in motion: a user must be told, with the number of steps the
/// deterministic drift predicts and the command that continues.
public struct Convergence: Sendable, Equatable {
    /// Levels whose ensemble mean is further than `threshold` standard
    /// deviations from where the stationary state puts them (nil when the
    /// model judges by time alone).
    public let farLevels: Int?
    /// Levels in the spectrum.
    public let levels: Int
    /// Further steps the slowest level needs by the drift (0: none; nil: the
    /// drift cannot say, e.g. a level at zero never grows).
    public let stepsNeeded: Int?
    /// One sentence: what was compared with what.
    public let summary: String

    /// How many standard deviations count as "far": with up to a few hundred
    /// levels, a converged ensemble has practically none beyond 4σ.
    public static let threshold = 4.0

    public var converged: Bool { (farLevels ?? 0) == 0 && (stepsNeeded ?? 1) == 0 }

    public init(farLevels: Int?, levels: Int, stepsNeeded: Int?, summary: String) {
        self.farLevels = farLevels
        self.levels = levels
        self.stepsNeeded = stepsNeeded
        self.summary = summary
    }

    /// A round number of steps at least `steps` (two significant digits, up),
    /// for the `train continue steps=…` the user is offered.
    public static func roundUp(_ steps: Int) -> Int {
        guard steps > 100 else { return max(1, steps) }
        let magnitude = Int(pow(10, floor(log10(Double(steps))) - 1))
        return (steps + magnitude - 1) / magnitude * magnitude
    }
}

/// How a model approaches its stationary state, from its theory.
public struct Relaxation: Sendable {
    public enum Criterion: Sendable {
        /// Every level i has a target and a stationary spread σᵢ around it.
        case levels(fluctuation: [Double])
        /// The state is stationary after this many steps from the start,
        /// whatever the levels (the reference DBM from H = 0).
        case time(stationaryAfter: Int)
    }

    public let criterion: Criterion
    /// Steps for level i to go from x to y under the deterministic drift, nil
    /// when the drift cannot take it there.
    public let driftSteps: @Sendable (_ level: Int, _ from: Double, _ to: Double) -> Double?
    /// What was compared, for the report.
    public let description: String

    public init(criterion: Criterion, description: String,
                driftSteps: @escaping @Sendable (Int, Double, Double) -> Double? = { _, _, _ in nil }) {
        self.criterion = criterion
        self.driftSteps = driftSteps
        self.description = description
    }
}

/// Where the stationary state puts each level, to leading order: the sorted
/// eigenvalues of diag(x*) + N, with N a symmetric noise matrix whose entries
/// have variance σᵢσⱼ (2σᵢ² on the diagonal, so an isolated pair is the 2×2
/// GOE block of width σ that the spacing theory describes). Levels whose
/// targets crowd within a few σ repel: the lowest of a crowd sits below its
/// target and the highest above, by more than σ. Estimated by Monte Carlo
/// with a fixed seed (a few dozen matrices), so the verdict is reproducible.
public struct StationaryLevels: Sendable, Equatable {
    /// Mean and standard deviation of the i-th lowest level.
    public let mean: [Double]
    public let deviation: [Double]

    public init(targets: [Double], fluctuation sigma: [Double]) {
        let n = targets.count
        guard n > 0 else { mean = []; deviation = []; return }
        let samples = max(8, min(48, 8_000_000 / max(1, n * n * n)))
        var rng = Xoshiro256StarStar.stream(seed: 0x57A7_10AB, index: UInt64(n))
        let solver = SymmetricEigenSolver(n: n)
        let root = sigma.map { max(0, $0).squareRoot() }
        var h = [Double](repeating: 0, count: n * n), values = [Double](repeating: 0, count: n)
        var sum = [Double](repeating: 0, count: n), square = sum
        var used = 0
        for _ in 0..<samples {
            for i in 0..<n {
                h[i * n + i] = targets[i] + (2.0).squareRoot() * sigma[i] * rng.nextNormal()
                for j in (i + 1)..<max(i + 1, n) {
                    let v = root[i] * root[j] * rng.nextNormal()
                    h[i * n + j] = v
                    h[j * n + i] = v
                }
            }
            let ok = h.withUnsafeBufferPointer { ph in
                values.withUnsafeMutableBufferPointer { pv in
                    (try? solver.solve(ph.baseAddress!, values: pv.baseAddress!)) != nil
                }
            }
            guard ok else { continue }
            used += 1
            for i in 0..<n { sum[i] += values[i]; square[i] += values[i] * values[i] }
        }
        guard used > 1 else { mean = targets.sorted(); deviation = sigma; return }
        mean = sum.map { $0 / Double(used) }
        deviation = zip(sum, square).enumerated().map { i, p in
            let m = p.0 / Double(used)
            // At least the level's own spread: a few samples must not make the test strict.
            return max(((p.1 / Double(used) - m * m) * Double(used) / Double(used - 1)).squareRoot(), sigma[i])
        }
    }
}

extension TrainingResult {
    /// The model's verdict on the ensemble mean at snapshot `s` (default: the
    /// last), against the stationary positions `stationary` (computed from the
    /// model's theory when not given).
    public func convergence(atSnapshot s: Int? = nil, stationary: StationaryLevels? = nil) -> Convergence {
        let s = s ?? snapshotSteps.count - 1
        let relaxation = model.relaxation(lr: config.lr, batch: config.batch)
        let step = snapshotSteps[s]
        switch relaxation.criterion {
        case .time(let after):
            return Convergence(farLevels: nil, levels: spectrumSize, stepsNeeded: max(0, after - step), summary: relaxation.description)
        case .levels(let sigma):
            let expected = stationary ?? StationaryLevels(targets: target.values, fluctuation: sigma)
            let m = meanSpectrum(atSnapshot: s), x = target.values
            let runs = spectra(atSnapshot: s)
            var far = 0, worst = 0.0, unknown = false
            for i in m.indices where i < x.count {
                let centre = expected.mean[i], sd = expected.deviation[i]
                // Leading-order theory misses corrections of a few per cent (shared data, α, the
                // non-universal mean shift): allow a tenth of the repulsion's displacement besides 4σ.
                let tolerance = Convergence.threshold * sd + 0.1 * abs(centre - x[i])
                guard !(abs(m[i] - centre) <= tolerance) else { continue }
                far += 1
                // Each run's level must come within one deviation of the stationary position; the
                // slowest run decides. The drift knows only the target, so stay on the level's side of it.
                for value in runs.map({ $0[i] }) where abs(value - centre) > sd {
                    var goal = centre + (value < centre ? -sd : sd)
                    if (goal - x[i]) * (value - x[i]) <= 0 { goal = x[i] + (value < x[i] ? -sigma[i] : sigma[i]) }
                    if value.isFinite, let steps = relaxation.driftSteps(i, value, goal), steps.isFinite {
                        worst = max(worst, steps)
                    } else {
                        unknown = true
                    }
                }
            }
            // What the drift would settle in under 1 % of the steps so far is as converged as the theory can tell.
            if !unknown && far > 0 && worst < 0.01 * Double(step) { far = 0 }
            let needed = unknown ? nil : (far == 0 ? 0 : Int(min(max(1, worst.rounded(.up)), 1e15)))
            return Convergence(farLevels: far, levels: x.count, stepsNeeded: needed, summary: relaxation.description)
        }
    }

    /// The first snapshot from which the ensemble mean stays converged to the
    /// end (by the model's criterion), or nil if the last one is not.
    public var firstConvergedSnapshot: Int? {
        guard !snapshotSteps.isEmpty, runCount > 0 else { return nil }
        var stationary: StationaryLevels?
        if case .levels(let sigma) = model.relaxation(lr: config.lr, batch: config.batch).criterion {
            stationary = StationaryLevels(targets: target.values, fluctuation: sigma)
        }
        var first: Int?
        for s in stride(from: snapshotSteps.count - 1, through: 0, by: -1) {
            guard convergence(atSnapshot: s, stationary: stationary).converged else { break }
            first = s
        }
        return first
    }
}

extension GaussianRBM {
    /// Drift of a level x of WᵀW towards its target (s = σ_h², t = α·step):
    ///     dx/dt = 2 s x (1/κ − 1/(μ² − s x)) = 2 s² x (x* − x) / (κ (μ² − s x)),
    /// with x* = (μ² − κ)/s. Separating variables (partial fractions),
    ///     t(x₀ → x₁) = κ/(2 s² x*) · [ μ² ln(x₁/x₀) + κ ln(|x* − x₀|/|x* − x₁|) ],
    /// whose last term is the linear relaxation at rate 2 s² x*/κ². The time
    /// ignores the noise (which pushes small levels up faster, and crowded
    /// levels apart) and assumes the level keeps its place in the ordering;
    /// a level at 0 never grows. Nil when x₁ is not between x₀ and x*.
    public func driftTime(from x0: Double, to x1: Double, level i: Int) -> Double? {
        let s = sigmaH * sigmaH, kap = targetKappa[i], xs = target.values[i]
        guard x0 > 0, x1 > 0, (x0 - xs) * (x1 - xs) > 0 else { return x0 == x1 ? 0 : nil }
        return max(0, kap / (2 * s * s * xs) * (mu * mu * log(x1 / x0) + kap * log(abs(xs - x0) / abs(xs - x1))))
    }

    /// Stationary spread of a level around its target at small α/|B|: σ_x ≈ √(2(α/|B|)x*).
    public func levelFluctuation(lr: Double, batch: Int) -> [Double] {
        target.values.map { (2 * lr / Double(batch) * $0).squareRoot() }
    }

    public func relaxation(lr: Double, batch: Int) -> Relaxation {
        let model = self
        return Relaxation(criterion: .levels(fluctuation: levelFluctuation(lr: lr, batch: batch)),
                          description: "levels against their stationary positions: the targets x* with spread σ_x ≈ √(2(α/|B|)x*), crowded levels pushed apart; steps from the drift dx/dt = 2x(1/κ − 1/(μ² − x)) without noise") { i, from, to in
            model.driftTime(from: from, to: to, level: i).map { $0 / lr }
        }
    }

    public func stateBytes(batch: Int) -> Int { 8 * (batch * n + 4) + 96 }
}

extension TeacherStudent {
    /// The mean of δW = W_s − W_t contracts by (1 − α) per step (E[C] = I), so a
    /// level at distance d₀ from its teacher value comes to distance d₁ after
    /// ln(d₀/d₁)/(−ln|1 − α|) steps. The spread of every level is σ of the
    /// second-moment recursion (a degenerate block of g levels then fills its
    /// semicircle of radius 2√(g v_o) in the stationary positions).
    public func relaxation(lr: Double, batch: Int) -> Relaxation {
        let th = theory(lr: lr, batch: batch), t = target.values
        let factor = abs(1 - lr), rate = factor > 0 ? -log(factor) : .infinity
        return Relaxation(criterion: .levels(fluctuation: Array(repeating: th.sigma, count: t.count)),
                          description: "singular values against their stationary positions: the teacher's values with spread σ, degenerate blocks filling their semicircle; steps from the mean contraction (1 − α) per step") { i, from, to in
            let d0 = abs(from - t[i]), d1 = abs(to - t[i])
            guard rate > 0, d1 > 0 else { return nil }
            return d0 <= d1 ? 0 : log(d0 / d1) / rate
        }
    }

    public func stateBytes(batch: Int) -> Int { 48 }
}

extension ReferenceDBM {
    /// From H = 0 the entries' variance is (1 − e^{−t})/n: the process is
    /// stationary, for this spectrum, once e^{−t} is below the relative
    /// fluctuation of the edge, n^{−2/3} (Tracy–Widom), and below 1 %.
    public func relaxation(lr: Double, batch: Int) -> Relaxation {
        let goal = log(1 / min(0.01, pow(Double(n), -2.0 / 3)))
        let after = Int((goal / lr).rounded(.up))
        return Relaxation(criterion: .time(stationaryAfter: after),
                          description: String(format: "stationary once e^{−t} < %.3g, i.e. t = dt·steps ≥ %.3g (%d steps at dt = %g): the spectrum then holds less than that of its start H = 0", exp(-goal), goal, after, lr))
    }

    public func stateBytes(batch: Int) -> Int { 96 }
}
