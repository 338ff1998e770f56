// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// Linear teacher–student regression, as in the paper's released code.
///
/// Teacher W_t = O·diag(t)·Oᵀ with O Haar-random; inputs x ~ N(0, I_n), labels
/// y = W_t x; n_data = batches·|B| samples in fixed mini-batches, batch j =
/// samples j|B| … (j+1)|B|−1, visited in order every epoch. The student W_s
/// (n×n, unconstrained) starts i.i.d. N(0, init²) and follows plain SGD
///
///     W_s ← W_s + α · mean_{d∈B} [ (W_t − W_s) x_d x_dᵀ + a_d ],
///
/// where a_d is a symmetric GOE-like noise matrix per sample (off-diagonal
/// N(0, ε²), diagonal N(0, 2ε²)), drawn once per run and reused every epoch.
///
/// Only the batch mean ā_j = mean_{d∈B_j} a_d ever enters the update, so ā_j is
/// drawn directly (off-diagonal N(0, ε²/|B|), diagonal N(0, 2ε²/|B|)): the same
/// distribution with |B| times fewer normals, still fixed per run and batch.
///
/// Data are shared by all runs of a training (the paper's choice; runs are
/// then correlated through the data) or drawn afresh for every run.
public struct TeacherStudent: LearningModel {
    public let n: Int
    /// Teacher spectrum t₁ … tₙ (default all 2: W_t = 2·I, fully degenerate).
    public let teacher: [Double]
    /// ε: the injected noise has strength A = ε².
    public let noise: Double
    public let initScale: Double
    public let batchesPerEpoch: Int
    public let sharedData: Bool

    public init(n: Int = 2, teacher: [Double]? = nil, noise: Double = 0.1, initScale: Double = 0.1,
                batchesPerEpoch: Int = 500, sharedData: Bool = true) throws(ModelError) {
        guard n >= 1 else { throw ModelError("n must be at least 1, got \(n)") }
        let t = teacher ?? Array(repeating: 2, count: n)
        if t.count == 1 && n > 1 {
            self.teacher = Array(repeating: t[0], count: n)
        } else {
            guard t.count == n else {
                throw ModelError("the teacher spectrum has \(t.count) values but n = \(n)",
                                 suggestion: "give n values, or one value for a degenerate teacher (teacher=2)")
            }
            self.teacher = t
        }
        guard noise >= 0 && noise.isFinite else { throw ModelError("noise must be ≥ 0, got \(noise)") }
        guard initScale >= 0 && initScale.isFinite else { throw ModelError("init must be ≥ 0, got \(initScale)") }
        guard batchesPerEpoch >= 1 else { throw ModelError("batches must be at least 1, got \(batchesPerEpoch)") }
        self.n = n
        self.noise = noise
        self.initScale = initScale
        self.batchesPerEpoch = batchesPerEpoch
        self.sharedData = sharedData
    }

    public var kind: ModelKind { .ts }
    /// A run's only randomness is drawn once: its data (or the shared data) and
    /// its injected noise a_d, one per sample. With them fixed, an epoch of SGD
    /// is an affine contraction of W_s, so after convergence every epoch repeats
    /// the last exactly: a run settles on a cycle of `batchesPerEpoch` states and
    /// samples taken along it are the same few states over and over. The
    /// fluctuations are quenched (across runs), not dynamical.
    public var trajectoryCaveat: String? {
        "a ts run is deterministic once its data and injected noise are drawn (both once per run), so after convergence every epoch of \(batchesPerEpoch) steps repeats the last: samples along a run are the same few states again, not new draws"
    }

    public var summary: String {
        let t = Set(teacher).count == 1 ? "\(teacher[0])" : teacher.map { "\($0)" }.joined(separator: ",")
        return "ts n=\(n) teacher=\(t) noise=\(noise) init=\(initScale) batches=\(batchesPerEpoch) data=\(sharedData ? "shared" : "fresh")"
    }
    public var weightRows: Int { n }
    public var weightCols: Int { n }
    public var spectrumSize: Int { n }
    public var variable: SpectrumVariable { .singularValues }
    public var target: TargetSpectrum { TargetSpectrum(values: teacher.map(abs)) }

