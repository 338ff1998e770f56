// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
@testable import RMT
import Testing

/// The KS parametric bootstrap: replicas on all cores, each from its own
/// stream, drawn already sorted.
@Suite struct BootstrapTests {
    static func surmiseSample(_ count: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        return WignerSurmise(beta: 1).sample(count: count) { rng.nextUniform() }
    }

    /// The p-value is a count over replicas that each draw from stream
    /// (seed, r): the same for any number of threads.
    @Test func pValueDoesNotDependOnTheThreadCount() {
        let s = Self.surmiseSample(3000, seed: 9).map { 1.3 * $0 }
        let one = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 101, seed: 5, threads: 1)
        for threads in [2, 3, 8] {
            let many = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 101, seed: 5, threads: threads)
            #expect(many == one)
        }
        // And with a law whose quantile is found numerically (bisection).
        let g1 = KolmogorovSmirnov.testSpacings(Array(s.prefix(400)), law: GaudinSpacing(beta: 1), replicas: 23, seed: 2, threads: 1)
        let g3 = KolmogorovSmirnov.testSpacings(Array(s.prefix(400)), law: GaudinSpacing(beta: 1), replicas: 23, seed: 2, threads: 3)
        #expect(g1 == g3)
    }

    /// A replica is the sample `ContinuousLaw.sample` draws from the same
    /// stream, in ascending order, bit for bit.
    @Test func sortedDrawIsTheSortedSample() {
        var draw = SortedDraw(size: 5000)
        for r in 0..<4 {
            var a = Xoshiro256StarStar.stream(seed: 17, index: UInt64(r))
            var b = Xoshiro256StarStar.stream(seed: 17, index: UInt64(r))
            let sorted = draw.sample(WignerSurmise(beta: 2), rng: &a)
            let reference = WignerSurmise(beta: 2).sample(count: 5000) { b.nextUniform() }.sorted()
            #expect(sorted.map(\.bitPattern) == reference.map(\.bitPattern))
        }
    }

    @Test func bucketSortSortsEdgeCases() {
        var rng = Xoshiro256StarStar(seed: 1)
        let cases: [[Double]] = [[], [0.5], [0.9, 0.1], Array(repeating: 0.25, count: 50), (0..<1000).map { _ in rng.nextUniform() },
                                 (0..<1000).map { _ in 0.999 * rng.nextUniform() * rng.nextUniform() }, [0x1.fffffffffffffp-1, 0, 0.5]]
        for c in cases {
            var v = c, scratch = c, buckets = [Int](repeating: 0, count: c.count + 1)
            SortedDraw.bucketSort(&v, scratch: &scratch, buckets: &buckets)
            #expect(v == c.sorted())
        }
    }

    /// The test still rejects what it should and accepts what it should: the
    /// surmise against its own samples gives p roughly uniform (here > 0.01),
    /// a Poisson sample against the surmise p at its floor 1/(1 + replicas).
    @Test func bootstrapStillDiscriminates() {
        let good = KolmogorovSmirnov.testSpacings(Self.surmiseSample(2000, seed: 4), law: WignerSurmise(beta: 1), replicas: 199, seed: 1)
        #expect(good.pValue > 0.01)
        var rng = Xoshiro256StarStar(seed: 8)
        let poisson = PoissonSpacing().sample(count: 2000) { rng.nextUniform() }
        let bad = KolmogorovSmirnov.testSpacings(poisson, law: WignerSurmise(beta: 1), replicas: 199, seed: 1)
        #expect(bad.isUpperBound && bad.pValue == 1.0 / 200)
    }

    /// D* of replica r by the generic path: the sorted draw, its mean, the law
    /// rescaled to it, `sortedDistance`.
    static func genericReplicaDistance<Law: ContinuousLaw>(_ law: Law, size: Int, seed: UInt64, replica r: Int) -> Double {
        var draw = SortedDraw(size: size)
        var rng = Xoshiro256StarStar.stream(seed: seed, index: UInt64(r))
        let x = draw.sample(law, rng: &rng)
        return KolmogorovSmirnov.sortedDistance(x, cdf: AffineLaw(law, scale: Statistics.mean(x)).cdf)
    }

    /// The fast path for the surmise (β = 1) and the Poisson law gives the D* of
    /// the generic path for the same replica, to rounding, whatever the number
    /// of slices (from one slice, where nothing is skipped, to 2¹⁴) and size.
    @Test func fastReplicaDistanceIsTheGenericOne() throws {
        for law in [StretchedExponentialLaw(WignerSurmise(beta: 1)), StretchedExponentialLaw(PoissonSpacing())] {
            let form = try #require(law)
            for size in [2, 3, 17, 1000, 30_000] {
                var replicas = [StretchedExponentialReplica(law: form, size: size)]
                replicas += [0, 3, 14].map { StretchedExponentialReplica(law: form, size: size, sliceBits: $0) }
                for r in 0..<3 {
                    let generic = form.shape == 2
                        ? Self.genericReplicaDistance(WignerSurmise(beta: 1), size: size, seed: 11, replica: r)
                        : Self.genericReplicaDistance(PoissonSpacing(), size: size, seed: 11, replica: r)
                    for k in replicas.indices {
                        var rng = Xoshiro256StarStar.stream(seed: 11, index: UInt64(r))
                        let fast = replicas[k].distance(rng: &rng)
                        #expect(abs(fast - generic) < 1e-12, "shape \(form.shape), n = \(size), replica \(r), S = \(replicas[k].slices): \(fast) vs \(generic)")
                    }
                }
            }
        }
    }

    /// The bounds at the slice edges skip most of a large replica: at n = 10⁵
    /// (S = 2¹¹ slices) well under a third of the values are looked at again.
    @Test func fastReplicaSkipsMostSlices() throws {
        let form = try #require(StretchedExponentialLaw(WignerSurmise(beta: 1)))
        var replica = StretchedExponentialReplica(law: form, size: 100_000)
        var examined = 0
        for r in 0..<10 {
            var rng = Xoshiro256StarStar.stream(seed: 2, index: UInt64(r))
            _ = replica.distance(rng: &rng)
            examined += replica.examinedValues
        }
        #expect(examined > 0 && examined < 10 * 100_000 / 3, "\(examined) of 10⁶ values examined")
    }

    /// `testSpacings` (fast path) and `test` with the same normalisation
    /// (generic path) give the same result, on any number of threads.
    @Test func fastPathGivesTheGenericPValue() {
        var rng = Xoshiro256StarStar(seed: 21)
        let poisson = PoissonSpacing().sample(count: 2500) { rng.nextUniform() }.map { 0.7 * $0 }
        let surmise = Self.surmiseSample(2500, seed: 22)
        for (s, law) in [(surmise, AnyLaw(WignerSurmise(beta: 1))), (poisson, AnyLaw(PoissonSpacing()))] {
            let generic = KolmogorovSmirnov.test(s, null: law, replicas: 60, seed: 3, threads: 1) { x in
                AffineLaw(law, scale: Statistics.mean(x))
            }
            for threads in [1, 2, 5] {
                let fast = law.name == "Poisson"
                    ? KolmogorovSmirnov.testSpacings(s, law: PoissonSpacing(), replicas: 60, seed: 3, threads: threads)
                    : KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 60, seed: 3, threads: threads)
                #expect(fast == generic, "\(law.name), \(threads) threads")
            }
        }
        // A reduced effective size goes through the fast path too.
        let a = KolmogorovSmirnov.testSpacings(surmise, law: WignerSurmise(beta: 1), replicas: 40, seed: 4, effectiveSize: 700, threads: 1)
        let b = KolmogorovSmirnov.test(surmise, null: AnyLaw(WignerSurmise(beta: 1)), replicas: 40, seed: 4, effectiveSize: 700, threads: 3) { x in
            AffineLaw(WignerSurmise(beta: 1), scale: Statistics.mean(x))
        }
        #expect(a == b && a.method.contains("effective size 700"))
    }

    /// The vectorisable logarithm and exponential agree with the C library's to
    /// a few units in the last place over the ranges the bootstrap uses.
    @Test func fastLogAndExpAreAccurate() {
        var rng = Xoshiro256StarStar(seed: 5)
        var worstLog = 0.0, worstExp = 0.0
        for _ in 0..<100_000 {
            let x = 1 - rng.nextUniform()  // (0, 1]
            let y = exp(-40 * rng.nextUniform()) // down to e⁻⁴⁰
            for v in [x, y, 1 + 3 * x] {
                let ulps = abs(FastLog.log(v) - Foundation.log(v)) / max(Foundation.log(v).ulp, Double.leastNormalMagnitude)
                worstLog = max(worstLog, ulps)
            }
            let t = -50 * rng.nextUniform() * rng.nextUniform()
            worstExp = max(worstExp, abs(FastExp.exp(t) - Foundation.exp(t)) / Foundation.exp(t).ulp)
        }
        #expect(worstLog <= 2 && worstExp <= 4, "log \(worstLog) ulp, exp \(worstExp) ulp")
        #expect(FastLog.log(1) == 0 && FastExp.exp(0) == 1 && FastExp.exp(-1e6) < 1e-300)
    }
}

/// A law known only by its protocol, so that `testSpacings` takes the generic path.
private struct AnyLaw: ContinuousLaw {
    let base: any ContinuousLaw
    init(_ base: any ContinuousLaw) { self.base = base }
    var name: String { base.name }
    var support: ClosedRange<Double> { base.support }
    func pdf(_ x: Double) -> Double { base.pdf(x) }
    func cdf(_ x: Double) -> Double { base.cdf(x) }
    func quantile(_ u: Double) -> Double { base.quantile(u) }
}
