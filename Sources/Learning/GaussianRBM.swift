// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// Gaussian–Gaussian RBM learning a free scalar field on a periodic 1-D lattice.
///
/// Energy S(φ, h) = ½μ²φᵀφ + hᵀh/(2σ_h²) − φᵀWᵀh with visible φ ∈ ℝⁿ, hidden
/// h ∈ ℝⁿ, W n×n. Integrating out h gives p(φ) ∝ exp(−½φᵀKφ) with
/// K = μ²·I − σ_h²·WᵀW: the eigenvalues x of WᵀW map to λ = μ² − σ_h² x.
///
/// Target: K_φ = (m² + 2) on the diagonal, −1 between periodic neighbours, with
/// eigenvalues κ_k = m² + 2 − 2cos(2πk/n) (pairs k, n−k degenerate), so the
/// target spectrum is x*_k = (μ² − κ_k)/σ_h²; μ² must exceed max κ = m² + 4.
///
/// Update (maximum likelihood, exact data term):
///     W ← W + α·σ_h²·W·(K_φ⁻¹ − Ĉ),  Ĉ = (1/|B|) Σ_b φ_b φ_bᵀ,
/// where the |B| persistent Gibbs chains (started at φ = 1) each make k sweeps
/// h | φ ~ N(σ_h² Wφ, σ_h²), then φ | h ~ N(Wᵀh/μ², 1/μ²) before every update.
/// For n ≤ 16 the k sweeps are drawn at once from their exact joint law,
/// φ ~ N(Aᵏφ, Σ_k) with A = (σ_h²/μ²)WᵀW (`GibbsTransition`): the same Markov
/// chain for φ, with n normals per chain instead of 2kn.
/// The finite-|B| estimate Ĉ is the only noise. With `exactGradient`, Ĉ is
/// replaced by the model covariance (μ² − σ_h² WᵀW)⁻¹ (the |B| → ∞ limit).
///
/// For n > 16 the chains are split into fixed blocks of 16 (the last may be
/// smaller), each drawing from its own stream (the run's stream after W is
/// drawn, jumped 2¹²⁸ steps once per block). The update is evaluated as
/// W·K_φ⁻¹ − W·Ĉ: W·K_φ⁻¹ row by row with the cyclic tridiagonal K_φ (O(n²)
/// instead of a dense n³ product), and W·Ĉ = (1/|B|) Σ_blocks (Φ_b Wᵀ)ᵀ Φ_b,
/// each block's term computed by the block and summed in block order
/// (2·|B|·n² multiply–adds instead of |B|·n²/2 + n³). The blocks, and the two
/// halves of the rows of the update, run on cores the ensemble leaves idle
/// (one run of n = 100 on two cores); the decomposition never depends on the
/// thread count, so neither do the results.
public struct GaussianRBM: LearningModel {
    public let n: Int
    public let mu: Double
    public let mass: Double
    public let sigmaH: Double
    public let gibbsSweeps: Int
    public let initScale: Double
    public let exactGradient: Bool

    public init(n: Int = 10, mu: Double = 3, mass: Double = 2, sigmaH: Double = 1, gibbsSweeps: Int = 3,
                initScale: Double = 0.1, exactGradient: Bool = false) throws(ModelError) {
        guard n >= 2 else { throw ModelError("n must be at least 2, got \(n)") }
        guard sigmaH > 0 else { throw ModelError("sigma_h must be positive, got \(sigmaH)") }
        guard gibbsSweeps >= 1 else { throw ModelError("k (Gibbs sweeps) must be at least 1, got \(gibbsSweeps)") }
        guard initScale >= 0 else { throw ModelError("init must be ≥ 0, got \(initScale)") }
        guard mass > 0 else {
            throw ModelError("mass must be positive, got \(mass): at m = 0 the target kernel K_φ has a zero mode (the constant field) and no inverse, and the update needs K_φ⁻¹",
                             suggestion: "use mass=2 as in the paper, or any m > 0")
        }
        let kMax = mass * mass + 4
        guard mu * mu > kMax else {
            throw ModelError(
                "μ² = \(mu * mu) must exceed the largest target kernel eigenvalue m² + 4 = \(kMax): otherwise some target x* = μ² − κ would be ≤ 0 and no W can reach it",
                suggestion: "use mu > \(String(format: "%.4g", kMax.squareRoot())) (e.g. mu=\(String(format: "%.3g", (kMax.squareRoot() + 0.5).rounded(.up)))) or mass < \(String(format: "%.4g", max(0, mu * mu - 4).squareRoot()))")
        }
        self.n = n
        self.mu = mu
        self.mass = mass
        self.sigmaH = sigmaH
        self.gibbsSweeps = gibbsSweeps
        self.initScale = initScale
        self.exactGradient = exactGradient
    }