    /// Second-moment recursion of δW = W_s − W_t with fresh data each step
    /// (docs/theory.md): with A = ε²,
    ///   D₁ = 2α − α²(1 + 1/|B|),  Dₙ = 2α − α²(1 + (n+1)/|B|),
    ///   T = α²(n+1)(A/|B|)/Dₙ,  σ² = α²(2A/|B| + T/|B|)/D₁,  v_o = σ²/2.
    /// The recursion does not involve W_t, so σ holds for any teacher; ⟨S⟩ = √π σ
    /// and the semicircle radius 2√(g v_o) apply to degenerate blocks of size g.
    public struct Theory: Sendable, Equatable {
        public let d1, dn, rowVariance, sigma, offDiagonalVariance, simpleSigma: Double
        public var stable: Bool { dn > 0 && d1 > 0 }
    }

    public func theory(lr a: Double, batch: Int) -> Theory {
        let b = Double(batch), A = noise * noise, nn = Double(n)
        let d1 = 2 * a - a * a * (1 + 1 / b)
        let dn = 2 * a - a * a * (1 + (nn + 1) / b)
        let t = a * a * (nn + 1) * (A / b) / dn
        let s2 = a * a * (2 * A / b + t / b) / d1
        return Theory(d1: d1, dn: dn, rowVariance: t, sigma: s2.squareRoot(), offDiagonalVariance: s2 / 2,
                      simpleSigma: (a * A / b * 2 / (2 - a)).squareRoot())
    }

    public func predictions(lr: Double, batch: Int, steps: Int) -> [Prediction] {
        let th = theory(lr: lr, batch: batch)
        var p = [
            Prediction("sigma", th.sigma, "σ = √var(δW_ii), second-moment recursion, fresh data (docs/theory.md)"),
            Prediction("sigma_simple", th.simpleSigma, "σ ≈ √((αA/|B|)·2/(2−α)), the (n+1)/|B| → 0 limit"),
            Prediction("v_offdiag", th.offDiagonalVariance, "v_o = σ²/2, off-diagonal variance of the symmetric part"),
            Prediction("scale", (lr * noise * noise / Double(batch)).squareRoot(), "√(αA/|B|), the collapse variable"),
        ]
        for block in target.blocks {
            let g = block.count
            if g == 2 {
                p.append(Prediction("S_mean\(block)", Double.pi.squareRoot() * th.sigma, "⟨S⟩ = √π σ for the degenerate pair \(block)"))
            } else {
                p.append(Prediction("radius\(block)", 2 * (Double(g) * th.offDiagonalVariance).squareRoot(),
                                    "semicircle radius 2√(g v_o), block of g = \(g)"))
            }
        }
        return p
    }

    public func validate(lr: Double, batch: Int) throws(ModelError) {
        let th = theory(lr: lr, batch: batch)
        guard th.stable else {
            throw ModelError(
                "SGD is unstable at lr=\(lr), batch=\(batch): Dₙ = 2α − α²(1 + (n+1)/|B|) = \(th.dn) ≤ 0",
                suggestion: "use lr < \(String(format: "%.3g", 2 / (1 + Double(n + 1) / Double(batch)))) or a larger batch")
        }
    }

    public func workspaceBytes(batch: Int) -> Int {
        // A worker holds four runs in SIMD lanes: W, the product and the ā table
        // for each lane (and the C and P tables when data are per run), plus
        // one lane's scalar scratch of the same tables.
        let nn = n * n, tables = batchesPerEpoch * nn * (sharedData ? 1 : 3)
        return 8 * (4 * (2 * nn + tables) + nn + (sharedData ? 0 : 2 * batchesPerEpoch * nn + batch * n))
    }

    public func sharedBytes(batch: Int) -> Int {
        8 * (n * n + (sharedData ? 2 * batchesPerEpoch * n * n : 0))
    }

    public func makeSession(lr: Double, batch: Int, seed: UInt64) -> any TrainingSession {
        var teacherStream = Streams.shared(seed: seed, purpose: 1)
        let o = RandomMatrices.haarOrthogonal(n: n, using: &teacherStream)
        let wt = o * Matrix.diagonal(teacher) * o.transposed
        var tables: DataTables?
        if sharedData {
            var dataStream = Streams.shared(seed: seed, purpose: 2)
            tables = DataTables(teacher: wt, batch: batch, batches: batchesPerEpoch, rng: &dataStream)
        }
        return TeacherStudentSession(model: self, lr: lr, batch: batch, teacherWeights: wt, sharedTables: tables)
    }
}

