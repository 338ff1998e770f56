// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// The law of a + c·X for X with law `base` (c > 0).
public struct AffineLaw<Base: ContinuousLaw>: ContinuousLaw {
    public let base: Base
    public let shift: Double
    public let scale: Double

    public init(_ base: Base, shift: Double = 0, scale: Double) {
        precondition(scale > 0, "affine law: scale must be positive, got \(scale)")
        self.base = base
        self.shift = shift
        self.scale = scale
    }

    public var name: String { base.name }
    public var support: ClosedRange<Double> {
        (shift + scale * base.support.lowerBound)...(shift + scale * base.support.upperBound)
    }
    public func pdf(_ x: Double) -> Double { base.pdf((x - shift) / scale) / scale }
    public func cdf(_ x: Double) -> Double { base.cdf((x - shift) / scale) }
    public func quantile(_ u: Double) -> Double { shift + scale * base.quantile(u) }
}

/// Kolmogorov–Smirnov goodness of fit.
public enum KolmogorovSmirnov {
    /// sup |Fₙ(x) − F(x)| of a sample against a CDF.
    public static func distance(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        sortedDistance(sample.sorted(), cdf: cdf)
    }

    /// The asymptotic p-value Q(λ) = 2Σ(−1)^{k−1}e^{−2k²λ²}, λ = (√n + 0.12 + 0.11/√n)·D.
    /// Valid only when nothing was fitted to the sample.
    public static func asymptoticPValue(distance d: Double, sampleSize: Int) -> Double {
        let rn = Double(sampleSize).squareRoot()
        let lambda = (rn + 0.12 + 0.11 / rn) * d
        if lambda < 0.2 { return 1 }
        var p = 0.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            p += (k % 2 == 1 ? 2 : -2) * term
            if term < 1e-17 { break }
        }
        return min(1, max(0, p))
    }

    /// The result of a KS test.
    public struct Result: Sendable, Equatable {
        public let distance: Double
        public let pValue: Double
        public let sampleSize: Int
        public let method: String
        /// True when no bootstrap replica reached the observed distance: then
        /// `pValue` = 1/(1 + replicas) is an upper bound, not an estimate.
        public var isUpperBound = false
    }

    /// KS test whose p-value is honest about what was fitted.
    ///
    /// `compare` maps a sample to the law it is compared with (for spacings:
    /// the surmise scaled to the sample's own mean, i.e. s = S/⟨S⟩). The p-value is
    /// the fraction of `replicas` samples of the same size drawn from `null` whose
    /// distance, after the *same* `compare` step, is at least the observed one:
    /// p = (1 + #{D* ≥ D})/(1 + replicas). Deterministic for a given `seed`.
    ///
    /// Replica r draws from its own stream (seed, r), so the result does not
    /// depend on `threads` (default: every core) or on the order the replicas
    /// run in. A replica is drawn by inversion, u ↦ Q(u), with its uniforms put in
    /// order by a bucket sort (linear time: the uniforms are uniform) before Q,
    /// which is monotone: the sample comes out sorted and is never sorted again.
    /// (Were Q's rounding ever to break the order, that replica is sorted.)
    ///
    /// Correlated samples (taken along one trajectory) fluctuate like fewer
    /// independent ones: pass `effectiveSize` = N/(2τ_int) and the replicas are
    /// drawn with that many values, so D's null spread matches. This is the usual
    /// approximation, good when τ_int is known to ≈ 10 %; it is not exact for
    /// strongly non-exponential correlations. An empty sample gives D and p NaN.
    public static func test<Null: ContinuousLaw, Fitted: ContinuousLaw>(
        _ sample: [Double], null: Null, replicas: Int = 500, seed: UInt64 = 1, effectiveSize: Int? = nil, threads: Int? = nil,
        compare: @escaping @Sendable ([Double]) -> Fitted
    ) -> Result {
        guard !sample.isEmpty else { return noSample }
        let observed = distance(sample, cdf: compare(sample).cdf)
        let size = replicaSize(sample.count, effectiveSize: effectiveSize)
        let exceed = countReplicas(replicas, size: size, null: null, seed: seed, threads: threads) { fake in
            sortedDistance(fake, cdf: compare(fake).cdf) >= observed
        }
        return bootstrapResult(observed: observed, exceed: exceed, replicas: replicas, size: size, sampleSize: sample.count)
    }

    static let noSample = Result(distance: .nan, pValue: .nan, sampleSize: 0, method: "KS, no sample")

    /// The size of the replicas: the effective size when given (at least 2), at most the sample's.
    static func replicaSize(_ count: Int, effectiveSize: Int?) -> Int {
        min(count, max(2, effectiveSize ?? count))
    }

    /// p = (1 + #{D* ≥ D})/(1 + replicas), with what it is.
    static func bootstrapResult(observed: Double, exceed: Int, replicas: Int, size: Int, sampleSize: Int) -> Result {
        let p = Double(1 + exceed) / Double(1 + replicas)
        let sizeNote = size < sampleSize ? ", replicas of the effective size \(size)" : ""
        return Result(distance: observed, pValue: p, sampleSize: sampleSize,
                      method: "KS, parametric bootstrap p (\(replicas) replicas, same normalisation\(sizeNote))",
                      isUpperBound: exceed == 0)
    }

    /// sup |Fₙ(x) − F(x)| of a sample already in ascending order.
    static func sortedDistance(_ xs: [Double], cdf: (Double) -> Double) -> Double {
        let n = Double(xs.count)
        var d = 0.0
        for (i, x) in xs.enumerated() {
            let f = cdf(x)
            d = max(d, f - Double(i) / n, Double(i + 1) / n - f)
        }
        return d
    }

    /// How many of `replicas` sorted samples of `size` values from `law`
    /// satisfy `counts`; replica r from stream (seed, r), spread over `threads`.
    static func countReplicas<Law: ContinuousLaw>(
        _ replicas: Int, size: Int, null law: Law, seed: UInt64, threads: Int?,
        counts: @escaping @Sendable ([Double]) -> Bool
    ) -> Int {
        countReplicas(replicas, seed: seed, threads: threads, worker: { SortedDraw(size: size) }) { draw, rng in
            counts(draw.sample(law, rng: &rng))
        }
    }

    /// How many of `replicas` satisfy `counts`, replica r drawn from stream
    /// (seed, r) with the buffers of its worker (one `worker()` per thread).
    static func countReplicas<Worker>(
        _ replicas: Int, seed: UInt64, threads: Int?, worker: @escaping @Sendable () -> Worker,
        counts: @escaping @Sendable (inout Worker, inout Xoshiro256StarStar) -> Bool
    ) -> Int {
        guard replicas > 0 else { return 0 }
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, replicas))
        let tally = ReplicaTally(workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var buffers = worker()
            var hits = 0
            for r in stride(from: w, to: replicas, by: workers) {
                var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
                if counts(&buffers, &rng) { hits += 1 }
            }
            tally.set(w, hits)
        }
        return tally.total
    }
}

