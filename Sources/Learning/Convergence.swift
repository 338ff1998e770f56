// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Whether an ensemble has reached the stationary state that the theory (and
/// every spacing statistic) is about, and what it would take to get there.
///
/// Spacings and semicircles describe the fluctuations *around* the targets.
/// A training stopped while its levels are still drifting towards them shows
/// a spectrum in motion: a user must be told, with the number of steps the
/// deterministic drift predicts and the command that continues.
public struct Convergence: Sendable, Equatable {
    /// Levels whose ensemble mean is further than `threshold` stationary
    /// fluctuations from their target (nil when levels have no individual target).
    public let farLevels: Int?
    /// Levels in the spectrum.
    public let levels: Int
    /// Further steps the slowest level needs by the drift prediction (0: none;
    /// nil: the prediction does not apply, e.g. a level stuck at zero).
    public let stepsNeeded: Int?
    /// One sentence: what was compared with what.
    public let summary: String

    /// How many stationary fluctuations count as "far": with up to a few
    /// hundred levels, a converged ensemble has practically none beyond 4σ.
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

    /// Counts the levels further than `threshold`·`tolerance[i]` from `target[i]`
    /// and the largest of `steps(i)` over them.
    static func compare(_ mean: [Double], target: [Double], tolerance: [Double],
                        steps: (Int) -> Double?) -> (far: Int, needed: Int?) {
        var far = 0, worst = 0.0, undefined = false
        for i in mean.indices where i < target.count {
            guard abs(mean[i] - target[i]) > threshold * tolerance[i] || !mean[i].isFinite else { continue }
            far += 1
            if let s = steps(i), s.isFinite { worst = max(worst, s) } else { undefined = true }
        }
        if undefined { return (far, nil) }
        return (far, far == 0 ? 0 : Int(min(worst.rounded(.up), 1e15)))
    }
}

extension GaussianRBM {
    /// Drift of a level x of WᵀW towards its target (s = σ_h², t = α·step):
    ///     dx/dt = 2 s x (1/κ − 1/(μ² − s x)) = 2 s² x (x* − x) / (κ (μ² − s x)),
    /// with x* = (μ² − κ)/s. Separating variables (partial fractions),
    ///     t(x₀ → x₁) = κ/(2 s² x*) · [ μ² ln(x₁/x₀) + κ ln(|x* − x₀|/|x* − x₁|) ],
    /// whose last term is the linear relaxation at rate 2 s² x*/κ². The time
    /// ignores the noise (which pushes small levels up faster) and assumes the
    /// level keeps its place in the ordering; a level at 0 never grows.
    public func driftTime(from x0: Double, to x1: Double, level i: Int) -> Double? {
        let s = sigmaH * sigmaH, kap = targetKappa[i], xs = target.values[i]
        guard x0 > 0, x1 > 0, (x0 - xs) * (x1 - xs) > 0 else { return x0 == x1 ? 0 : nil }
        return kap / (2 * s * s * xs) * (mu * mu * log(x1 / x0) + kap * log(abs(xs - x0) / abs(xs - x1)))
    }

    /// Stationary spread of a level around its target at small α/|B|: σ_x ≈ √(2(α/|B|)x*).
    public func levelFluctuation(lr: Double, batch: Int) -> [Double] {
        target.values.map { (2 * lr / Double(batch) * $0).squareRoot() }
    }

    public func convergence(meanSpectrum m: [Double], lr: Double, batch: Int, steps: Int) -> Convergence {
        let x = target.values, tol = levelFluctuation(lr: lr, batch: batch)
        let (far, needed) = Convergence.compare(m, target: x, tolerance: tol) { i in
            // Time to come within one fluctuation of the target, from where the level is.
            let goal = m[i] < x[i] ? x[i] - tol[i] : x[i] + tol[i]
            return driftTime(from: m[i], to: goal, level: i).map { $0 / lr }
        }
        return Convergence(farLevels: far, levels: x.count, stepsNeeded: needed,
                           summary: "levels compared with their targets x*, fluctuation σ_x ≈ √(2(α/|B|)x*); steps from the drift dx/dt = 2x(1/κ − 1/(μ² − x)) without noise")
    }

    public func stateBytes(batch: Int) -> Int { 8 * (batch * n + 4) + 96 }
}

extension TeacherStudent {
    /// The mean of δW = W_s − W_t contracts by (1 − α) per step (E[C] = I), so a
    /// level at distance d from its teacher value comes within σ after
    /// ln(d/σ)/(−ln(1 − α)) steps. A level of a degenerate block of g > 2 sits
    /// anywhere in its semicircle, so its tolerance is the radius 2√(g v_o).
    public func convergence(meanSpectrum m: [Double], lr: Double, batch: Int, steps: Int) -> Convergence {
        let th = theory(lr: lr, batch: batch), t = target.values
        var tol = [Double](repeating: th.sigma, count: t.count)
        for block in target.blocks where block.count > 2 {
            for i in block { tol[i] = 2 * (Double(block.count) * th.offDiagonalVariance).squareRoot() }
        }
        let factor = abs(1 - lr), rate = factor > 0 ? -log(factor) : .infinity
        let (far, needed) = Convergence.compare(m, target: t, tolerance: tol) { i in
            tol[i] > 0 && rate > 0 ? log(abs(m[i] - t[i]) / tol[i]) / rate : nil
        }
        return Convergence(farLevels: far, levels: t.count, stepsNeeded: needed,
                           summary: "singular values compared with the teacher's, fluctuation σ (the semicircle radius in blocks of g > 2); steps from the mean contraction (1 − α) per step")
    }

    public func stateBytes(batch: Int) -> Int { 48 }
}

extension ReferenceDBM {
    /// From H = 0 the entries' variance is (1 − e^{−t})/n: the process is
    /// stationary, for this spectrum, once e^{−t} is below the relative
    /// fluctuation of the edge, n^{−2/3} (Tracy–Widom), and below 1 %.
    public func convergence(meanSpectrum m: [Double], lr: Double, batch: Int, steps: Int) -> Convergence {
        let t = lr * Double(steps)
        let goal = log(1 / min(0.01, pow(Double(n), -2.0 / 3)))
        let needed = t >= goal ? 0 : Int(((goal - t) / lr).rounded(.up))
        return Convergence(farLevels: nil, levels: n, stepsNeeded: needed,
                           summary: String(format: "t = dt·steps = %.4g; stationary once e^{−t} < %.3g (t ≥ %.3g): the spectrum still holds e^{−t} = %.3g of its start H = 0", t, exp(-goal), goal, exp(-t)))
    }

    public func stateBytes(batch: Int) -> Int { 96 }
}