/// Per-batch input second moments C_j = X_jᵀX_j/|B| and P_j = W_t C_j (the
/// teacher's part of the gradient), n×n each, for all batches of an epoch.
struct DataTables: @unchecked Sendable {
    var c: [Double]
    var p: [Double]

    init(teacher: Matrix, batch: Int, batches: Int, rng: inout Xoshiro256StarStar) {
        let n = teacher.rows
        c = [Double](repeating: 0, count: batches * n * n)
        p = c
        var x = [Double](repeating: 0, count: batch * n)
        DataTables.fill(c: &c, p: &p, x: &x, teacher: teacher.elements, n: n, batch: batch, batches: batches, rng: &rng)
    }

    /// Draws each batch's inputs and fills the tables in place.
    static func fill(c: inout [Double], p: inout [Double], x: inout [Double], teacher: [Double],
                     n: Int, batch: Int, batches: Int, rng: inout Xoshiro256StarStar) {
        let scale = 1 / Double(batch)
        c.withUnsafeMutableBufferPointer { pc in
            p.withUnsafeMutableBufferPointer { pp in
                x.withUnsafeMutableBufferPointer { px in
                    teacher.withUnsafeBufferPointer { pt in
                        for j in 0..<batches {
                            rng.fillNormals(px.baseAddress!, count: batch * n)
                            let cj = pc.baseAddress! + j * n * n
                            for i in 0..<(n * n) { cj[i] = 0 }
                            for b in 0..<batch {
                                let xb = px.baseAddress! + b * n
                                for i in 0..<n { for k in 0..<n { cj[i * n + k] += xb[i] * xb[k] } }
                            }
                            for i in 0..<(n * n) { cj[i] *= scale }
                            Products.multiply(pt.baseAddress!, cj, into: pp.baseAddress! + j * n * n, m: n, n: n, k: n)
                        }
                    }
                }
            }
        }
    }
}

final class TeacherStudentSession: TrainingSession, @unchecked Sendable {
    let model: TeacherStudent
    let lr: Double
    let batch: Int
    let teacherWeights: Matrix
    let sharedTables: DataTables?

    init(model: TeacherStudent, lr: Double, batch: Int, teacherWeights: Matrix, sharedTables: DataTables?) {
        self.model = model
        self.lr = lr
        self.batch = batch
        self.teacherWeights = teacherWeights
        self.sharedTables = sharedTables
    }

    func makeWorker() -> any ModelWorker { TeacherStudentWorker(session: self) }
}

/// Advances four runs in lockstep, one per SIMD lane: a 2×2 step is a chain of
/// dependent multiply–adds far too short to keep a core busy on its own. Lane
/// arithmetic is the scalar arithmetic, element by element; the lanes never mix.
final class TeacherStudentWorker: ModelWorker {
    typealias Lanes = SIMD4<Double>
    let session: TeacherStudentSession
    let n: Int, batches: Int, batch: Int, lr: Double
    var lanes: Int { 4 }
    /// Weights of the four runs, lane-interleaved: w[e][k] is entry e of lane k.
    var w: [Lanes]
    var product: [Lanes]
    /// ā_j for every batch j, per lane (full symmetric n×n each).
    var noiseTable: [Lanes]
    /// Per-lane data tables when data are fresh per run.
    var ownC: [Lanes], ownP: [Lanes]
    /// Scalar scratch: one lane's matrix, data tables and inputs.
    var scratch: [Double], scratchC: [Double], scratchP: [Double], inputs: [Double]
    var active = 0
    let svd: SingularValueSolver?
    var singular: [Double]

    init(session: TeacherStudentSession) {
        self.session = session
        let m = session.model
        n = m.n; batches = m.batchesPerEpoch; batch = session.batch; lr = session.lr
        w = [Lanes](repeating: Lanes(), count: n * n)
        product = w
        noiseTable = [Lanes](repeating: Lanes(), count: batches * n * n)
        let own = m.sharedData ? 0 : batches * n * n
        ownC = [Lanes](repeating: Lanes(), count: own)
        ownP = ownC
        scratch = [Double](repeating: 0, count: n * n)
        scratchC = [Double](repeating: 0, count: own)
        scratchP = scratchC
        inputs = [Double](repeating: 0, count: m.sharedData ? 0 : batch * n)
        svd = n > 2 ? SingularValueSolver(rows: n, cols: n) : nil
        singular = [Double](repeating: 0, count: n)
    }