    public var kind: ModelKind { .rbm }
    public var summary: String {
        "rbm n=\(n) mu=\(mu) mass=\(mass) sigma_h=\(sigmaH) k=\(gibbsSweeps) init=\(initScale)" + (exactGradient ? " gradient=exact" : "")
    }
    public var weightRows: Int { n }
    public var weightCols: Int { n }
    public var spectrumSize: Int { n }
    public var variable: SpectrumVariable { .squaredSingularValues }

    /// κ_k = m² + 2 − 2cos(2πk/n), k = 0 … n−1.
    public var kappa: [Double] { (0..<n).map { mass * mass + 2 - 2 * cos(2 * .pi * Double($0) / Double(n)) } }

    /// Target kernel eigenvalues sorted to match the ascending targets x*.
    public var targetKappa: [Double] { kappa.sorted(by: >) }

    public var target: TargetSpectrum { TargetSpectrum(values: kappa.map { (mu * mu - $0) / (sigmaH * sigmaH) }, relativeTolerance: 1e-9) }

    /// The target kernel K_φ (periodic lattice Laplacian plus m²).
    public var targetKernel: Matrix {
        var k = Matrix(rows: n, cols: n)
        for i in 0..<n {
            k[i, i] += mass * mass + 2
            k[i, (i + 1) % n] -= 1
            k[i, (i + n - 1) % n] -= 1
        }
        return k
    }

    /// Leading-order theory at small α/|B| (docs/theory.md): σ_x² ≈ 2(α/|B|)x*, and
    /// for a degenerate pair ⟨S⟩ = √π σ ≈ √(2π)·√((α/|B|)x*); relaxation rate
    /// 2x*/κ² per unit t = α·step. Good to ≈ 15 %: the measured slope falls and
    /// the pair means shift away from x* as α/|B| grows.
    public func predictions(lr: Double, batch: Int, steps: Int) -> [Prediction] {
        let r = lr / Double(batch)
        var p = [Prediction("lr_over_batch", r, "α/|B|, the noise strength per unit learning time")]
        let x = target.values, kap = targetKappa
        for block in target.blocks {
            let xs = x[block[0]]
            p.append(Prediction("x_target\(block)", xs, "x* = (μ² − κ)/σ_h² with κ = \(String(format: "%.4f", kap[block[0]]))"))
            p.append(Prediction("scale\(block)", (r * xs).squareRoot(), "√((α/|B|)·x*), the collapse variable"))
            p.append(Prediction("S_mean\(block)", (2 * Double.pi * r * xs).squareRoot(), "⟨S⟩ ≈ √(2π)·√((α/|B|)x*), leading order in α/|B|"))
        }
        let slowest = zip(x, kap).map { $1 * $1 / (2 * $0 * lr) }.max() ?? 0
        p.append(Prediction("relaxation_steps", slowest, "κ²/(2x*α) steps for the slowest mode (growth from small W takes longer)"))
        return p
    }

    public func validate(lr: Double, batch: Int) throws(ModelError) {
        guard lr > 0 && lr < 1 else {
            throw ModelError("lr = \(lr) is outside (0, 1) for the RBM", suggestion: "the paper uses lr between 0.001 and 0.1")
        }
    }

    public func workspaceBytes(batch: Int) -> Int { 8 * (8 * n * n + 4 * batch * n + RBMWorker.chainBlocks(batch) * n * n) }
    public func sharedBytes(batch: Int) -> Int { 8 * n * n }