/// Per-worker counts, each written by its own worker only.
private final class ReplicaTally: @unchecked Sendable {
    private var counts: [Int]
    init(_ workers: Int) { counts = Array(repeating: 0, count: workers) }
    func set(_ worker: Int, _ value: Int) { counts.withUnsafeMutableBufferPointer { $0[worker] = value } }
    var total: Int { counts.reduce(0, +) }
}

/// The buffers of one worker's replicas: a sorted sample of `size` values
/// from a law by inversion of sorted uniforms, without sorting the sample.
struct SortedDraw {
    private var uniforms: [Double]
    private var scratch: [Double]
    private var buckets: [Int]

    init(size: Int) {
        uniforms = Array(repeating: 0, count: size)
        scratch = Array(repeating: 0, count: size)
        buckets = Array(repeating: 0, count: size + 1)
    }

    /// `size` draws Q(u) in ascending order, u uniform in (0, 1) drawn from `rng`
    /// as `ContinuousLaw.sample` draws them (a u of 0 is drawn again).
    mutating func sample<Law: ContinuousLaw>(_ law: Law, rng: inout Xoshiro256StarStar) -> [Double] {
        let n = uniforms.count
        for j in 0..<n {
            var u = rng.nextUniform()
            while u <= 0 { u = rng.nextUniform() }
            uniforms[j] = u
        }
        Self.bucketSort(&uniforms, scratch: &scratch, buckets: &buckets)
        // In place: a fresh 8 MB array per replica would cost page faults that
        // serialise the threads in the kernel. The caller drops the returned
        // copy before the next draw, so the buffer is not copied.
        var ordered = true
        uniforms.withUnsafeMutableBufferPointer { x in
            for j in 0..<n {
                x[j] = law.quantile(x[j])
                if j > 0 && x[j] < x[j - 1] { ordered = false }
            }
        }
        if !ordered { uniforms.sort() }
        return uniforms
    }