    func begin(runs: [Int], seed: UInt64) {
        let m = session.model
        let nn = n * n
        active = runs.count
        let sdOff = m.noise / Double(batch).squareRoot(), sdDiag = sdOff * 2.0.squareRoot()
        // Lane k of entry e lives at index 4e + k of the flat Double view.
        func scatter(_ source: [Double], into table: inout [Lanes], lane k: Int, offset: Int = 0) {
            table.withUnsafeMutableBufferPointer { t in
                t.withMemoryRebound(to: Double.self) { flat in
                    for e in source.indices { flat[4 * (offset + e) + k] = source[e] }
                }
            }
        }
        for k in 0..<lanes {
            guard k < active else {
                // Idle lane: zeros stay finite and are never reported.
                let zeros = [Double](repeating: 0, count: nn)
                scatter(zeros, into: &w, lane: k)
                for j in 0..<batches { scatter(zeros, into: &noiseTable, lane: k, offset: j * nn) }
                if !m.sharedData { for j in 0..<batches { scatter(zeros, into: &ownC, lane: k, offset: j * nn); scatter(zeros, into: &ownP, lane: k, offset: j * nn) } }
                continue
            }
            // Run r's draws, in order: initial weights, the noise of every batch, its data.
            var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(runs[k]))
            scratch.withUnsafeMutableBufferPointer { rng.fillNormals($0.baseAddress!, count: nn, sd: m.initScale) }
            scatter(scratch, into: &w, lane: k)
            for j in 0..<batches {
                scratch.withUnsafeMutableBufferPointer {
                    RandomMatrices.fillGOE($0.baseAddress!, n: n, sdOffDiagonal: sdOff, sdDiagonal: sdDiag, using: &rng)
                }
                scatter(scratch, into: &noiseTable, lane: k, offset: j * nn)
            }
            if !m.sharedData {
                DataTables.fill(c: &scratchC, p: &scratchP, x: &inputs, teacher: session.teacherWeights.elements,
                                n: n, batch: batch, batches: batches, rng: &rng)
                scatter(scratchC, into: &ownC, lane: k)
                scatter(scratchP, into: &ownP, lane: k)
            }
        }
    }

    func advance(from first: Int, count: Int, cancel: CancellationFlag) -> Int {
        if let shared = session.sharedTables {
            return shared.c.withUnsafeBufferPointer { pc in
                shared.p.withUnsafeBufferPointer { pp in
                    run(from: first, count: count, cancel: cancel) { j, e in
                        (Lanes(repeating: pc[j * self.n * self.n + e]), Lanes(repeating: pp[j * self.n * self.n + e]))
                    }
                }
            }
        }
        return ownC.withUnsafeBufferPointer { pc in
            ownP.withUnsafeBufferPointer { pp in
                run(from: first, count: count, cancel: cancel) { j, e in
                    (pc[j * self.n * self.n + e], pp[j * self.n * self.n + e])
                }
            }
        }
    }

    /// W ← W + α (W_t C_j + ā_j − W C_j) for every lane; `data(j, e)` gives entry e
    /// of C_j and of P_j = W_t C_j.
    @inline(__always)
    private func run(from first: Int, count: Int, cancel: CancellationFlag, data: (Int, Int) -> (Lanes, Lanes)) -> Int {
        let nn = n * n, n = self.n, alpha = Lanes(repeating: lr)
        var done = 0
        noiseTable.withUnsafeBufferPointer { pa in
            w.withUnsafeMutableBufferPointer { pw in
                product.withUnsafeMutableBufferPointer { pt in
                    let W = pw.baseAddress!, T = pt.baseAddress!
                    var j = first % batches  // the batch index, advanced without a division per step
                    for _ in 0..<count {
                        if cancel.isCancelled { return }
                        let A = pa.baseAddress! + j * nn
                        if n == 2 {
                            let (c0, p0) = data(j, 0), (c1, p1) = data(j, 1), (c2, p2) = data(j, 2), (c3, p3) = data(j, 3)
                            let t0 = W[0] * c0 + W[1] * c2, t1 = W[0] * c1 + W[1] * c3
                            let t2 = W[2] * c0 + W[3] * c2, t3 = W[2] * c1 + W[3] * c3
                            W[0] += alpha * (p0 + A[0] - t0); W[1] += alpha * (p1 + A[1] - t1)
                            W[2] += alpha * (p2 + A[2] - t2); W[3] += alpha * (p3 + A[3] - t3)
                        } else {
                            Self.product(W, n: n, into: T) { data(j, $0).0 }
                            for e in 0..<nn { W[e] += alpha * (data(j, e).1 + A[e] - T[e]) }
                        }
                        j += 1
                        if j == batches { j = 0 }
                        done += 1
                    }
                }
            }
        }
        return done
    }

    /// T = W·C for every lane (`c(e)`: entry e of C, row-major n×n), each
    /// T[r,c] = Σ_q W[r,q]·C[q,c] summed over q in increasing order from 0,
    /// a multiply then an add per term, as the plain triple loop does, so the
    /// result is that loop's bit for bit. Tiles of two rows × four columns are
    /// held in registers through the q loop: each C entry loaded serves two
    /// rows, and nothing is stored until the tile is done (the plain loop
    /// loaded and stored T[r,c] for every q; 2–3× slower at n = 100).
    @inline(__always)
    static func product(_ W: UnsafePointer<Lanes>, n: Int, into T: UnsafeMutablePointer<Lanes>, _ c: (Int) -> Lanes) {
        let columns = n & ~3
        var r = 0
        while r + 1 < n {
            let w0 = W + r * n, w1 = w0 + n
            var col = 0
            while col < columns {
                var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
                var b0 = Lanes(), b1 = Lanes(), b2 = Lanes(), b3 = Lanes()
                for q in 0..<n {
                    let x = w0[q], y = w1[q], e = q * n + col
                    let c0 = c(e), c1 = c(e + 1), c2 = c(e + 2), c3 = c(e + 3)
                    a0 += x * c0; a1 += x * c1; a2 += x * c2; a3 += x * c3
                    b0 += y * c0; b1 += y * c1; b2 += y * c2; b3 += y * c3
                }
                let t0 = T + r * n + col, t1 = t0 + n
                t0[0] = a0; t0[1] = a1; t0[2] = a2; t0[3] = a3
                t1[0] = b0; t1[1] = b1; t1[2] = b2; t1[3] = b3
                col += 4
            }
            for col in columns..<n {
                var a = Lanes(), b = Lanes()
                for q in 0..<n {
                    let cq = c(q * n + col)
                    a += w0[q] * cq; b += w1[q] * cq
                }
                T[r * n + col] = a; T[(r + 1) * n + col] = b
            }
            r += 2
        }
        if r < n {
            let w0 = W + r * n
            for col in 0..<n {
                var a = Lanes()
                for q in 0..<n { a += w0[q] * c(q * n + col) }
                T[r * n + col] = a
            }
        }
    }

    func spectrum(lane k: Int, into out: UnsafeMutablePointer<Double>) -> Bool {
        for e in 0..<(n * n) { scratch[e] = w[e][k] }
        return scratch.withUnsafeBufferPointer { pw -> Bool in
            let p = pw.baseAddress!
            if n == 1 { out[0] = abs(p[0]); return p[0].isFinite }
            if n == 2 {
                let (a, b) = SpectrumKernels.singularValues2x2(p)
                out[0] = a; out[1] = b
                return a.isFinite && b.isFinite
            }
            return singular.withUnsafeMutableBufferPointer { ps -> Bool in
                do { try svd!.solve(p, values: ps.baseAddress!) } catch { return false }
                for i in 0..<n { out[i] = ps[n - 1 - i] }  // ascending
                return true
            }
        }
    }

    func weights(lane k: Int, into out: UnsafeMutablePointer<Double>) {
        for e in 0..<(n * n) { out[e] = w[e][k] }
    }

    /// A run draws all its randomness in `begin` (and data and noise are
    /// redrawn there identically), so its weights are all it needs.
    func state(lane: Int) -> RunState { .empty }

    func restore(lane k: Int, weights: UnsafePointer<Double>, state: RunState) {
        for e in 0..<(n * n) { w[e][k] = weights[e] }
    }
}