    public func makeSession(lr: Double, batch: Int, seed: UInt64) -> any TrainingSession {
        let inverse = (try? targetKernel.inverseSPD()) ?? Matrix.identity(n)
        return RBMSession(model: self, lr: lr, batch: batch, targetInverse: inverse.elements,
                          kernelSolver: CyclicTridiagonalSolver(n: n, diagonal: mass * mass + 2))
    }
}

final class RBMSession: TrainingSession, InnerParallelSession, @unchecked Sendable {
    let model: GaussianRBM
    let lr: Double
    let batch: Int
    let targetInverse: [Double]
    /// K_φ⁻¹ applied in O(n) per row (nil for n < 3 or m = 0, where it is not needed or not defined).
    let kernelSolver: CyclicTridiagonalSolver?
    /// Threads each worker may use for one run's chain blocks (set by the trainer).
    var innerThreads = 1

    init(model: GaussianRBM, lr: Double, batch: Int, targetInverse: [Double], kernelSolver: CyclicTridiagonalSolver? = nil) {
        self.model = model
        self.lr = lr
        self.batch = batch
        self.targetInverse = targetInverse
        self.kernelSolver = kernelSolver
    }

    func makeWorker() -> any ModelWorker { RBMWorker(session: self) }
}

/// One thread's RBM state. Buffers: W, chains Φ (|B|×n, one chain per row,
/// stride `ld`), H (the hidden units for n > 16, the transition's normals for
/// n ≤ 16), Ĉ, the gradient product. For n ≤ 16 the stride is 16, the k sweeps
/// are one draw from their exact law (`GibbsTransition`) and the chain products
/// use the SIMD16 kernel (a `dgemm` call costs more than the arithmetic there);
/// padding columns stay zero.
final class RBMWorker: ModelWorker, PartedStep {
    let n: Int, ld: Int, batch: Int, sweeps: Int
    let lr: Double, mu2: Double, sigmaH: Double, sigmaH2: Double
    let exact: Bool
    let initScale: Double
    let kInverse: [Double]
    let kernelSolver: CyclicTridiagonalSolver?
    /// W; for n > 16 also Wᵀ (`wt`); for n ≤ 16 the next chains (`nextPhi`)
    /// and the k-sweep transition.
    var w: [Double], wt: [Double], nextPhi: [Double]
    let transition: GibbsTransition?
    var phi: [Double], hidden: [Double]
    var c: [Double], grad: [Double]
    let svd: SingularValueSolver
    let inverter: SPDInverter
    var singular: [Double]
    /// n > 16: the chain blocks' streams and partial sums of W·Ĉ, and the team
    /// that runs the blocks (nil: the calling thread alone).
    let blocks: Int
    var blockStreams: [NormalLanes]
    var partialC: [Double]
    /// n > 16: each block's Φ_j Wᵀ transposed (n × its chains), for W·Ĉ.
    var transposedBlocks: [Double]
    let team: StepTeam?
    /// The buffers' base pointers while `advance` runs (for `runPart`).
    private var pointers = BlockPointers()

    /// Chains per block, fixed: the decomposition must not depend on the thread count.
    static let chainsPerBlock = 16
    static func chainBlocks(_ batch: Int) -> Int { (batch + chainsPerBlock - 1) / chainsPerBlock }
    /// The update W ← W + α σ_h² W(K⁻¹ − Ĉ) is split into this many row ranges.
    static let rowParts = 2

    init(session: RBMSession) {
        let m = session.model
        n = m.n; batch = session.batch; sweeps = m.gibbsSweeps
        ld = m.n <= 16 ? 16 : m.n
        lr = session.lr; mu2 = m.mu * m.mu; sigmaH = m.sigmaH; sigmaH2 = m.sigmaH * m.sigmaH
        exact = m.exactGradient
        initScale = m.initScale
        kInverse = session.targetInverse
        kernelSolver = session.kernelSolver
        w = [Double](repeating: 0, count: n * n)
        c = w; grad = w
        wt = [Double](repeating: 0, count: n * ld)
        phi = [Double](repeating: 0, count: batch * ld)
        hidden = phi
        nextPhi = ld == 16 ? phi : []
        transition = ld == 16 && !m.exactGradient ? GibbsTransition(n: n, sweeps: sweeps) : nil
        svd = SingularValueSolver(rows: n, cols: n)
        inverter = SPDInverter(n: n)
        singular = [Double](repeating: 0, count: n)
        let blocked = n > 16 && !m.exactGradient
        blocks = blocked ? Self.chainBlocks(batch) : 0
        var placeholder = Xoshiro256StarStar(seed: 0)
        blockStreams = Array(repeating: NormalLanes(seededBy: &placeholder), count: blocks)
        partialC = [Double](repeating: 0, count: blocks * n * n)
        transposedBlocks = [Double](repeating: 0, count: blocked ? batch * n : 0)
        let helpers = min(session.innerThreads, max(blocks, Self.rowParts)) - 1
        team = blocked && helpers > 0 ? StepTeam(helpers: helpers) : nil
    }