    /// Sorts values in [0, 1) in linear expected time by two rounds of
    /// bucketing, each into buckets small enough to stay in cache: first into
    /// 2048 equal slices (written as 2048 sequential streams), then each slice
    /// of m values into m sub-buckets (within the slice, in L1), and an
    /// insertion sort of the nearly sorted result (one value per sub-bucket on
    /// average). Exact for any input in [0, 1): the insertion sort repairs
    /// whatever rounding put in the wrong bucket.
    static func bucketSort(_ v: inout [Double], scratch: inout [Double], buckets: inout [Int]) {
        let n = v.count
        guard n > 1 else { return }
        let slices = 2048, scale = Double(slices)
        if buckets.count < max(n, slices) + 1 { buckets = Array(repeating: 0, count: max(n, slices) + 1) }
        if scratch.count < n { scratch = Array(repeating: 0, count: n) }
        v.withUnsafeMutableBufferPointer { v in
            scratch.withUnsafeMutableBufferPointer { out in
                buckets.withUnsafeMutableBufferPointer { start in
                    for b in 0...slices { start[b] = 0 }
                    for x in v { start[min(Int(x * scale), slices - 1) + 1] += 1 }
                    for b in 1...slices { start[b] += start[b - 1] }
                    var bounds = [Int](repeating: 0, count: slices + 1)
                    for b in 0...slices { bounds[b] = start[b] }
                    for x in v {
                        let b = min(Int(x * scale), slices - 1)
                        out[start[b]] = x
                        start[b] += 1
                    }
                    // Each slice [lo, hi) back into v, by sub-bucket, then insertion-sorted.
                    for b in 0..<slices {
                        let lo = bounds[b], m = bounds[b + 1] - lo
                        guard m > 0 else { continue }
                        let fine = Double(m), offset = Double(b)
                        for k in 0...m { start[k] = 0 }
                        for i in lo..<(lo + m) { start[max(0, min(Int((out[i] * scale - offset) * fine), m - 1)) + 1] += 1 }
                        for k in 1...m { start[k] += start[k - 1] }
                        for i in lo..<(lo + m) {
                            let k = max(0, min(Int((out[i] * scale - offset) * fine), m - 1))
                            v[lo + start[k]] = out[i]
                            start[k] += 1
                        }
                        for i in (lo + 1)..<(lo + m) where v[i] < v[i - 1] {
                            let x = v[i]
                            var j = i
                            while j > lo && v[j - 1] > x { v[j] = v[j - 1]; j -= 1 }
                            v[j] = x
                        }
                    }
                }
            }
        }
    }
}

extension KolmogorovSmirnov {
    /// Spacings S against a unit-mean spacing law after normalising s = S/⟨S⟩.
    /// A sample whose mean is not a positive number (all spacings zero, or a
    /// non-finite value) is compared at scale 1e-300: D then says how far off it is.
    ///
    /// For the Poisson law and the Wigner surmise at β = 1 the replicas take a
    /// fast path (``StretchedExponentialReplica``): the same replicas, the same D*
    /// up to rounding (≈ 1e-16), without sorting them and with few logarithms.
    public static func testSpacings<Law: ContinuousLaw>(_ spacings: [Double], law: Law, replicas: Int = 500, seed: UInt64 = 1,
                                                                   effectiveSize: Int? = nil, threads: Int? = nil) -> Result {
        let compare: @Sendable ([Double]) -> AffineLaw<Law> = { s in
            let mean = Statistics.mean(s)
            return AffineLaw(law, scale: mean.isFinite && mean > 1e-300 ? mean : 1e-300)
        }
        guard let form = StretchedExponentialLaw(law), !spacings.isEmpty else {
            return test(spacings, null: law, replicas: replicas, seed: seed, effectiveSize: effectiveSize, threads: threads, compare: compare)
        }
        let observed = distance(spacings, cdf: compare(spacings).cdf)
        let size = replicaSize(spacings.count, effectiveSize: effectiveSize)
        let exceed = countReplicas(replicas, seed: seed, threads: threads,
                                   worker: { StretchedExponentialReplica(law: form, size: size) }) { replica, rng in
            replica.distance(rng: &rng) >= observed
        }
        return bootstrapResult(observed: observed, exceed: exceed, replicas: replicas, size: size, sampleSize: spacings.count)
    }
}

extension KolmogorovSmirnov {
    /// sup |F_a(x) − F_b(x)| between the empirical distributions of two
    /// samples (ties handled: both staircases step past a shared value before
    /// they are compared). Empty samples give NaN.
    ///
    /// For two independent i.i.d. samples of sizes n and m the distance
    /// exceeds c·√((n + m)/(n m)) with probability ≈ Q(c) (c = 1.36: 5 %,
    /// 1.95: 0.1 %); eigenvalues of random matrices fluctuate far less than
    /// i.i.d. values (they are rigid), so for two spectra this bound is loose.
    public static func twoSampleDistance(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let x = a.sorted(), y = b.sorted()
        let n = Double(x.count), m = Double(y.count)
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] <= v { i += 1 }
            while j < y.count && y[j] <= v { j += 1 }
            d = max(d, abs(Double(i) / n - Double(j) / m))
        }
        return d
    }

    /// c(p)·√((n + m)/(n m)): the two-sample distance that independent i.i.d.
    /// samples exceed with probability ≈ p, c(p) = √(−ln(p/2)/2).
    public static func twoSampleCriticalDistance(_ n: Int, _ m: Int, level p: Double) -> Double {
        (-log(p / 2) / 2).squareRoot() * ((Double(n) + Double(m)) / (Double(n) * Double(m))).squareRoot()
    }
}
