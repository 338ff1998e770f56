// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// Reference Dyson Brownian motion: a real symmetric n×n matrix H following the
/// Ornstein–Uhlenbeck process whose stationary law is the GOE with off-diagonal
/// variance 1/n and diagonal 2/n (spectrum → semicircle of radius 2).
///
/// Each step applies the exact transition over time dt (the "learning rate"):
///     H ← e^{−dt/2} H + √(1 − e^{−dt}) G,   G ~ GOE(1/n),
/// so there is no discretisation error and levels never cross. Starting from
/// H = 0 the entries have variance (1 − e^{−t})/n at t = dt·steps, so the
/// spectrum fills a semicircle of radius 2√(1 − e^{−t}). The batch size plays
/// no role here.
public struct ReferenceDBM: LearningModel {
    public let n: Int

    public init(n: Int = 50) throws(ModelError) {
        guard n >= 2 else { throw ModelError("n must be at least 2, got \(n)") }
        self.n = n
    }

    public var kind: ModelKind { .dbm }
    public var summary: String { "dbm n=\(n)" }
    public var weightRows: Int { n }
    public var weightCols: Int { n }
    public var spectrumSize: Int { n }
    public var variable: SpectrumVariable { .eigenvalues }
    /// All levels start degenerate at 0: one block of size n.
    public var target: TargetSpectrum { TargetSpectrum(values: Array(repeating: 0, count: n)) }

    public func predictions(lr: Double, batch: Int, steps: Int) -> [Prediction] {
        let t = lr * Double(steps)
        let v = (1 - exp(-t)) / Double(n)
        var p = [
            Prediction("time", t, "t = dt·steps"),
            Prediction("v_offdiag", v, "off-diagonal variance (1 − e^{−t})/n from H = 0"),
            Prediction("radius", 2 * (1 - exp(-t)).squareRoot(), "semicircle radius 2√(1 − e^{−t}) (→ 2)"),
            Prediction("ratio_mean", 0.5307, "⟨r̃⟩ of the GOE at large n"),
        ]
        if n == 2 {  // a 2×2 GOE block with diagonal variance σ² = 2v: ⟨S⟩ = √π σ exactly
            p.append(Prediction("S_mean[0, 1]", (Double.pi * 2 * v).squareRoot(), "⟨S⟩ = √π σ, σ² = 2(1 − e^{−t})/n, exact for 2×2"))
        }
        return p
    }

    public func validate(lr: Double, batch: Int) throws(ModelError) {
        guard lr > 0 && lr.isFinite else { throw ModelError("dt (lr) must be positive, got \(lr)") }
    }

    public func workspaceBytes(batch: Int) -> Int { 8 * (3 * n * n + 2 * n) + 8 * (2 * n * n) }
    public func sharedBytes(batch: Int) -> Int { 0 }

    public func makeSession(lr: Double, batch: Int, seed: UInt64) -> any TrainingSession {
        DBMSession(n: n, dt: lr)
    }
}

struct DBMSession: TrainingSession {
    let n: Int
    let dt: Double
    func makeWorker() -> any ModelWorker { DBMWorker(n: n, dt: dt) }
}

final class DBMWorker: ModelWorker {
    let n: Int
    let decay: Double, kick: Double, sdOff: Double, sdDiag: Double
    var h: [Double], g: [Double], values: [Double]
    let solver: SymmetricEigenSolver

    init(n: Int, dt: Double) {
        self.n = n
        decay = exp(-dt / 2)
        kick = (-expm1(-dt)).squareRoot()
        sdOff = (1 / Double(n)).squareRoot()
        sdDiag = (2 / Double(n)).squareRoot()
        h = [Double](repeating: 0, count: n * n)
        g = h
        values = [Double](repeating: 0, count: n)
        solver = SymmetricEigenSolver(n: n)
    }

    var rng = Xoshiro256StarStar(seed: 0)
    var lanes: Int { 1 }

    func begin(runs: [Int], seed: UInt64) {
        rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(runs[0]))
        for i in h.indices { h[i] = 0 }
    }

    func advance(from first: Int, count: Int, cancel: CancellationFlag) -> Int {
        var rng = self.rng
        defer { self.rng = rng }
        var done = 0
        let n = self.n, a = decay, b = kick * sdOff, bd = kick * sdDiag
        h.withUnsafeMutableBufferPointer { ph in
            g.withUnsafeMutableBufferPointer { pg in
                let H = ph.baseAddress!, G = pg.baseAddress!
                let upper = n * (n - 1) / 2
                for _ in 0..<count {
                    if cancel.isCancelled { return }
                    // Normals for the diagonal and the upper triangle, then H ← aH + bG.
                    rng.fillNormals(G, count: n + upper)
                    var k = n
                    for i in 0..<n {
                        H[i * n + i] = a * H[i * n + i] + bd * G[i]
                        for j in (i + 1)..<max(i + 1, n) {
                            let v = a * H[i * n + j] + b * G[k]
                            k += 1
                            H[i * n + j] = v
                            H[j * n + i] = v
                        }
                    }
                    done += 1
                }
            }
        }
        return done
    }

    func spectrum(lane: Int, into out: UnsafeMutablePointer<Double>) -> Bool {
        h.withUnsafeBufferPointer { ph in
            do { try solver.solve(ph.baseAddress!, values: out) } catch { return false }
            return true
        }
    }

    func weights(lane: Int, into out: UnsafeMutablePointer<Double>) {
        h.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n * n) }
    }

    func state(lane: Int) -> RunState { RunState(generator: rng.words) }

    func restore(lane: Int, weights: UnsafePointer<Double>, state: RunState) {
        for i in 0..<(n * n) { h[i] = weights[i] }
        rng = Xoshiro256StarStar(words: state.generator)
    }
}