    /// Lanes seeded from saved words that are not a `NormalLanes` state (an
    /// older format, or damaged): deterministic, and new noise.
    static func lanes(seededFrom words: [UInt64]) -> NormalLanes {
        var g = Xoshiro256StarStar(seed: words.reduce(0x9E37_79B9_7F4A_7C15) { SplitMix64.mix($0 ^ $1) })
        return NormalLanes(seededBy: &g)
    }

    /// Block j's normals: eight-lane generator seeded from the run's stream
    /// jumped j + 1 times.
    private func deriveBlockStreams() {
        var g = rng
        for j in 0..<blocks { g.jump(); var h = g; blockStreams[j] = NormalLanes(seededBy: &h) }
    }

    var rng = Xoshiro256StarStar(seed: 0)
    var lanes: Int { 1 }

    func begin(runs: [Int], seed: UInt64) {
        rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(runs[0]))
        w.withUnsafeMutableBufferPointer { rng.fillNormals($0.baseAddress!, count: n * n, sd: initScale) }
        for b in 0..<batch { for i in 0..<n { phi[b * ld + i] = 1 } }  // chains start at φ = 1
        deriveBlockStreams()
    }

    /// Fills the first n columns of each of `rows` rows (stride ld) with N(0, sd²).
    @inline(__always)
    func fillNoise(_ p: UnsafeMutablePointer<Double>, rows: Int, sd: Double, rng: inout Xoshiro256StarStar) {
        rng.fillNormals(p, rows: rows, cols: n, stride: ld, sd: sd)
    }

    func advance(from first: Int, count: Int, cancel: CancellationFlag) -> Int {
        var rng = self.rng  // a local copy stays in registers
        defer { self.rng = rng }
        var done = 0
        let n = self.n, ld = self.ld, nn = n * n, b = batch
        let step = lr * sigmaH2, invB = 1 / Double(b)
        w.withUnsafeMutableBufferPointer { pw in
        wt.withUnsafeMutableBufferPointer { pwt in
        nextPhi.withUnsafeMutableBufferPointer { pnext in
        phi.withUnsafeMutableBufferPointer { pphi in
        hidden.withUnsafeMutableBufferPointer { ph in
        c.withUnsafeMutableBufferPointer { pc in
        grad.withUnsafeMutableBufferPointer { pg in
        kInverse.withUnsafeBufferPointer { pk in
        blockStreams.withUnsafeMutableBufferPointer { pst in
        partialC.withUnsafeMutableBufferPointer { pcp in
        transposedBlocks.withUnsafeMutableBufferPointer { ptb in
            let W = pw.baseAddress!, WT = pwt.baseAddress!
            let PHI = pphi.baseAddress!, H = ph.baseAddress!, C = pc.baseAddress!, G = pg.baseAddress!, KI = pk.baseAddress!
            pointers.set(w: W, wt: WT, phi: PHI, hidden: H, c: C, grad: G, streams: pst.baseAddress,
                         partialC: pcp.baseAddress, transposed: ptb.baseAddress)
            defer { pointers = BlockPointers() }
            // The blocked path keeps Wᵀ beside W (the update writes both).
            if blocks > 0 { for i in 0..<n { for j in 0..<n { WT[j * n + i] = W[i * n + j] } } }
            for _ in 0..<count {
                if cancel.isCancelled { return }
                if exact {
                    // Ĉ = (μ² − σ_h² WᵀW)⁻¹, the |B| → ∞ limit.
                    Products.gram(W, rows: n, cols: n, lda: n, scale: -sigmaH2, into: C)
                    for i in 0..<n { C[i * n + i] += mu2 }
                    do { try inverter.invert(C) } catch { W[0] = .nan; done += 1; return }
                } else if let transition, let NEXT = pnext.baseAddress {
                    // n ≤ 16: the k sweeps in one draw, Φ ← Φ Aᵏ + Ζ Lᵀ (rows are
                    // chains; see GibbsTransition), with the SIMD16 kernel.
                    guard transition.prepare(w: W, sigmaH2: sigmaH2, mu2: mu2) else { W[0] = .nan; done += 1; return }
                    fillNoise(H, rows: b, sd: 1, rng: &rng)
                    Products.multiplyStride16(PHI, transition.mean, into: NEXT, m: b, k: n)
                    Products.multiplyStride16(H, transition.noiseFactor, into: NEXT, m: b, k: n, accumulate: true)
                    PHI.update(from: NEXT, count: b * ld)
                    Products.gram(PHI, rows: b, cols: n, lda: ld, scale: invB, into: C)
                } else {
                    // Larger n: the chain blocks (their sweeps and their terms
                    // of W·Ĉ), then the update by row ranges, on the team.
                    runPhase(0, parts: blocks)
                    runPhase(1, parts: Self.rowParts)
                    done += 1
                    continue
                }
                // W ← W + α σ_h² W (K_φ⁻¹ − Ĉ)
                for i in 0..<nn { C[i] = KI[i] - C[i] }
                Products.multiply(W, C, into: G, m: n, n: n, k: n)
                for i in 0..<nn { W[i] += step * G[i] }
                done += 1
            }
        }}}}}}}}}}}
        return done
    }

    /// All parts of `phase`, on the team if there is one.
    private func runPhase(_ phase: Int, parts: Int) {
        if let team { team.perform(phase, parts: parts, on: self) } else { for p in 0..<parts { runPart(phase, p) } }
    }

    /// Phase 0, part j: chain block j's k sweeps, then its term of W·Ĉ,
    /// (1/|B|)·(Φ_j Wᵀ)ᵀ Φ_j, with Φ_j Wᵀ in the block's rows of H (free until
    /// the next step's first sweep).
    /// Phase 1, part q: rows of W ← W + α σ_h² (W K⁻¹ − W Ĉ), the blocks' terms
    /// summed in block order, W K⁻¹ by the cyclic tridiagonal solver.
    func runPart(_ phase: Int, _ part: Int) {
        let n = self.n, p = pointers
        guard let W = p.w, let WT = p.wt, let PHI = p.phi, let H = p.hidden, let C = p.c, let G = p.grad,
              let streams = p.streams, let CP = p.partialC, let PT = p.transposed else { return }
        if phase == 0 {
            let first = part * Self.chainsPerBlock, rows = min(Self.chainsPerBlock, batch - first)
            let phiBlock = PHI + first * n, hBlock = H + first * n
            for _ in 0..<sweeps {
                streams[part].fill(hBlock, count: rows * n, sd: sigmaH)
                Products.gemm(m: rows, n: n, k: n, alpha: sigmaH2, phiBlock, lda: n, WT, ldb: n, beta: 1, into: hBlock, ldc: n)
                streams[part].fill(phiBlock, count: rows * n, sd: 1 / mu2.squareRoot())
                Products.gemm(m: rows, n: n, k: n, alpha: 1 / mu2, hBlock, lda: n, W, ldb: n, beta: 1, into: phiBlock, ldc: n)
            }
            // (Φ_j Wᵀ)ᵀ as an n × rows matrix, then its product with Φ_j.
            Products.gemm(m: rows, n: n, k: n, phiBlock, lda: n, WT, ldb: n, into: hBlock, ldc: n)
            let pt = PT + first * n
            for r in 0..<rows { for i in 0..<n { pt[i * rows + r] = hBlock[r * n + i] } }
            Products.gemm(m: n, n: n, k: rows, alpha: 1 / Double(batch), pt, lda: rows, phiBlock, ldb: n,
                          into: CP + part * n * n, ldc: n)
        } else {
            let lo = part * n / Self.rowParts, hi = (part + 1) * n / Self.rowParts
            guard hi > lo, let solver = kernelSolver else { return }
            // C's rows lo..<hi ← (W Ĉ) rows: the blocks' terms in block order.
            let first = lo * n, last = hi * n
            for i in first..<last { C[i] = CP[i] }
            for j in 1..<max(1, blocks) { let cj = CP + j * n * n; for i in first..<last { C[i] += cj[i] } }
            // Gᵀ's columns lo..<hi ← K⁻¹ Wᵀ: G = W K⁻¹ (K symmetric), kept transposed.
            solver.solveColumns(WT, ld: n, columns: lo..<hi, into: G, ldy: n)
            let scale = lr * sigmaH2
            for r in lo..<hi {
                for i in 0..<n {
                    let v = W[r * n + i] + scale * (G[i * n + r] - C[r * n + i])
                    W[r * n + i] = v
                    WT[i * n + r] = v
                }
            }
        }
    }

    func spectrum(lane: Int, into out: UnsafeMutablePointer<Double>) -> Bool {
        w.withUnsafeBufferPointer { pw in
            singular.withUnsafeMutableBufferPointer { ps -> Bool in
                do { try svd.solve(pw.baseAddress!, values: ps.baseAddress!) } catch { return false }
                for i in 0..<n { out[i] = ps[n - 1 - i] * ps[n - 1 - i] }  // x = s², ascending
                return true
            }
        }
    }

    func weights(lane: Int, into out: UnsafeMutablePointer<Double>) {
        w.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n * n) }
    }

    /// The streams' positions (the run's, then each chain block's) and the
    /// |B| persistent chains (n values each).
    func state(lane: Int) -> RunState {
        var chains = [Double](repeating: 0, count: batch * n)
        for b in 0..<batch { for i in 0..<n { chains[b * n + i] = phi[b * ld + i] } }
        return RunState(generator: rng.words + blockStreams.flatMap(\.words), values: chains)
    }

    func restore(lane: Int, weights: UnsafePointer<Double>, state: RunState) {
        for i in 0..<(n * n) { w[i] = weights[i] }
        for b in 0..<batch { for i in 0..<n { phi[b * ld + i] = state.values[b * n + i] } }
        let g = state.generator
        guard g.count >= 4 else { return }
        rng = Xoshiro256StarStar(words: Array(g[0..<4]))
        let size = NormalLanes.wordCount
        if g.count == 4 + blocks * size {
            for j in 0..<blocks {
                let words = Array(g[(4 + size * j)..<(4 + size * (j + 1))])
                blockStreams[j] = NormalLanes(words: words) ?? Self.lanes(seededFrom: words)
            }
        } else if g.count == 4 * (1 + blocks) {
            // A state saved before the blocks drew from NormalLanes (one
            // xoshiro256** per block): seed each block's lanes from its saved
            // stream, so the run goes on with new noise rather than the noise
            // its blocks started with.
            for j in 0..<blocks { blockStreams[j] = Self.lanes(seededFrom: Array(g[(4 + 4 * j)..<(8 + 4 * j)])) }
        } else {
            deriveBlockStreams()
        }
    }
}

/// The base pointers of an RBM worker's buffers while a step runs.
struct BlockPointers {
    var w, wt, phi, hidden, c, grad, partialC, transposed: UnsafeMutablePointer<Double>?
    var streams: UnsafeMutablePointer<NormalLanes>?

    mutating func set(w: UnsafeMutablePointer<Double>, wt: UnsafeMutablePointer<Double>, phi: UnsafeMutablePointer<Double>,
                      hidden: UnsafeMutablePointer<Double>, c: UnsafeMutablePointer<Double>, grad: UnsafeMutablePointer<Double>,
                      streams: UnsafeMutablePointer<NormalLanes>?, partialC: UnsafeMutablePointer<Double>?,
                      transposed: UnsafeMutablePointer<Double>?) {
        (self.w, self.wt, self.phi, self.hidden, self.c, self.grad) = (w, wt, phi, hidden, c, grad)
        (self.streams, self.partialC, self.transposed) = (streams, partialC, transposed)
    }
}
